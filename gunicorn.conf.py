"""Production gunicorn settings (docker-compose `web`, the Dockerfile): `gunicorn -c gunicorn.conf.py`.

Four sync workers (one request at a time each) behind nginx, which buffers every request
and response, so a slow client never holds a worker. Measured on this 2-core machine
against the threaded workers used before (2 gthread workers x 4 threads), interleaved on
one database (bench/ab_servers.py --conf, bench/RESULTS.md): the status page polled by 100
clients every half-second, p95 41.6-98.1 ms against 95.5-164.0 ms; events at 8 clients
225.5 vs 230.6/s and 239.6 vs 207.9/s (no difference this machine's noise lets through).
Threads share a process's GIL and the CPU-bound part of a request does not overlap, so
they only added queueing. `GUNICORN_THREADS` above 1 turns the workers into gthread ones
again (gunicorn does so when a sync worker is given threads).

Each worker (each thread, with threads) keeps its own database connection
(CONN_MAX_AGE): keep workers x threads x `--scale web=N`, plus the Celery workers, below
PostgreSQL's max_connections (100 by default).

Every value can be set from the environment without editing this file.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after this many seconds is stopped (its sync worker restarted);
# reports and exports are built by the Celery workers, never in a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Seconds an idle keep-alive connection stays open (gthread only: a sync worker closes each
# connection after its response, and nginx opens a new one per request).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# A worker that rendered a large report keeps that memory: recycle workers now and then
# (the jitter keeps them from restarting together). Not too often: a new worker costs 2.2-
# 2.5 s of CPU to import the project, and at 5,000 requests each the four workers of a
# replica taking 350 events/s restarted every minute, within two seconds of each other.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# The access log is nginx's (deploy/nginx.conf; the image logs every request to stdout,
# with the client's address). gunicorn's own would log each request again and costs a
# worker about 0.2 ms a request (an event's 4 %, py-spy): off unless GUNICORN_ACCESS_LOG
# names a file, or "-" for stdout (gunicorn run without the proxy).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
