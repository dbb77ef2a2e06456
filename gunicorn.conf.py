"""Production gunicorn settings (docker-compose `web`, the Dockerfile): `gunicorn -c gunicorn.conf.py`.

Threaded workers (gthread): most requests wait on PostgreSQL or Redis, and the status
page is polled by every participant's monitoring, so a worker serves `threads` requests
at once instead of one. Two workers of 4 threads answer 100 clients polling every
half-second with a p95 of 36-100 ms on a busy 2-core machine (bench/RESULTS.md; 4 workers
of 2 threads measured no differently: WEB_CONCURRENCY=4 GUNICORN_THREADS=2). Each thread
keeps its own database connection (CONN_MAX_AGE), so a replica holds at most
workers x threads connections: keep that times `--scale web=N`, plus the Celery workers,
below PostgreSQL's max_connections (100 by default).

Every value can be set from the environment without editing this file.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # seconds an idle keep-alive connection stays open
# A worker that rendered a large report keeps that memory: recycle workers now and then
# (the jitter keeps them from restarting together).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
