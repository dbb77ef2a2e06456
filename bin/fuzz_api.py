"""Fuzz the whole REST API from its OpenAPI schema with schemathesis, as CI does.

Builds a throw-away database with the demo data, issues one API token for a CDS
Provider (Xoserve) and one for a Market Participant (Brightwater Energy), starts
gunicorn on a free loopback port with production-like settings, and runs
schemathesis over every operation once per token. Fails (exit 1) on any server
error, any response that does not match its documented schema and any status
code the schema does not document.

The run is seeded (--seed) and bounded (--max-examples per operation, and a
wall-clock limit per token), so the same commit gives the same requests.

    .venv/bin/python bin/fuzz_api.py                       # SQLite in a temporary folder
    .venv/bin/python bin/fuzz_api.py --database-url postgres://postgres@127.0.0.1:5432/fuzz

A PostgreSQL database named in --database-url is dropped and created afresh.
`--port` pins the server's port (a shared machine gives each engineer a range) and
`--paths REGEX` fuzzes only the operations whose path matches, e.g. while working on one
endpoint: `--paths 'participant-outages|reconciliation-items'`.
"""

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
# Who the API is fuzzed as: (label, organisation short code from the demo data).
CALLERS = [("provider", "xoserve"), ("participant", "brightwater")]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_postgres_database(url):
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432,
                             user=parsed.username, password=parsed.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(env, *args, capture=False):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            text=True, stdout=subprocess.PIPE if capture else None)
    return (result.stdout or "").strip()


def wait_until_up(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The server did not answer {url} within {timeout}s.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="Default: a SQLite file in a temporary folder.")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--port", type=int, default=None, help="Default: a free port.")
    parser.add_argument("--paths", default=None,
                        help="Only operations whose path matches this regular expression.")
    parser.add_argument("--max-examples", type=int, default=25,
                        help="Test cases per operation and phase.")
    parser.add_argument("--time-limit", type=int, default=400,
                        help="Seconds allowed per caller before the run counts as failed.")
    parser.add_argument("--report-dir", default=None,
                        help="Keep schemathesis' JUnit reports here.")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ssm-fuzz-"))
    database_url = options.database_url or f"sqlite:///{workdir / 'fuzz.sqlite3'}"
    if database_url.startswith("postgres"):
        recreate_postgres_database(database_url)
    port = options.port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url, "SSM_VAR_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"), "MEDIA_ROOT": str(workdir / "media"),
        "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": f"http://127.0.0.1:{port}",
        "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING",
        # The fuzzer writes far faster than any provider may; tests/test_rate_limits.py
        # checks the limit itself.
        "RATE_LIMIT_API_WRITES": "100000/minute",
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")
    tokens = {label: manage(env, "issue_api_token", code, "--name", f"API fuzzing ({label})",
                            capture=True)
              for label, code in CALLERS}

    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "switching_sm.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    failed = []
    started = time.monotonic()
    try:
        schema_url = f"http://127.0.0.1:{port}/api/schema/?format=json"
        wait_until_up(schema_url, timeout=60)
        for label, _ in CALLERS:
            command = [
                str(BIN / "st"), "run", schema_url, "--url", f"http://127.0.0.1:{port}",
                "--header", f"Authorization: Token {tokens[label]}",
                "--checks", CHECKS, "--seed", str(options.seed),
                "--max-examples", str(options.max_examples),
                "--workers", "1", "--request-timeout", "30",
                "--generation-database", "none", "--no-color",
                "--suppress-health-check", "all",
            ]
            if options.paths:
                command += ["--include-path-regex", options.paths]
            if options.report_dir:
                command += ["--report", "junit",
                            "--report-junit-path", str(Path(options.report_dir) / f"{label}.xml")]
            print(f"== schemathesis as the {label} ({dict(CALLERS)[label]})", flush=True)
            try:
                # In the throw-away folder: schemathesis keeps a crash cache it would replay.
                result = subprocess.run(command, cwd=workdir, env=env, timeout=options.time_limit)
            except subprocess.TimeoutExpired:
                print(f"schemathesis as the {label} took over {options.time_limit}s.", flush=True)
                failed.append(label)
                continue
            if result.returncode != 0:
                failed.append(label)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"API fuzzing took {time.monotonic() - started:.0f}s; "
          f"{'failed for: ' + ', '.join(failed) if failed else 'no failures'}.", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
