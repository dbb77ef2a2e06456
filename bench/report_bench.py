"""Reporting benchmark on PostgreSQL: the monthly service report for N incidents and M changes
with a year of status intervals, and the Switching Operations dashboard p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_reporting_bench \
        .venv/bin/python bench/report_bench.py [--n 1000000] [--changes 50000] [--keepdb]

Builds a throwaway test database (test_<name>), COPYs N incidents spread over the 12 months
to the end of October 2026 on ten services of five providers (with their service links,
resolution-breach escalations for ~6 %), M change notifications with outcome transitions and
a year of status intervals (an outage or maintenance roughly twice a week per service). Then
times the internal edition of the October report end to end (KPIs, 12-month trend,
reconciliation, PDF, XLSX, CSV) with its query count, and the dashboard page (20 requests).
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Organisation, Role, User  # noqa: E402
from changes.models import ChangeImpact, ChangeNotification, ChangeTransition  # noqa: E402
from incidents.models import Escalation, Incident, SlaPolicy  # noqa: E402
from services.models import BusinessCalendar, Service  # noqa: E402
from servicestatus.models import StatusInterval  # noqa: E402

SPAN_END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_START = SPAN_END - timedelta(days=365)
SPAN_SECONDS = int((SPAN_END - SPAN_START).total_seconds())
RESOLVE_HOURS = {1: 4, 2: 24, 3: 72, 4: 240}


def _text(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy(model, rows, *, fields=None):
    """COPY dict rows into model's table; unspecified columns take their default or NULL."""
    columns = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)
               or (fields and f.attname in fields)]
    now = datetime.now(UTC)
    buffer = io.StringIO()
    for row in rows:
        values = []
        for f in columns:
            if f.attname in row:
                values.append(row[f.attname])
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                values.append(now)
            elif f.has_default():
                values.append(f.get_default())
            elif not f.null and isinstance(f, (models.CharField, models.TextField)):
                values.append("")
            else:
                values.append(None)
        buffer.write("\t".join(_text(v) for v in values) + "\n")
    buffer.seek(0)
    raw = connection.cursor().cursor  # psycopg2 cursor for copy_expert
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    raw.copy_expert(f"COPY {model._meta.db_table} ({names}) FROM STDIN", buffer)


def org(code, kind, **extra):
    return Organisation.objects.get_or_create(
        short_code=code, defaults={"name": code.title(), "kind": kind,
                                   "contact_email": f"{code}@bench.example", **extra})[0]


def setup():
    K = Organisation.Kind
    calendar = BusinessCalendar.twenty_four_seven()
    services = []
    for p in range(5):
        provider = org(f"bench-provider-{p}", K.CDS_PROVIDER)
        for s in range(2):
            services.append(Service.objects.get_or_create(
                code=f"bench-{p}-{s}", defaults={"name": f"Bench service {p}-{s}",
                                                 "provider": provider, "resolver_group": provider,
                                                 "service_hours": calendar})[0])
    supplier = org("bench-supplier", K.MARKET_PARTICIPANT, market_role="energy_supplier")
    raiser = User.objects.get_or_create(username="bench-supplier", defaults={
        "organisation": supplier, "role": Role.MARKET_PARTICIPANT})[0]
    desk = User.objects.get_or_create(username="bench-desk", defaults={
        "organisation": org("service-desk", K.SERVICE_DESK), "role": Role.SERVICE_DESK})[0]
    ops = User.objects.get_or_create(username="bench-ops", defaults={
        "organisation": org("switching-operations", K.SWITCHING_OPERATIONS),
        "role": Role.SWITCHING_OPERATIONS})[0]
    return services, supplier, raiser, desk, ops


def load_incidents(n, services, supplier, raiser, batch=100_000):
    rng = random.Random(8)
    policy = SlaPolicy.objects.in_force(SPAN_START)
    made = 0
    while made < n:
        size = min(batch, n - made)
        incidents, links, escalations = [], [], []
        for i in range(made + 1, made + size + 1):
            created = SPAN_START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
            severity = rng.choices((1, 2, 3, 4), (1, 10, 50, 39))[0]
            responded = created + timedelta(minutes=rng.randint(1, 90))
            resolved = created + timedelta(hours=rng.uniform(0.5, RESOLVE_HOURS[severity] * 1.1))
            open_ = resolved > SPAN_END
            breached = (resolved - created) > timedelta(hours=RESOLVE_HOURS[severity])
            service = rng.choice(services)
            incidents.append({
                "id": i, "reference": f"INC-{i:07d}", "title": "Bench incident",
                "description": "Bench", "organisation_id": supplier.pk, "raised_by_id": raiser.pk,
                "severity": severity, "status": "in_progress" if open_ else "closed",
                "assigned_group_id": service.provider_id, "sla_policy_id": policy.pk,
                "created_at": created, "responded_at": responded,
                "resolved_at": None if open_ else resolved,
                "resolution_breached": breached and not open_, "is_major": severity == 1})
            links.append({"incident_id": i, "service_id": service.pk})
            if breached and not open_:
                escalations.append({"incident_id": i, "clock": "resolution", "level": "breach",
                                    "severity": severity, "created_at": created + timedelta(
                                        hours=RESOLVE_HOURS[severity]),
                                    "due_at": created + timedelta(hours=RESOLVE_HOURS[severity])})
        copy(Incident, incidents, fields={"id"})
        copy(Incident.services.through, links)
        copy(Escalation, escalations)
        made += size
        print(f"  incidents {made}/{n}", flush=True)


def load_changes(m, services):
    rng = random.Random(9)
    changes, impacts, transitions = [], [], []
    types = ["standard", "normal", "emergency", "major"]
    for i in range(1, m + 1):
        start = SPAN_START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        service = rng.choice(services)
        kind = rng.choices(types, (30, 55, 10, 5))[0]
        outcome = rng.choices(["implemented", "failed", "backed_out"], (90, 5, 5))[0]
        changes.append({"id": i, "reference": f"CHG-{i:06d}", "provider_id": service.provider_id,
                        "change_type": kind, "title": "Bench change", "description": "Bench",
                        "risk": "Low", "back_out_plan": "Restore", "planned_start": start,
                        "planned_end": start + timedelta(hours=2), "status": outcome})
        impacts.append({"change_notification_id": i, "service_id": service.pk,
                        "impact": "outage"})
        transitions.append({"change_notification_id": i, "from_status": "in_progress",
                            "to_status": outcome, "at": start + timedelta(hours=2)})
    copy(ChangeNotification, changes, fields={"id"})
    copy(ChangeImpact, impacts)
    copy(ChangeTransition, transitions)


def load_intervals(services):
    rng = random.Random(10)
    rows = []
    for service in services:
        at = SPAN_START
        while at < SPAN_END:
            quiet = timedelta(hours=rng.uniform(24, 120))
            down = timedelta(minutes=rng.uniform(5, 240))
            status = rng.choice(["major_outage", "partial_outage", "under_maintenance",
                                 "degraded"])
            rows.append({"service_id": service.pk, "status": "operational", "start": at,
                         "end": at + quiet, "cause": "manual"})
            rows.append({"service_id": service.pk, "status": status, "start": at + quiet,
                         "end": at + quiet + down, "cause": "manual"})
            at += quiet + down
        rows.append({"service_id": service.pk, "status": "operational", "start": at,
                     "end": None, "cause": "manual"})
    copy(StatusInterval, rows)
    print(f"  status intervals {len(rows)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="incidents")
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL (see the docstring).")
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb,
                                                   serialize=False)
    try:
        services, supplier, raiser, desk, ops = setup()
        if not Incident.objects.exists():
            started = time.perf_counter()
            load_incidents(args.n, services, supplier, raiser)
            load_changes(args.changes, services)
            load_intervals(services)
            with connection.cursor() as cursor:
                for table in ("incidents_incident", "changes_changenotification"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")
                cursor.execute("ANALYZE")
            print(f"loaded in {time.perf_counter() - started:.1f} s")
        print(f"incidents {Incident.objects.count()}, changes "
              f"{ChangeNotification.objects.count()}, intervals {StatusInterval.objects.count()}")
        report_timing(ops)
        dashboard_timing(desk)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


def report_timing(ops):
    from reporting import generation
    from reporting.models import ServiceReport

    report = ServiceReport.objects.create(period="2026-10", edition="internal",
                                          trigger="on_demand", requested_by=ops)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = generation.generate(report.pk, now=SPAN_END + timedelta(days=3))
        elapsed = time.perf_counter() - started
    print(f"monthly report (internal edition, PDF+XLSX+CSV): {elapsed:.2f} s, "
          f"{len(queries)} queries, status {report.status} {report.error[:200]}")


def dashboard_timing(desk, runs=20):
    client = Client()
    client.force_login(desk)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/reports/dashboard/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"dashboard: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, "
          f"max {times[-1]:.0f} ms over {runs} requests")


if __name__ == "__main__":
    main()
