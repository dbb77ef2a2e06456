"""Demand benchmark on PostgreSQL: excessive-demand evaluation against N stored forecasts,
and a 10 000-row CSV import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssm_demand_bench \
        .venv/bin/python bench/demand_bench.py [--n 100000] [--evaluations 300] [--keepdb]

Builds a throwaway test database (test_<name>), loads N forecasts over two
years on ten services with COPY, then times `demand.evaluation.evaluate_forecast`
(the whole act: band pieces, one sweep-line query per piece, transition, alert
and notices when excessive) for freshly submitted forecasts, and the pure
`capacity.worst_breach` check. Prints p50/p95/max and the plan of one peak query.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.models import Organisation, Role, User  # noqa: E402
from demand import capacity, csv_import, evaluation, services, tasks  # noqa: E402
from demand.models import CapacityThreshold, Forecast, ForecastTransition  # noqa: E402
from notifications import tasks as notification_tasks  # noqa: E402
from services.models import BusinessCalendar, Service  # noqa: E402

SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_HOURS = 2 * 365 * 24
SERVICES = 10
DURATIONS = [1, 1, 2, 2, 3, 4, 4, 6, 8, 12, 24, 48, 168]  # hours; mostly short campaigns
MEAN_DURATION = sum(DURATIONS) / len(DURATIONS)
MEAN_VOLUME = 505  # volumes are uniform 10-1000


def org(code, kind, **extra):
    return Organisation.objects.get_or_create(
        short_code=code, defaults={"name": code.replace("-", " ").title(), "kind": kind,
                                   "contact_email": f"{code}@bench.example", **extra})[0]


def user(username, organisation, role):
    return User.objects.get_or_create(
        username=username, defaults={"organisation": organisation, "role": role,
                                     "email": f"{username}@bench.example"})[0]


def setup_parties(n):
    K = Organisation.Kind
    provider = org("bench-provider", K.CDS_PROVIDER)
    supplier = org("bench-supplier", K.MARKET_PARTICIPANT, market_role="energy_supplier")
    submitter = user("bench-supplier-user", supplier, Role.MARKET_PARTICIPANT)
    user("bench-provider-user", provider, Role.CDS_PROVIDER)
    desk = org("service-desk", K.SERVICE_DESK)
    for i in range(3):
        user(f"bench-desk-{i}", desk, Role.SERVICE_DESK)
    calendar = BusinessCalendar.twenty_four_seven()
    per_service_concurrency = n / SERVICES / SPAN_HOURS * MEAN_DURATION * MEAN_VOLUME
    service_list = []
    for i in range(SERVICES):
        service = Service.objects.get_or_create(
            code=f"bench-{i}", defaults={"name": f"Bench service {i}", "provider": provider,
                                         "resolver_group": provider, "service_hours": calendar})[0]
        service_list.append(service)
        # Capacity a little above the typical load, so some new forecasts breach it.
        CapacityThreshold.objects.get_or_create(
            service=service, other_times=False, defaults={
                "name": "Weekday 08:00-18:00", "days": CapacityThreshold.WEEKDAYS,
                "start_time": clock(8), "end_time": clock(18),
                "max_volume": int(per_service_concurrency * 1.4) + 500})
        CapacityThreshold.objects.get_or_create(
            service=service, other_times=True, defaults={
                "name": "Other times", "days": "",
                "max_volume": int(per_service_concurrency * 1.2) + 300})
    return supplier, submitter, service_list


def load(n, supplier, submitter, service_list, batch=200_000):
    """COPY n forecasts in (status within_capacity: already evaluated history)."""
    rng = random.Random(11)
    now = datetime.now(UTC).isoformat()
    columns = ("organisation_id", "submitted_by_id", "service_id", "window_start", "window_end",
               "volume", "unit", "reason", "status", "created_at")
    made = 0
    raw = connection.cursor().cursor  # psycopg2 cursor for copy_expert
    while made < n:
        size = min(batch, n - made)
        buffer = io.StringIO()
        for _ in range(size):
            start = SPAN_START + timedelta(minutes=15 * rng.randrange(SPAN_HOURS * 4))
            end = start + timedelta(hours=rng.choice(DURATIONS))
            buffer.write(f"{supplier.pk}\t{submitter.pk}\t{rng.choice(service_list).pk}\t"
                         f"{start.isoformat()}\t{end.isoformat()}\t{rng.randint(10, 1000)}\t"
                         f"switch_requests\tbench\twithin_capacity\t{now}\n")
        buffer.seek(0)
        raw.copy_expert(f"COPY demand_forecast ({', '.join(columns)}) FROM STDIN", buffer)
        made += size
        print(f"  loaded {made}/{n}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE demand_forecast")


def percentile(samples, pct):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def row(label, samples):
    print(f"{label:<44}{statistics.median(samples):10.2f}{percentile(samples, 95):10.2f}"
          f"{max(samples):10.2f}")


def new_forecast(rng, supplier, submitter, service_list):
    start = SPAN_START + timedelta(minutes=15 * rng.randrange(SPAN_HOURS * 4))
    forecast = Forecast.objects.create(
        organisation=supplier, submitted_by=submitter, service=rng.choice(service_list),
        window_start=start, window_end=start + timedelta(hours=rng.choice([1, 2, 4, 8, 24])),
        volume=rng.randint(100, 3000), reason="bench")
    ForecastTransition.objects.create(forecast=forecast, to_status="submitted", by=submitter)
    return forecast


def time_evaluations(count, supplier, submitter, service_list):
    rng = random.Random(5)
    full, pure, breaches = [], [], 0
    for _ in range(count):
        forecast = new_forecast(rng, supplier, submitter, service_list)
        thresholds = list(CapacityThreshold.objects.active().filter(service=forecast.service))
        started = time.perf_counter()
        capacity.worst_breach(Forecast.objects, service_id=forecast.service_id, unit=forecast.unit,
                              start=forecast.window_start, end=forecast.window_end,
                              thresholds=thresholds)
        pure.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        alert = evaluation.evaluate_forecast(forecast_id=forecast.pk)
        full.append((time.perf_counter() - started) * 1000)
        breaches += alert is not None
    return full, pure, breaches


def explain(service):
    start = SPAN_START + timedelta(days=200, hours=8)
    overlapping = Forecast.objects.overlapping(service_id=service.pk, unit="switch_requests",
                                               start=start, end=start + timedelta(hours=4))
    print(overlapping.values("window_start", "window_end", "volume").explain())


def time_csv_import(rows, supplier, submitter, service_list, background_sample):
    rng = random.Random(3)
    lines = ["service,window_start,window_end,volume,unit,reason"]
    for _ in range(rows):
        start = SPAN_START + timedelta(minutes=15 * rng.randrange(SPAN_HOURS * 4))
        end = start + timedelta(hours=rng.choice([1, 2, 4]))
        lines.append(f"{rng.choice(service_list).code},{start:%Y-%m-%dT%H:%M}Z,"
                     f"{end:%Y-%m-%dT%H:%M}Z,{rng.randint(10, 500)},switch_requests,bench")
    content = ("\n".join(lines) + "\n").encode()
    queued = []
    tasks.evaluate_forecasts.delay = queued.extend  # time the evaluation separately below
    started = time.perf_counter()
    report = csv_import.read_forecasts(content)
    assert report.ok, report.errors[:3]
    parsed = time.perf_counter() - started
    with transaction.atomic():
        services.import_forecasts(organisation=supplier, submitted_by=submitter,
                                  rows=report.rows)
    total = time.perf_counter() - started
    print(f"CSV import of {rows} rows: {total:.2f}s (parse+validate {parsed:.2f}s, "
          f"store {total - parsed:.2f}s)")
    sample = queued[:background_sample]
    started = time.perf_counter()
    tasks.evaluate_forecasts.run(sample)
    took = time.perf_counter() - started
    print(f"  background capacity check (after commit, Celery): {len(sample)} of them in "
          f"{took:.2f}s = {took / max(len(sample), 1) * 1000:.1f} ms each")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="stored forecasts")
    parser.add_argument("--evaluations", type=int, default=300)
    parser.add_argument("--csv-rows", type=int, default=10_000)
    parser.add_argument("--background", type=int, default=1000,
                        help="how many imported forecasts to run the background check on")
    parser.add_argument("--keepdb", action="store_true", help="reuse and keep the bench DB")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: set DATABASE_URL=postgres://...")
    # Outbox rows only: the delivery task the outbox queues after commit does nothing here.
    notification_tasks.deliver_email.delay = lambda *args, **kwargs: None
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=args.keepdb, serialize=False)
    print(f"database {test_db}")
    try:
        supplier, submitter, service_list = setup_parties(args.n)
        existing = Forecast.objects.filter(reason="bench").count()
        if existing < args.n:
            started = time.perf_counter()
            load(args.n - existing, supplier, submitter, service_list)
            print(f"loaded {args.n - existing} forecasts in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("VACUUM (ANALYZE) demand_forecast")
        print(f"vacuum analyze {time.perf_counter() - started:.1f}s")
        explain(service_list[0])
        time_evaluations(20, supplier, submitter, service_list)  # warm caches
        full, pure, breaches = time_evaluations(args.evaluations, supplier, submitter,
                                                service_list)
        print(f"{Forecast.objects.count()} forecasts stored; {args.evaluations} evaluations, "
              f"{breaches} excessive (ms)")
        print(f"{'scenario':<44}{'p50':>10}{'p95':>10}{'max':>10}")
        row("capacity check (worst_breach)", pure)
        row("evaluate_forecast (check+record+alert)", full)
        time_csv_import(args.csv_rows, supplier, submitter, service_list, args.background)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
