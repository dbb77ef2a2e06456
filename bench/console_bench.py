"""Console speed benchmark: the desk's queue page and incident workspace at N incidents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_workspace_bench \
        .venv/bin/python bench/console_bench.py [--n 100000] [--runs 60] [--keepdb]

Seeds N incidents exactly as bench/incidents_bench.py does (most closed, the rest open,
one to four transition rows each) and an outbox of three sent messages per incident (the
workspace timeline reads an incident's messages out of it), gives one open Sev1 a
realistic history (comments, work notes, two hand-offs, a severity change), then times as
the desk agent:

- the queue pages (/admin/incidents/incident/?queue=...), sorted by urgency;
- the workspace home and its live counts;
- one incident's workspace page (and the stock change form, for comparison);

printing p50/p95 wall time, the web process's CPU time, the queries per request (a
constant count means no N+1), and how many times accounts.policy.role_of ran per request.

Targets (issue 17, 2 cores, PostgreSQL, 100 000 incidents): queue p50 <= 30 ms,
incident workspace p50 <= 40 ms.
"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

_spec = importlib.util.spec_from_file_location("incidents_bench", ROOT / "bench/incidents_bench.py")
incidents_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(incidents_bench)  # sets Django up and brings the seeding

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from accounts import policy  # noqa: E402
from accounts.models import Organisation, User  # noqa: E402
from incidents import services  # noqa: E402
from incidents.models import Incident  # noqa: E402
from notifications.models import OutboundEmail  # noqa: E402

percentile = incidents_bench.percentile


def busy_incident():
    """Return an open Sev1 with a working history (made once; --keepdb reuses it)."""
    incident = Incident.objects.filter(title="Bench Sev1 workspace").first()
    if incident is not None:
        return incident
    desk = User.objects.get(username="desk")
    raiser = User.objects.get(username="supplier")
    org = raiser.organisation
    incident = services.raise_incident(
        organisation=org, raised_by=raiser, title="Bench Sev1 workspace",
        description="Switch requests are failing for every supplier.", services=[],
        severity=2, channel="portal")
    services.transition_incident(incident=incident, by=desk, to="in_progress", reason="On it")
    services.change_severity(incident=incident, by=desk, to=1, reason="All suppliers hit")
    providers = list(Organisation.objects.providers()[:2])
    for provider in providers:
        services.assign_incident(incident=incident, resolver_group=provider, by=desk,
                                 reason=f"Over to {provider.name}")
    for i in range(10):
        services.add_comment(incident=incident, author=desk, body=f"Update {i}", public=i % 2 == 0)
    return incident


def seed_outbox(per_incident=3, batch=5000):
    """Give the outbox `per_incident` sent messages per incident (a system's worth of mail)."""
    wanted = Incident.objects.count() * per_incident
    have = OutboundEmail.objects.count()
    if have >= wanted:
        return
    references = list(Incident.objects.order_by("pk").values_list("reference", flat=True))
    rows = []
    for n in range(have, wanted):
        reference = references[n % len(references)]
        rows.append(OutboundEmail(
            to=["duty@supplier.example"], subject=f"[{reference}] Incident updated",
            body_text="The incident was updated. " * 10, topic="incident.updated",
            status=OutboundEmail.Status.SENT))
        if len(rows) == batch:
            OutboundEmail.objects.bulk_create(rows)
            rows = []
    OutboundEmail.objects.bulk_create(rows)
    print(f"  outbox seeded to {wanted} messages", flush=True)


def _count_role_calls():
    counter = {"calls": 0}
    original = policy.role_of

    def counting(user):
        counter["calls"] += 1
        return original(user)

    return counter, original, counting


def time_page(label, client, url, runs):
    client.get(url)  # warm up
    counter, original, counting = _count_role_calls()
    timings, cpu, queries = [], [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
    policy.role_of = counting
    try:
        client.get(url)
    finally:
        policy.role_of = original
    print(f"  {label:34} p50 {percentile(timings, .5):6.1f} ms  p95 "
          f"{percentile(timings, .95):6.1f} ms  (web CPU p50 {percentile(cpu, .5):5.1f} ms)  "
          f"queries {sorted(queries)}  role_of calls {counter['calls']}", flush=True)


def _maybe(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60, help="requests per page timing")
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keepdb)
    print(f"Database {test_db} ({connection.vendor})")
    try:
        existing = Incident.objects.count()
        if existing < args.n:
            incidents_bench.seed(args.n - existing)
        seed_outbox()
        incident = busy_incident()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"{Incident.objects.count()} incidents, {Incident.objects.open().count()} open; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times "
              "include waiting for a core; web CPU is this process's own time per request)")
        client = Client()
        client.force_login(User.objects.get(username="desk"))
        queue = reverse("admin:incidents_incident_changelist")
        pages = [
            *[(f"workspace queue: {key}", reverse("admin:workspace_queue", args=[key]))
              for key in ("open", "unassigned", "breaching", "breached", "major")],
            ("admin list, queue: all open", f"{queue}?queue=open"),
            ("admin list, queue: breached", f"{queue}?queue=breached"),
            ("admin list, status in progress", f"{queue}?status__exact=in_progress"),
            ("workspace home", reverse("admin:index")),
            ("workspace live counts", _maybe("admin:workspace_counts")),
            ("incident workspace", _maybe("admin:workspace_incident", incident.reference)),
            ("incident change form (stock)",
             reverse("admin:incidents_incident_change", args=[incident.pk])),
        ]
        for label, url in pages:
            if url:
                time_page(label, client, url, args.runs)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
