"""Availability per service and period, from the status intervals. The one computation.

The status page, the 90-day history and the KPI reports (issue 8) all call
`measure` (or `measure_one`); nothing else computes availability.

Rules (s.9.4, s.10.9):
- Only time inside the service's service hours (its BusinessCalendar) counts.
- A service is unavailable while Major outage or Partial outage. Degraded is
  available (slow but usable), as is "at risk" (a marker, not a status).
- Planned maintenance (Under maintenance, set from a change notification's
  outage window) is EXCLUDED by default: it is removed from the agreed service
  time, not counted as downtime. Planned outages are agreed in advance through
  Change Co-ordination and notified to participants (s.10.7), and SLA
  availability is conventionally measured against agreed service time.
  Set SERVICESTATUS_MAINTENANCE_POLICY = "count" to count it as downtime (and
  its windows as interruptions) instead; the policy used is in every result.
- Time before a service's first recorded interval counts as available.
- A period reaching into the future is measured up to now.
- An interruption is a run of consecutive unavailable intervals; it counts in
  every period it overlaps (with its duration inside that period), so the
  average interruption duration is downtime / interruptions.

All arithmetic is on aware UTC datetimes and timedeltas, so midnight and the
clock changes are exact: a UK October month has 745 hours, March 743.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from kernel.periods import day_bounds, uk_date

from .models import Status, StatusInterval

UNAVAILABLE = {Status.MAJOR_OUTAGE, Status.PARTIAL_OUTAGE}
EXCLUDE, COUNT = "exclude", "count"


def maintenance_policy():
    policy = getattr(settings, "SERVICESTATUS_MAINTENANCE_POLICY", EXCLUDE)
    if policy not in (EXCLUDE, COUNT):
        raise ValueError("SERVICESTATUS_MAINTENANCE_POLICY must be 'exclude' or 'count'")
    return policy


@dataclass(frozen=True)
class ServiceAvailability:
    service_id: int
    service_code: str
    start: datetime
    end: datetime  # the end actually measured (clipped to now)
    target: Decimal
    service_time: timedelta  # agreed service time: in service hours, less excluded maintenance
    downtime: timedelta  # unavailable time inside service_time
    planned_downtime: timedelta  # maintenance inside service hours
    availability: Decimal | None  # percent to 3 dp; None if there was no service time
    interruptions: int
    average_interruption: timedelta | None
    maintenance_policy: str

    @property
    def met_target(self):
        return None if self.availability is None else self.availability >= self.target


def _overlap(lo, hi, windows):
    """Return the total time of [lo, hi) inside the sorted (from, to) windows."""
    total = timedelta(0)
    for w_lo, w_hi in windows:
        if w_lo >= hi:
            break
        a, b = max(lo, w_lo), min(hi, w_hi)
        if a < b:
            total += b - a
    return total


def _percent(available, service_time):
    if service_time <= timedelta(0):
        return None
    ratio = Decimal(available.total_seconds()) / Decimal(service_time.total_seconds())
    return (ratio * 100).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def compute(*, service, intervals, start, end, maths, policy):
    """Return ServiceAvailability for one service from its (status, start, end) intervals.

    Pure: no queries. `intervals` are sorted by start, open ones already
    closed at `end`; `maths` is the service-hours CalendarMaths.
    """
    windows = list(maths.intervals(start, end)) if end > start else []
    in_hours = sum((b - a for a, b in windows), timedelta(0))
    down_statuses = UNAVAILABLE | ({Status.UNDER_MAINTENANCE} if policy == COUNT else set())
    downtime = planned = timedelta(0)
    interruptions = 0
    run_end = None  # end of the current run of unavailable intervals
    run_counted = False
    for status, lo, hi in intervals:
        lo, hi = max(lo, start), min(hi, end)
        inside = _overlap(lo, hi, windows) if lo < hi else timedelta(0)
        if status == Status.UNDER_MAINTENANCE:
            planned += inside
        if status in down_statuses:
            downtime += inside
            if run_end is None or lo > run_end:
                run_counted = False
            if inside and not run_counted:
                interruptions += 1
                run_counted = True
            run_end = max(hi, run_end or hi)
        else:
            run_end, run_counted = None, False
    service_time = in_hours - planned if policy == EXCLUDE else in_hours
    return ServiceAvailability(
        service_id=service.pk, service_code=service.code, start=start, end=max(end, start),
        target=service.availability_target, service_time=service_time, downtime=downtime,
        planned_downtime=planned, availability=_percent(service_time - downtime, service_time),
        interruptions=interruptions,
        average_interruption=downtime / interruptions if interruptions else None,
        maintenance_policy=policy,
    )


def load_intervals(service_ids, start, end):
    """Return {service_id: [(status, start, end), ...]} for [start, end), open ones closed at end."""
    by_service = {service_id: [] for service_id in service_ids}
    rows = (StatusInterval.objects.filter(service_id__in=service_ids).overlapping(start, end)
            .order_by("service_id", "start").values_list("service_id", "status", "start", "end"))
    for service_id, status, lo, hi in rows:
        by_service[service_id].append((status, lo, hi or end))
    return by_service


def _calendar_maths(services):
    """Return {calendar_id: CalendarMaths}, loading each calendar's holidays once."""
    maths = {}
    for service in services:
        if service.service_hours_id not in maths:
            maths[service.service_hours_id] = service.service_hours.maths
    return maths


def measure(services, *, start, end, now=None):
    """Return [ServiceAvailability] for each of `services` over [start, end).

    `services` is any iterable of Service (a queryset is fine); `start` and
    `end` are aware datetimes. The KPI reports call this.
    """
    services = list(services)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    now = now or timezone.now()
    clipped_end = max(min(end, now), start)
    policy = maintenance_policy()
    intervals = load_intervals([s.pk for s in services], start, clipped_end)
    maths = _calendar_maths(services)
    return [
        compute(service=s, intervals=intervals[s.pk], start=start, end=clipped_end,
                maths=maths[s.service_hours_id], policy=policy)
        for s in services
    ]


def measure_one(service, *, start, end, now=None):
    return measure([service], start=start, end=end, now=now)[0]


def daily_history(services, *, days=90, now=None):
    """Return {service_id: [(date, ServiceAvailability)]} for the last `days` UK days, oldest first.

    Loads the intervals once and applies `compute` per day.
    """
    services = list(services)
    now = now or timezone.now()
    today = uk_date(now)
    first = today - timedelta(days=days - 1)
    start, _ = day_bounds(first)
    policy = maintenance_policy()
    intervals = load_intervals([s.pk for s in services], start, now)
    maths = _calendar_maths(services)
    history = {}
    for service in services:
        rows = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            lo, hi = day_bounds(day)
            hi = min(hi, now)
            rows.append((day, compute(service=service, intervals=intervals[service.pk],
                                      start=lo, end=max(hi, lo), maths=maths[service.service_hours_id],
                                      policy=policy)))
        history[service.pk] = rows
    return history
