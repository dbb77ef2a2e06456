"""Seed a persistent benchmark database once, by COPY, and reuse it (bench/peer_ratio.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_perf_100k \
        .venv/bin/python bench/seed_bench.py --n 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_perf_1m \
        .venv/bin/python bench/seed_bench.py --n 1000000 --grow-from ssm_perf_100k

With --grow-from, the database is made as a copy of that (seeded) one and its incidents,
service links and escalations are repeated inside PostgreSQL (INSERT ... SELECT, no
Python per row) until it holds N: the same distribution, N/100k times as dense, in
minutes instead of the COPY path's hour on a busy machine.

Migrates the database named in DATABASE_URL (created if missing), loads the demo parties
and catalogue (the wrk scripts use their services and tokens), then N incidents, 50,000
change notifications and a year of status intervals with report_bench.py's fast COPY path
(about a minute per million incidents), VACUUM ANALYZE. A database that already holds N
incidents is left as it is, so the slow part runs once.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def ensure_database(url):
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432,
                             user=parsed.username, password=parsed.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _connect(url, name=None):
    import psycopg2

    parsed = urlparse(url)
    connection = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432,
                                  user=parsed.username, password=parsed.password,
                                  dbname=name or parsed.path.lstrip("/"))
    connection.autocommit = True
    return connection


def _columns(cursor, table):
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                   "AND column_name <> 'id' ORDER BY ordinal_position", [table])
    return [row[0] for row in cursor.fetchall()]


def grow(url, template, n):
    """Make the database of `url` a copy of `template` repeated up to `n` incidents."""
    name = urlparse(url).path.lstrip("/")
    admin = _connect(url, "postgres")
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    admin.close()
    started = time.perf_counter()
    db = _connect(url)
    with db.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM incidents_incident")
        low, high, base = cursor.fetchone()
        if (low, high) != (1, base):
            sys.exit(f"{template}: incident ids are not 1..{base}; seed it with this script")
        copies = n // base - 1
        columns = _columns(cursor, "incidents_incident")
        chosen = ", ".join(
            f"'INC-' || lpad((substr(reference, 5)::bigint + k * {base})::text, 7, '0')"
            if c == "reference" else f'"{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        cursor.execute(f"INSERT INTO incidents_incident (id, {names}) SELECT id + k * {base}, "
                       f"{chosen} FROM incidents_incident, generate_series(1, {copies}) k "
                       f"WHERE id <= {base}")
        for table in ("incidents_incident_services", "incidents_escalation"):
            columns = _columns(cursor, table)
            chosen = ", ".join(f"incident_id + k * {base}" if c == "incident_id" else f'"{c}"'
                               for c in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {chosen} FROM {table}, "
                           f"generate_series(1, {copies}) k WHERE incident_id <= {base}")
        cursor.execute("SELECT setval(pg_get_serial_sequence('incidents_incident', 'id'), "
                       "(SELECT max(id) FROM incidents_incident))")
        cursor.execute("SELECT setval('incidents_reference_incident_seq', %s)", [n])
        cursor.execute("UPDATE incidents_referencecounter SET value = %s "
                       "WHERE name = 'incident'", [n])
        cursor.execute("VACUUM ANALYZE")
    db.close()
    print(f"grew {template} ({base}) to {n} incidents in {time.perf_counter() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--grow-from", help="a database seeded by this script to repeat")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    ensure_database(url)
    if args.grow_from:
        db = _connect(url)
        with db.cursor() as cursor:
            cursor.execute("SELECT to_regclass('incidents_incident') IS NOT NULL")
            seeded = cursor.fetchone()[0]
            if seeded:
                cursor.execute("SELECT count(*) FROM incidents_incident")
                seeded = cursor.fetchone()[0] >= args.n
        db.close()
        if seeded:
            print(f"{urlparse(url).path.lstrip('/')}: {args.n} incidents already; nothing to do")
        else:
            grow(url, args.grow_from, args.n)
        return
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT,
                   check=True)
    sys.path.insert(0, str(ROOT / "bench"))
    import report_bench  # noqa: PLC0415 - sets Django up on import
    from django.db import connection  # noqa: PLC0415

    from accounts import demo as accounts_demo  # noqa: PLC0415
    from incidents.models import Incident, ReferenceCounter  # noqa: PLC0415
    from services import demo as services_demo  # noqa: PLC0415

    have = Incident.objects.count()
    if have >= args.n:
        print(f"{connection.settings_dict['NAME']}: {have} incidents already; nothing to do")
        return
    if have:
        sys.exit(f"{connection.settings_dict['NAME']} holds {have} incidents, fewer than "
                 f"{args.n}: drop it and run again.")
    started = time.perf_counter()
    accounts_demo.seed(io.StringIO())
    services_demo.seed(io.StringIO())
    services, supplier, raiser, _desk, _ops = report_bench.setup()
    report_bench.load_incidents(args.n, services, supplier, raiser)
    report_bench.load_changes(args.changes, services)
    report_bench.load_intervals(services)
    with connection.cursor() as cursor:
        for table in ("incidents_incident", "changes_changenotification"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
    ReferenceCounter.advance_to("incident", args.n)
    connection.close()
    import psycopg2  # noqa: PLC0415

    parsed = urlparse(url)
    raw = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.path.lstrip("/"))
    raw.autocommit = True
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    raw.close()
    print(f"seeded {args.n} incidents in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
