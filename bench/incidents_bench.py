"""Incident management benchmark: N incidents with realistic histories.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_incidents_bench \
        .venv/bin/python bench/incidents_bench.py [--n 100000] [--runs 40] [--keepdb]

Builds a throwaway test database (test_<name>), seeds the demo parties and
catalogue, bulk-inserts N incidents over two years (most closed, the rest new,
in progress, pending or resolved; one to four transition rows each, SLA due
times computed by the calendar arithmetic; about 100 incidents with an SLA
check due now), then measures:

- the agent queue page (/admin/incidents/incident/, several queues) and the
  participant's portal list (/incidents/) and API list: p50/p95 and queries
  per request (a constant count means no N+1);
- the SLA sweep over the due incidents (and a second, idle sweep);
- API create throughput through gunicorn with 1 and 8 concurrent clients.

Targets (issue 3, 2 cores, PostgreSQL, 1 000 000 incidents): pages p95 under
150 ms with constant queries; sweep under 1 s; API create >= 200/s with 8 clients.
"""

import argparse
import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import demo as accounts_demo  # noqa: E402
from accounts.models import ApiToken, Organisation, User  # noqa: E402
from incidents import sla_service  # noqa: E402
from incidents.models import (  # noqa: E402
    Incident,
    IncidentTransition,
    ReferenceCounter,
    SlaPolicy,
)
from services import demo as services_demo  # noqa: E402
from services.models import Service  # noqa: E402

# status mix of a mature system: (status, share)
MIX = [("closed", 0.80), ("resolved", 0.04), ("in_progress", 0.08), ("pending", 0.03),
       ("new", 0.05)]
SEVERITY_WEIGHTS = [1, 8, 45, 46]
BATCH = 5000


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(n):
    """Bulk-insert `n` incidents with transitions; return the ids of the demo users used."""
    out = io.StringIO()
    accounts_demo.seed(out)
    services_demo.seed(out)
    policy = SlaPolicy.objects.in_force()
    targets = {t.severity: (t.response_duration(), t.resolution_duration(), t.calendar.maths)
               for t in policy.targets.select_related("calendar")}
    participants = list(Organisation.objects.market_participants())
    raisers = {org.pk: org.users.filter(is_system_account=False).first() or
               User.objects.system_account_for(org) for org in participants}
    groups = list(Organisation.objects.providers())
    service_ids = list(Service.objects.values_list("pk", flat=True))
    rng = random.Random(42)
    now = timezone.now()
    start = ReferenceCounter.next("incident")
    statuses = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    through = Incident.services.through
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        incidents, plans = [], []
        for i in range(size):
            number = start + made + i
            severity = rng.choices([1, 2, 3, 4], SEVERITY_WEIGHTS)[0]
            status = rng.choices(statuses, weights)[0]
            age = timedelta(minutes=rng.randint(5, 2 * 365 * 24 * 60)) if status in (
                "closed", "resolved") else timedelta(minutes=rng.randint(1, 3 * 24 * 60))
            created = now - age
            response, resolution, cal = targets[severity]
            org = rng.choice(participants)
            responded = None if status == "new" else created + timedelta(
                minutes=rng.randint(1, 60))
            resolved = responded + (age - (responded - created)) * rng.random() \
                if status in ("closed", "resolved") else None
            due_response = cal.add_business_time(created, response)
            due_resolution = cal.add_business_time(created, resolution)
            open_ = status not in ("closed", "resolved")
            next_check = None
            if open_:
                next_check = cal.add_business_time(
                    created, (response if responded is None else resolution) * 0.75)
                if next_check <= now:  # keep a realistic ~100 due at once
                    next_check = now - timedelta(seconds=1) if rng.random() < 100 / max(
                        n * 0.16, 1) else now + timedelta(minutes=rng.randint(1, 600))
            group = rng.choice(groups) if responded and rng.random() < 0.5 else None
            incidents.append(Incident(
                reference=f"INC-{number:06d}", title=f"Bench incident {number}",
                description="Switch requests are failing for a subset of MPANs.",
                organisation=org, raised_by=raisers[org.pk], channel="portal",
                severity=severity, status=status, sla_policy=policy, created_at=created,
                responded_at=responded, resolved_at=resolved,
                closed_at=resolved + timedelta(days=5) if status == "closed" else None,
                resolution_code="fixed" if resolved else "",
                pending_reason="awaiting_participant" if status == "pending" else "",
                sla_paused=status == "pending", response_due_at=due_response,
                resolution_due_at=due_resolution, assigned_group=group,
                response_breached=bool(responded and responded > due_response),
                resolution_breached=bool(resolved and resolved > due_resolution),
                sla_next_check_at=next_check))
            plans.append((status, created, responded, resolved))
        Incident.objects.bulk_create(incidents, batch_size=BATCH)
        ids = dict(Incident.objects.filter(
            reference__in=[i.reference for i in incidents]).values_list("reference", "pk"))
        rows, links = [], []
        for incident, (status, _created, responded, resolved) in zip(incidents, plans,
                                                                    strict=True):
            pk = ids[incident.reference]
            links.append(through(incident_id=pk, service_id=rng.choice(service_ids)))
            steps = []
            if responded:
                steps.append(("new", "in_progress", responded, ""))
            if status == "pending":
                steps.append(("in_progress", "pending", responded + timedelta(minutes=5),
                              "awaiting_participant"))
            if resolved:
                steps.append(("in_progress", "resolved", resolved, ""))
            if status == "closed":
                steps.append(("resolved", "closed", resolved + timedelta(days=5), ""))
            for from_status, to_status, at, reason in steps:
                rows.append(IncidentTransition(incident_id=pk, from_status=from_status,
                                               to_status=to_status, at=at,
                                               pending_reason=reason))
        through.objects.bulk_create(links, batch_size=BATCH)
        IncidentTransition.objects.bulk_create(rows, batch_size=BATCH)
        made += size
        print(f"  seeded {made}/{n}", flush=True)
    ReferenceCounter.advance_to("incident", start + n)  # and the PostgreSQL sequence


def time_pages(runs):
    desk = User.objects.get(username="desk")
    supplier = User.objects.get(username="supplier")
    pages = [
        ("queue: all open", desk, "/admin/incidents/incident/?status__exact=in_progress"),
        ("queue: unassigned", desk, "/admin/incidents/incident/?queue=unassigned"),
        ("queue: breaching 30 min", desk, "/admin/incidents/incident/?queue=breaching"),
        ("queue: breached", desk, "/admin/incidents/incident/?queue=breached"),
        ("queue: search", desk, "/admin/incidents/incident/?q=INC-000050"),
        ("portal list (participant)", supplier, "/incidents/"),
        ("API list (participant)", supplier, "/api/v1/incidents/"),
        ("API list (desk, severity=1)", desk, "/api/v1/incidents/?severity=1"),
    ]
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        client.get(url)  # warm up
        timings, queries = [], set()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries.add(len(captured.captured_queries))
        print(f"  {label:32} p50 {percentile(timings, .5):7.1f} ms  "
              f"p95 {percentile(timings, .95):7.1f} ms  queries {sorted(queries)}")


def time_sweep():
    due = Incident.objects.sla_check_due().count()
    began = time.perf_counter()
    swept = sla_service.sweep()
    first = time.perf_counter() - began
    began = time.perf_counter()
    again = sla_service.sweep()
    second = time.perf_counter() - began
    print(f"  sweep: {swept} due incidents (of {due}) in {first * 1000:.0f} ms; "
          f"second sweep {again} in {second * 1000:.0f} ms")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url():
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _hammer(url, key, clients, seconds):
    """POST incidents from `clients` threads for `seconds`; return (created, errors, elapsed)."""
    counts = {"created": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run():
        session = requests.Session()
        session.headers["Authorization"] = f"Token {key}"
        while time.perf_counter() < stop:
            response = session.post(url, json={
                "title": "Bench create", "description": "Load test",
                "services": ["uk-link"], "severity": 3}, timeout=30)
            with lock:
                counts["created" if response.status_code == 201 else "errors"] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["created"], counts["errors"], time.perf_counter() - began


def time_api_create(seconds, workers):
    org = Organisation.objects.get(short_code="brightwater")
    _, key = ApiToken.issue(organisation=org, name="bench")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_TASK_ALWAYS_EAGER": "false",
           "SECURE_SSL_REDIRECT": "false", "SESSION_COOKIE_SECURE": "false"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "switching_sm.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--preload", "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/api/v1/incidents/"
    try:
        for _ in range(300):
            try:
                requests.get(url, timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        _hammer(url, key, workers * 2, 3)  # warm every worker (first requests load code)
        for clients in (1, 8):
            created, errors, elapsed = _hammer(url, key, clients, seconds)
            print(f"  API create, {clients} client(s), {workers} gunicorn workers: "
                  f"{created / elapsed:6.1f}/s ({created} created, {errors} errors)")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40, help="requests per page timing")
    parser.add_argument("--seconds", type=float, default=10, help="per API create test")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    parser.add_argument("--api-only", action="store_true",
                        help="only the API create throughput (it hardly depends on N)")
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keepdb)
    print(f"Database {test_db} ({connection.vendor})")
    try:
        existing = Incident.objects.count()
        if existing < args.n:
            began = time.perf_counter()
            seed(args.n - existing)
            print(f"  seeded in {time.perf_counter() - began:.0f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{Incident.objects.count()} incidents, "
              f"{IncidentTransition.objects.count()} transitions, last "
              f"{Incident.objects.aggregate(last=Max('reference'))['last']}")
        if not args.api_only:
            time_pages(args.runs)
            time_sweep()
        time_api_create(args.seconds, args.workers)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
