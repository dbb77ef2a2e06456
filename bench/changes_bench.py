"""Change Co-ordination benchmark on PostgreSQL: N notifications over five years.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_changes_bench \
        .venv/bin/python bench/changes_bench.py [--n 50000] [--runs 200] [--keepdb]

Builds a throwaway test database (test_<name>), seeds the demo parties and
catalogue, bulk-inserts N notifications (2024-2028; past ones closed, future
ones a mix of submitted, approved and in progress) with one or two impacts
each, then times:

- the conflict check for one new notification: `checks.refresh_warnings`, the
  whole act the portal and API run (load the catalogue graph, rules, freezes
  and calendar; find overlapping live notifications; write the warnings of
  the new one and of every notification it clashes with), rolled back after
  each run so every run sees the same data;
- the portal schedule page for one month (month view, as a participant);
- the iCalendar feed (the whole feed, and one service's).

Prints p50/p95/max in milliseconds. Targets (issue 4): conflict check p95 under
50 ms; schedule page and feed under 150 ms.
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

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import demo as accounts_demo  # noqa: E402
from accounts.models import Organisation, User  # noqa: E402
from changes import checks  # noqa: E402
from changes.models import ChangeImpact, ChangeNotification  # noqa: E402
from changes.views_schedule import feed_key  # noqa: E402
from services import demo as services_demo  # noqa: E402
from services.models import Service  # noqa: E402

S = ChangeNotification.Status
SPAN_START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_DAYS = 5 * 365
HOURS = [1, 2, 2, 3, 4, 4, 6, 8]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(name, timings):
    ms = [t * 1000 for t in timings]
    print(f"{name:<42} p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, .95):7.1f} ms"
          f"   max {max(ms):7.1f} ms   (n={len(ms)})")


def load(n, rng):
    """Bulk-insert n notifications and their impacts; return the services."""
    services = list(Service.objects.all())
    providers = {s.provider_id for s in services}
    now = timezone.now()
    batch, impacts = [], []
    for i in range(n):
        start = SPAN_START + timedelta(days=rng.random() * SPAN_DAYS,
                                       hours=rng.choice([0, 1, 2, 22, 23]))
        start = start.replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=rng.choice(HOURS))
        if end < now:
            status = S.CLOSED
        else:
            status = rng.choice([S.SUBMITTED, S.APPROVED, S.APPROVED, S.APPROVED, S.DRAFT,
                                 S.WITHDRAWN])
        batch.append(ChangeNotification(
            reference=f"CHG-{i + 1:06d}", provider_id=rng.choice(sorted(providers)),
            change_type=rng.choice(["standard", "normal", "normal", "normal", "major",
                                    "emergency"]),
            title=f"Bench change {i}", description="d", risk="r", back_out_plan="b",
            planned_start=start, planned_end=end, status=status,
            submitted_at=start - timedelta(days=10) if status != S.DRAFT else None))
    created = ChangeNotification.objects.bulk_create(batch, batch_size=5000)
    for change in created:
        for service in rng.sample(services, rng.choice([1, 1, 2])):
            impacts.append(ChangeImpact(change_notification_id=change.pk, service=service,
                                        impact=rng.choice(["outage", "outage", "degraded"])))
    ChangeImpact.objects.bulk_create(impacts, batch_size=10000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return services


def time_conflict_check(runs, rng, services):
    provider = Organisation.objects.get(short_code="xoserve")
    by = User.objects.get(username="xoserve")
    timings = []
    for _ in range(runs):
        start = timezone.now() + timedelta(days=rng.random() * 365)
        start = start.replace(minute=0, second=0, microsecond=0)
        with transaction.atomic():
            change = ChangeNotification.objects.create(
                provider=provider, created_by=by, title="New", description="d", risk="r",
                back_out_plan="b", planned_start=start, planned_end=start + timedelta(hours=4),
                status=S.SUBMITTED, submitted_at=timezone.now())
            for service in rng.sample(services, 2):
                ChangeImpact.objects.create(change_notification=change, service=service)
            began = time.perf_counter()
            checks.refresh_warnings(change_notification=change)
            timings.append(time.perf_counter() - began)
            transaction.set_rollback(True)
    report("conflict check (refresh_warnings)", timings)


def time_pages(runs):
    participant = User.objects.get(username="supplier")
    client = Client()
    client.force_login(participant)
    month = (timezone.localdate() + timedelta(days=40)).replace(day=1).isoformat()
    for name, url, query in [
        ("schedule page, one month", "/changes/", {"date": month}),
        ("iCal feed, all services, a month", "/changes/schedule.ics",
         {"key": feed_key(participant), "days": 31}),
        ("iCal feed, one service, a month", "/changes/schedule/uk-link.ics",
         {"key": feed_key(participant), "days": 31}),
    ]:
        client.get(url, query)  # warm up
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get(url, query)
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        size = len(response.content) // 1024
        report(f"{name} ({size} KB)", timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("Run on PostgreSQL: set DATABASE_URL (see the docstring).")
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(4)
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                                 keepdb=args.keepdb)
    try:
        out = io.StringIO()
        accounts_demo.seed(out)
        services_demo.seed(out)
        if not ChangeNotification.objects.exists():
            began = time.perf_counter()
            services = load(args.n, rng)
            print(f"loaded {args.n} notifications in {time.perf_counter() - began:.1f} s")
        else:
            services = list(Service.objects.all())
        live = ChangeNotification.objects.live().count()
        print(f"{ChangeNotification.objects.count()} notifications, {live} live, "
              f"{ChangeNotification.objects.scheduled().count()} scheduled")
        time_conflict_check(args.runs, rng, services)
        time_pages(max(20, args.runs // 4))
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
