"""Availability against hand-computed figures, across midnight and the clock changes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kernel.periods import day_bounds, month_bounds
from services.factories import ServiceFactory
from services.models import BusinessCalendar
from servicestatus.availability import daily_history, measure, measure_one
from servicestatus.factories import StatusIntervalFactory
from servicestatus.models import Status

NOW = datetime(2027, 1, 1, tzinfo=UTC)  # every period below is in the past
H = timedelta(hours=1)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def outage(service, start, end, status=Status.MAJOR_OUTAGE):
    return StatusIntervalFactory(service=service, status=status, start=start, end=end)


def test_uk_months_have_their_real_length_across_clock_changes():
    march, october, april = month_bounds(2026, 3), month_bounds(2026, 10), month_bounds(2026, 4)
    assert march[1] - march[0] == 743 * H  # clocks go forward on 29 March
    assert october[1] - october[0] == 745 * H  # and back on 25 October
    assert april[1] - april[0] == 720 * H
    assert april[0] == utc(2026, 3, 31, 23)  # 1 April 00:00 BST


def test_clock_change_days_are_23_and_25_hours():
    assert day_bounds(date(2026, 3, 29))[1] - day_bounds(date(2026, 3, 29))[0] == 23 * H
    assert day_bounds(date(2026, 10, 25))[1] - day_bounds(date(2026, 10, 25))[0] == 25 * H


def test_thirty_day_month_matches_hand_figure(service):
    """April 2026 (720 h = 2,592,000 s), target 99.5%, 24x7.

    Outages: 2 h major (7,200 s) and 45 min partial (2,700 s): downtime 9,900 s.
    Maintenance 3 h (10,800 s), excluded: service time 2,581,200 s.
    Availability = (2,581,200 - 9,900) / 2,581,200 = 99.61645 % -> 99.616.
    Two interruptions, average 4,950 s (1 h 22 min 30 s).
    """
    outage(service, utc(2026, 4, 3, 10), utc(2026, 4, 3, 12))
    outage(service, utc(2026, 4, 17, 23, 30), utc(2026, 4, 18, 0, 15), Status.PARTIAL_OUTAGE)
    outage(service, utc(2026, 4, 20, 1), utc(2026, 4, 20, 4), Status.UNDER_MAINTENANCE)
    outage(service, utc(2026, 4, 22, 8), utc(2026, 4, 22, 20), Status.DEGRADED)

    start, end = month_bounds(2026, 4)
    result = measure_one(service, start=start, end=end, now=NOW)

    hand = Decimal("99.61645")
    assert abs(result.availability - hand) < Decimal("0.01")
    assert result.availability == Decimal("99.616")
    assert result.service_time == timedelta(seconds=2_581_200)
    assert result.downtime == timedelta(seconds=9_900)
    assert result.planned_downtime == 3 * H
    assert result.interruptions == 2
    assert result.average_interruption == timedelta(seconds=4_950)
    assert result.met_target is True
    assert result.maintenance_policy == "exclude"


def test_counting_maintenance_policy(service, settings):
    """Same month, maintenance counted: (2,592,000 - 20,700) / 2,592,000 = 99.20139 %."""
    settings.SERVICESTATUS_MAINTENANCE_POLICY = "count"
    outage(service, utc(2026, 4, 3, 10), utc(2026, 4, 3, 12))
    outage(service, utc(2026, 4, 17, 23, 30), utc(2026, 4, 18, 0, 15), Status.PARTIAL_OUTAGE)
    outage(service, utc(2026, 4, 20, 1), utc(2026, 4, 20, 4), Status.UNDER_MAINTENANCE)
    start, end = month_bounds(2026, 4)
    result = measure_one(service, start=start, end=end, now=NOW)
    assert result.availability == Decimal("99.201")
    assert result.interruptions == 3
    assert result.met_target is False


def test_outage_across_month_end_is_split_between_months(service):
    # 30 April 22:00 BST -> 1 May 02:00 BST: 2 h in each month.
    outage(service, utc(2026, 4, 30, 21), utc(2026, 5, 1, 1))
    april = measure_one(service, start=month_bounds(2026, 4)[0], end=month_bounds(2026, 4)[1],
                        now=NOW)
    may = measure_one(service, start=month_bounds(2026, 5)[0], end=month_bounds(2026, 5)[1],
                      now=NOW)
    assert april.downtime == may.downtime == 2 * H
    assert april.interruptions == may.interruptions == 1


def test_outage_across_the_autumn_clock_change_counts_real_hours(service):
    """01:00 BST to 02:00 GMT on 25 Oct 2026 is 2 real hours; the month has 745 h."""
    outage(service, utc(2026, 10, 25, 0), utc(2026, 10, 25, 2))
    start, end = month_bounds(2026, 10)
    result = measure_one(service, start=start, end=end, now=NOW)
    assert result.service_time == 745 * H
    assert result.downtime == 2 * H
    expected = (Decimal(743) / Decimal(745) * 100).quantize(Decimal("0.001"))
    assert result.availability == expected  # 99.732


def test_outage_across_the_spring_clock_change(service):
    """00:30 GMT to 03:30 BST on 29 Mar 2026 is 2 real hours of a 23-hour day."""
    outage(service, utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 2, 30))
    start, end = day_bounds(date(2026, 3, 29))
    result = measure_one(service, start=start, end=end, now=NOW)
    assert result.service_time == 23 * H
    assert result.availability == (Decimal(21) / Decimal(23) * 100).quantize(Decimal("0.001"))


def test_overnight_outage_counts_only_service_hours(db):
    """Working-hours service (08:00-18:00 UK, weekdays): Mon 17:00 -> Tue 09:00 BST outage
    is 1 h on Monday and 1 h on Tuesday, one interruption of 2 h."""
    service = ServiceFactory(service_hours=BusinessCalendar.england_and_wales())
    outage(service, utc(2026, 6, 8, 16), utc(2026, 6, 9, 8))  # BST = UTC+1
    start, end = utc(2026, 6, 7, 23), utc(2026, 6, 9, 23)  # Mon and Tue, UK days
    result = measure_one(service, start=start, end=end, now=NOW)
    assert result.service_time == 20 * H
    assert result.downtime == 2 * H
    assert result.interruptions == 1
    assert result.availability == Decimal("90.000")


def test_consecutive_outage_statuses_are_one_interruption(service):
    outage(service, utc(2026, 4, 3, 10), utc(2026, 4, 3, 11))
    outage(service, utc(2026, 4, 3, 11), utc(2026, 4, 3, 12), Status.PARTIAL_OUTAGE)
    outage(service, utc(2026, 4, 3, 12), utc(2026, 4, 3, 13), Status.DEGRADED)
    outage(service, utc(2026, 4, 3, 13), utc(2026, 4, 3, 14))
    result = measure_one(service, start=utc(2026, 4, 3), end=utc(2026, 4, 4), now=NOW)
    assert result.downtime == 3 * H
    assert result.interruptions == 2
    assert result.average_interruption == 90 * timedelta(minutes=1)


def test_open_outage_counts_until_now(service):
    outage(service, utc(2026, 4, 3, 10), None)
    result = measure_one(service, start=utc(2026, 4, 3), end=utc(2026, 4, 4),
                         now=utc(2026, 4, 3, 12))
    assert result.end == utc(2026, 4, 3, 12)
    assert result.service_time == 12 * H
    assert result.downtime == 2 * H


def test_future_period_has_no_figure(service):
    result = measure_one(service, start=utc(2027, 2, 1), end=utc(2027, 3, 1), now=NOW)
    assert result.availability is None and result.met_target is None


def test_service_with_no_intervals_is_fully_available(service):
    result = measure_one(service, start=utc(2026, 4, 1), end=utc(2026, 4, 2), now=NOW)
    assert result.availability == Decimal("100.000") and result.interruptions == 0


def test_measure_many_services_in_one_call(service, other_service, django_assert_max_num_queries):
    outage(service, utc(2026, 4, 3, 10), utc(2026, 4, 3, 12))
    with django_assert_max_num_queries(4):
        results = measure([service, other_service], start=utc(2026, 4, 3), end=utc(2026, 4, 4),
                          now=NOW)
    assert [r.service_code for r in results] == ["uk-link", "ecoes"]
    assert [r.downtime for r in results] == [2 * H, timedelta(0)]


def test_naive_datetimes_are_refused(service):
    with pytest.raises(ValueError):
        measure_one(service, start=datetime(2026, 4, 1), end=datetime(2026, 4, 2), now=NOW)


def test_daily_history_uses_uk_days(service):
    outage(service, utc(2026, 10, 24, 22, 30), utc(2026, 10, 24, 23, 30))  # 23:30-00:30 BST
    history = daily_history([service], days=3, now=utc(2026, 10, 26, 12))
    days = [(day, row.service_time, row.downtime) for day, row in history[service.pk]]
    assert days == [
        (date(2026, 10, 24), 24 * H, 30 * timedelta(minutes=1)),
        (date(2026, 10, 25), 25 * H, 30 * timedelta(minutes=1)),
        (date(2026, 10, 26), 12 * H, timedelta(0)),
    ]
