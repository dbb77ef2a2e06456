"""Business-time arithmetic over a business calendar (24x7 or working hours).

All inputs and outputs are aware datetimes; working hours are wall-clock times
in the calendar's time zone (Europe/London), so a working day is 08:00-18:00
UK time in both GMT and BST, and DST changes never add or lose business time.
A 24x7 calendar counts real elapsed time (a Sev1's 4 hours across the October
clock change is 4 real hours).

Pure: no database, no Django. services.BusinessCalendar builds one of these
from its rows (`calendar.maths`); the clock engine (kernel.clocks.engine) runs on it.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
ZERO = timedelta(0)
BASE_DAY = date(2000, 1, 1)  # running totals of business time start here


class CalendarMaths:
    """Pure arithmetic, separated from the model so it is easy to test and reuse."""

    def __init__(self, *, is_24x7, working_days=(), day_start=time(8, 0), day_end=time(18, 0),
                 tz_name="Europe/London", holidays=()):
        self.is_24x7 = is_24x7
        self.working_days = frozenset(working_days)
        self.day_start = day_start
        self.day_end = day_end
        self.tz = ZoneInfo(tz_name)
        self.holidays = frozenset(holidays)
        self._windows = {}  # day -> (start, end) UTC or None; replays ask for the same days
        self._before = []  # business time before each day from BASE_DAY (grown on demand)

    @classmethod
    def always(cls):
        """Return a 24x7 calendar (every minute counts)."""
        return cls(is_24x7=True)

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
        try:
            return self._windows[day]
        except KeyError:
            pass
        window = None
        if self.is_working_day(day):
            start = datetime.combine(day, self.day_start, tzinfo=self.tz).astimezone(UTC)
            if self.day_end == time(0, 0):
                end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=self.tz)
            else:
                end = datetime.combine(day, self.day_end, tzinfo=self.tz)
            window = (start, end.astimezone(UTC))
        self._windows[day] = window
        return window

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
        if end <= start:
            return ZERO
        if self.is_24x7:
            return end - start
        if self.local_date(start) < BASE_DAY:
            return sum((hi - lo for lo, hi in self.intervals(start, end)), ZERO)
        # A running total per day makes a span of months as cheap as one of minutes (the
        # replay of a whole history asks for many long spans).
        return self._total_to(end) - self._total_to(start)

    def _total_to(self, moment):
        """Return the business time from BASE_DAY's midnight to `moment`."""
        day = self.local_date(moment)
        index = (day - BASE_DAY).days
        while len(self._before) <= index + 1:
            known = len(self._before)
            if known == 0:
                self._before.append(ZERO)
                continue
            window = self._window(BASE_DAY + timedelta(days=known - 1))
            self._before.append(self._before[-1] + (window[1] - window[0] if window else ZERO))
        total = self._before[index]
        window = self._window(day)
        if window and moment > window[0]:
            total += min(moment, window[1]) - window[0]
        return total

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the earliest moment by which `duration` of business time has passed since
        `start`.

        Adding nothing returns `start` itself, even outside working hours: a deadline only
        moves by business time (an 18:00 deadline plus an evening's zero business time is
        still 18:00, not the next morning).
        """
        if duration < ZERO:
            raise ValueError("duration must not be negative")
        if self.is_24x7 or duration == ZERO:
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
