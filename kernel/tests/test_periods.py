"""UK days, months and periods: midnight Europe/London, whatever the clocks do."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.periods import Kind, Period, day_bounds, month_bounds, uk_date

H = timedelta(hours=1)


def test_a_uk_day_is_23_or_25_hours_on_the_clock_change_days():
    spring, autumn = day_bounds(date(2027, 3, 28)), day_bounds(date(2027, 10, 31))
    assert spring[1] - spring[0] == 23 * H and autumn[1] - autumn[0] == 25 * H
    assert spring[0] == datetime(2027, 3, 28, 0, tzinfo=UTC)  # GMT until 01:00
    assert autumn[0] == datetime(2027, 10, 30, 23, tzinfo=UTC)  # BST midnight


def test_a_month_runs_from_uk_midnight_to_uk_midnight():
    start, end = month_bounds(2027, 7)
    assert (start, end) == (datetime(2027, 6, 30, 23, tzinfo=UTC),
                            datetime(2027, 7, 31, 23, tzinfo=UTC))
    assert Period.month(2027, 7).start == start and Period.month(2027, 7).end == end


def test_the_uk_day_of_an_instant_is_the_day_on_a_london_clock():
    assert uk_date(datetime(2027, 6, 30, 23, 30, tzinfo=UTC)) == date(2027, 7, 1)
    assert uk_date(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 31)


def test_the_period_containing_a_moment_is_taken_in_uk_time():
    just_after_midnight_bst = datetime(2027, 7, 31, 23, 5, tzinfo=UTC)
    assert Period.containing(Kind.MONTH, just_after_midnight_bst) == Period.month(2027, 8)
    assert Period.containing(Kind.WEEK, just_after_midnight_bst).first == date(2027, 7, 26)
    with pytest.raises(ValueError, match="Unknown period kind"):
        Period.containing("fortnight")


def test_a_period_ends_on_or_after_it_starts_and_custom_periods_step_back_by_their_length():
    with pytest.raises(ValueError, match="end on or after"):
        Period.custom(date(2027, 1, 2), date(2027, 1, 1))
    fortnight = Period.custom(date(2027, 1, 15), date(2027, 1, 28))
    assert fortnight.previous() == Period.custom(date(2027, 1, 1), date(2027, 1, 14))
    assert Period.parse("2027-01-15..2027-01-28") == fortnight
    assert fortnight.is_over(now=fortnight.end) and not fortnight.is_over(now=fortnight.start)
