"""Status page and event ingestion benchmark against a real server (gunicorn, gthread).

    .venv/bin/python bench/status_bench.py [--readers 100] [--seconds 20] [--think 0.5]
        [--writers 8] [--events 4000] [--workers 4]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_status_bench .venv/bin/python ...

Builds a fresh database (a throwaway SQLite file under var/, or the PostgreSQL
database named in DATABASE_URL, created if missing and emptied first), loads
the demo data, issues an API token for the Xoserve provider, starts gunicorn
and then measures, from separate client processes:

1. Status page: `--readers` concurrent clients (spread over 4 processes), each
   fetching /status/ (and /api/v1/status/ every other time) for `--seconds`,
   pausing `--think` seconds between requests like a person or a poller
   would. Prints p50/p95/max latency and the request rate. Target (issue 5):
   p95 under 20 ms at 100 clients. With --think 0 every client hammers the
   server back to back; latency is then about clients / throughput and says
   more about the machine than about the page.
2. Event ingestion: `--writers` clients POSTing `--events` events in total to
   /api/v1/events/ with the provider's token (distinct deduplication keys,
   info and warning, so no incidents are raised). Prints events/s and latency.
   Target: at least 300 events/s sustained with 8 clients.

Figures depend on the machine and whatever else runs on it; `nproc` and the
load average are printed with them.
"""

import argparse
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def summary(label, latencies, elapsed):
    ms = [v * 1000 for v in latencies]
    print(f"{label}: {len(ms)} requests in {elapsed:.1f} s ({len(ms) / elapsed:.0f}/s); "
          f"p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
          f"max {max(ms):.1f} ms")


def prepare_database(env):
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg2

        name = url.rsplit("/", 1)[1]
        admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
    else:
        Path(url.replace("sqlite:///", "")).unlink(missing_ok=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT,
                   stderr=subprocess.DEVNULL)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    issue = ("from accounts.models import ApiToken, Organisation; "
             "print(ApiToken.issue(organisation=Organisation.objects.get(short_code='xoserve'),"
             " name='bench')[1])")
    out = subprocess.run([*manage, "shell", "-c", issue], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def start_server(env, port, workers):
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "switching_sm.wsgi", "-b",
         f"127.0.0.1:{port}", "-w", str(workers), "-k", "gthread", "--threads", "16",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/status/", timeout=5).status_code == 200:
                # Warm every worker's cache (each has its own unless Redis is configured).
                for _ in range(workers * 8):
                    requests.get(f"http://127.0.0.1:{port}/api/v1/status/", timeout=30)
                    requests.get(f"http://127.0.0.1:{port}/status/", timeout=30)
                return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _reader_process(args):
    base, threads, seconds, think, seed = args
    random.seed(seed)
    results = {"/status/": [], "/api/v1/status/": [], "errors": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def reader():
        session = requests.Session()
        time.sleep(random.random() * max(think, 0.05))  # spread the first requests
        n = 0
        while time.monotonic() < deadline:
            path = "/status/" if n % 2 == 0 else "/api/v1/status/"
            started = time.perf_counter()
            try:
                response = session.get(base + path, timeout=10)
                failure = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                failure = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                results["errors" if failure else path].append(failure or elapsed)
            n += 1
            if think:
                time.sleep(think)

    workers = [threading.Thread(target=reader) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return results


def bench_readers(base, readers, seconds, think):
    processes = 4
    per = [readers // processes + (1 if i < readers % processes else 0) for i in range(processes)]
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_reader_process, [(base, n, seconds, think, i)
                                           for i, n in enumerate(per)])
    elapsed = time.monotonic() - started
    for path in ("/status/", "/api/v1/status/"):
        summary(f"  {path:<17}", [v for part in parts for v in part[path]], elapsed)
    errors = [e for part in parts for e in part["errors"]]
    if errors:
        print(f"  errors: {len(errors)} ({', '.join(sorted(set(errors)))})")


def _writer_process(args):
    base, key, count, index = args
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    latencies = []
    for n in range(count):
        body = {"source": "bench", "service": "uk-link",
                "severity": "warning" if n % 10 == 0 else "info",
                "dedup_key": f"bench/{index}/{n}", "message": f"Synthetic event {n}",
                "occurred_at": datetime.now(UTC).isoformat()}
        started = time.perf_counter()
        response = session.post(base + "/api/v1/events/", json=body, timeout=10)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise RuntimeError(f"event {n}: HTTP {response.status_code} {response.text[:200]}")
    return latencies


def bench_events(base, key, writers, events):
    per = events // writers
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        parts = pool.map(_writer_process, [(base, key, per, i) for i in range(writers)])
    elapsed = time.monotonic() - started
    summary(f"  events ({writers} clients)", [v for part in parts for v in part], elapsed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-status.sqlite3'}")
    env.update({"DEBUG": "false", "LOG_LEVEL": "WARNING", "SESSION_COOKIE_SECURE": "false"})
    print(f"Database {env['DATABASE_URL'].split('@')[-1]}; {os.cpu_count()} CPUs; "
          f"load {os.getloadavg()[0]:.1f}")
    key = prepare_database(env)
    server = start_server(env, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    try:
        print(f"Status page, {args.readers} clients, think {args.think} s, {args.seconds} s:")
        bench_readers(base, args.readers, args.seconds, args.think)
        print(f"Event ingestion, {args.events} events:")
        bench_events(base, key, args.writers, args.events)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
