"""CPU milliseconds one request costs the web process, measured in-process (no sockets).

    DATABASE_URL=postgres://.../db .venv/bin/python bench/cpu_per_request.py \
        [--workload create|event|status] [--n 300] [--blocks 5] [--profile FILE]

Posts through Django's test Client (the full middleware stack, DRF, the database) and
reads `time.process_time()` around blocks of `--n` requests. Prints, per request, the
median over `--blocks` blocks of: the CPU ms of this process, the wall ms (CPU plus the
waits on PostgreSQL and Redis), and the CPU ms of the PostgreSQL backend serving it (from
/proc, when the server is local). No sockets and no other clients, so it is steadier than
wrk throughput, but on this shared machine a run minutes later can still differ by 15 %:
compare two trees by running it in each in turn over several rounds. The database must
hold the demo data (`manage.py seed_demo`) or a bench seed (bench/seed_bench.py). Creates
raise Sev3/Sev4 incidents and events post with distinct dedup keys, as the wrk scripts do;
`status` gets the public status page anonymously.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")
os.environ.setdefault("RATE_LIMIT_API_WRITES", "100000000/minute")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import ApiToken, Organisation  # noqa: E402

SERVICES = ["uk-link", "des", "css-registration", "ecoes"]


def bodies(workload, n, salt):
    for i in range(n):
        service = SERVICES[i % len(SERVICES)]
        if workload == "status":
            yield "/status/", None
        elif workload == "create":
            yield "/api/v1/incidents/", {
                "services": [service], "title": f"cpu {salt}-{i} registrations delayed",
                "description": f"Bench incident {salt}-{i}.", "severity": (i % 2) + 3}
        else:
            yield "/api/v1/events/", {
                "source": "bench", "service": "uk-link",
                "severity": "warning" if i % 10 == 0 else "info",
                "dedup_key": f"cpu/{salt}/{i}", "message": f"Synthetic event {i}",
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def server_cpu_seconds():
    """CPU seconds used so far by the PostgreSQL backend serving this process (0 when the
    database is not a local PostgreSQL)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def block(client, headers, workload, n, salt):
    server = server_cpu_seconds()
    started, wall = time.process_time(), time.perf_counter()
    for path, body in bodies(workload, n, salt):
        if body is None:  # a page, as a participant's browser or monitoring polls it
            response = client.get(path)
        else:
            response = client.post(path, data=json.dumps(body), content_type="application/json",
                                   **headers)
        if response.status_code not in (201, 200):
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    return cpu * 1000 / n, wall * 1000 / n, (server_cpu_seconds() - server) * 1000 / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("create", "event", "status"), default="create")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--org", default="xoserve")
    parser.add_argument("--profile", help="write a cProfile of the timed blocks here")
    args = parser.parse_args()
    _, token = ApiToken.issue(organisation=Organisation.objects.get(short_code=args.org),
                              name="cpu_per_request bench")
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    salt = f"{os.getpid()}-{int(time.time())}"
    block(client, headers, args.workload, min(args.n, 50), salt + "w")  # warm caches
    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    figures = [block(client, headers, args.workload, args.n, f"{salt}b{b}")
               for b in range(args.blocks)]
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(json.dumps({"workload": args.workload, "tree": str(Path.cwd()),
                      "cpu_ms_per_request": round(statistics.median(f[0] for f in figures), 3),
                      "wall_ms_per_request": round(statistics.median(f[1] for f in figures), 3),
                      "postgres_cpu_ms_per_request": round(statistics.median(f[2] for f in figures),
                                                           3),
                      "blocks_cpu": [round(f[0], 3) for f in figures]}))


if __name__ == "__main__":
    main()
