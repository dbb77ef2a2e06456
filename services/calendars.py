"""Business-time arithmetic over a BusinessCalendar (24x7 or working hours).

All inputs and outputs are aware datetimes; working hours are wall-clock times
in the calendar's time zone (Europe/London), so a working day is 08:00-18:00
UK time in both GMT and BST, and DST changes never add or lose business time.
A 24x7 calendar counts real elapsed time (a Sev1's 4 hours across the October
clock change is 4 real hours).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")


class CalendarMaths:
    """Pure arithmetic, separated from the model so it is easy to test and reuse."""

    def __init__(self, *, is_24x7, working_days, day_start, day_end, tz_name, holidays):
        self.is_24x7 = is_24x7
        self.working_days = frozenset(working_days)
        self.day_start = day_start
        self.day_end = day_end
        self.tz = ZoneInfo(tz_name)
        self.holidays = frozenset(holidays)

    # --- days ------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def add_working_days(self, day: date, n: int) -> date:
        """Return the date `n` working days after `day` (n >= 0; 0 gives the next working day or `day`)."""
        current = day
        if n == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
            return current
        step = 1 if n > 0 else -1
        remaining = abs(n)
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Return the number of working days d with start < d <= end (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    # --- time ------------------------------------------------------------
    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _window(self, day: date):
        """Return the (start, end) UTC datetimes of business time on `day`, or None."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.day_start, tzinfo=self.tz).astimezone(UTC)
        end_time = self.day_end
        if end_time == time(0, 0):
            end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=self.tz)
        else:
            end = datetime.combine(day, end_time, tzinfo=self.tz)
        return start, end.astimezone(UTC)

    def intervals(self, start: datetime, end: datetime):
        """Yield the (from, to) pieces of business time inside [start, end)."""
        if end <= start:
            return
        if self.is_24x7:
            yield start.astimezone(UTC), end.astimezone(UTC)
            return
        day = self.local_date(start) - timedelta(days=1)
        last = self.local_date(end)
        while day <= last:
            window = self._window(day)
            if window:
                lo, hi = max(window[0], start), min(window[1], end)
                if lo < hi:
                    yield lo, hi
            day += timedelta(days=1)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time in [start, end); zero if end <= start."""
        total = timedelta(0)
        for lo, hi in self.intervals(start, end):
            total += hi - lo
        return total

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the moment when `duration` of business time has passed since `start`."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if self.is_24x7:
            # In UTC: aware arithmetic in a local zone is wall-clock arithmetic and would
            # gain or lose an hour across a clock change.
            return start.astimezone(UTC) + duration
        remaining = duration
        day = self.local_date(start)
        # A working calendar always has a working day within a year; guard against a
        # calendar configured with no working days at all.
        for _ in range(3660):
            window = self._window(day)
            if window:
                lo = max(window[0], start)
                if lo < window[1]:
                    available = window[1] - lo
                    if remaining <= available:
                        if remaining == timedelta(0):
                            return lo
                        return lo + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("calendar has no working time within ten years")

    def working_day_length(self) -> timedelta:
        """Return the length of one working day (24 h for a 24x7 calendar)."""
        if self.is_24x7:
            return timedelta(hours=24)
        start = datetime.combine(date(2000, 1, 3), self.day_start)
        end = datetime.combine(date(2000, 1, 3), self.day_end)
        if self.day_end == time(0, 0):
            end += timedelta(days=1)
        return end - start
