"""Business-time arithmetic: weekends, bank holidays, DST changes, 24x7."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.models import BusinessCalendar

pytestmark = pytest.mark.django_db
UK = ZoneInfo("Europe/London")


def uk(*args):
    return datetime(*args, tzinfo=UK)


@pytest.fixture
def working():
    return BusinessCalendar.england_and_wales()


@pytest.fixture
def always():
    return BusinessCalendar.twenty_four_seven()


def test_24x7_adds_real_elapsed_time_across_the_october_clock_change(always):
    # 25 Oct 2026: clocks go back at 02:00 BST -> 01:00 GMT.
    start = uk(2026, 10, 25, 0, 0)
    assert always.add_business_time(start, timedelta(hours=4)) == uk(2026, 10, 25, 3, 0)


def test_working_time_rolls_over_the_weekend(working):
    friday_4pm = uk(2026, 11, 20, 16, 0)
    # 2 h left on Friday (to 18:00), 3 h more from Monday 08:00.
    assert working.add_business_time(friday_4pm, timedelta(hours=5)) == uk(2026, 11, 23, 11, 0)


def test_working_time_skips_a_bank_holiday_monday(working):
    friday_4pm = uk(2026, 8, 28, 16, 0)  # Monday 31 Aug 2026 is the summer bank holiday
    assert working.add_business_time(friday_4pm, timedelta(hours=10)) == uk(2026, 9, 1, 16, 0)


def test_start_outside_hours_begins_at_next_opening(working):
    saturday = uk(2026, 11, 21, 12, 0)
    assert working.add_business_time(saturday, timedelta(minutes=45)) == uk(2026, 11, 23, 8, 45)


def test_working_day_is_the_same_wall_clock_hours_across_dst(working):
    # Friday 27 Mar 2026 GMT, Monday 30 Mar 2026 BST: still 08:00-18:00 UK time.
    start = uk(2026, 3, 27, 17, 0)
    assert working.add_business_time(start, timedelta(hours=2)) == uk(2026, 3, 30, 9, 0)
    assert working.business_time_between(start, uk(2026, 3, 30, 9, 0)) == timedelta(hours=2)


def test_business_time_between_excludes_nights_weekends_and_holidays(working):
    assert working.business_time_between(uk(2026, 12, 24, 17, 0), uk(2026, 12, 29, 9, 0)) == \
        timedelta(hours=2)  # 24th 17-18, 29th 08-09; 25th, 28th holidays, weekend between


def test_business_time_between_is_zero_for_reversed_range(working):
    assert working.business_time_between(uk(2026, 1, 5, 10), uk(2026, 1, 5, 9)) == timedelta(0)


def test_adding_no_business_time_never_moves_a_moment_even_outside_hours(working):
    # A deadline moves only by business time: an 18:00 deadline plus an evening's zero
    # business time stays 18:00 (it used to become the next morning's 08:00).
    assert working.add_business_time(uk(2026, 11, 23, 7, 0), timedelta(0)) == uk(2026, 11, 23, 7)
    assert working.add_business_time(uk(2026, 11, 20, 18, 0), timedelta(0)) == uk(2026, 11, 20, 18)


def test_add_working_days_skips_weekend_and_christmas(working):
    # From Mon 21 Dec 2026: 22, 23, 24, 29, 30, 31 Dec, 4, 5 Jan (25, 28 Dec, 1 Jan holidays).
    assert working.add_working_days(date(2026, 12, 21), 8) == date(2027, 1, 5)
    assert working.working_days_between(date(2026, 12, 21), date(2027, 1, 5)) == 8


def test_working_days_between_negative_when_reversed(working):
    assert working.working_days_between(date(2026, 11, 27), date(2026, 11, 23)) == -4


def test_bank_holidays_are_seeded_with_substitute_days(working):
    assert not working.is_working_day(date(2027, 12, 27))  # Christmas substitute
    assert not working.is_working_day(date(2027, 12, 28))  # Boxing Day substitute
    assert working.is_working_day(date(2027, 12, 29))


def test_holiday_added_as_data_changes_the_arithmetic(working):
    working.holidays.create(date=date(2026, 11, 23), name="One-off holiday")
    refreshed = BusinessCalendar.objects.get(pk=working.pk)
    assert refreshed.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)


def test_one_working_day_is_ten_business_hours(working):
    assert working.maths.working_day_length() == timedelta(hours=10)
