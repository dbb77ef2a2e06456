"""UK time: day bounds and reporting periods (a day, a week, a month or a custom run of days).

A period is a half-open interval [start, end) of aware UTC datetimes whose
ends are midnight Europe/London, so a period always means what people in the
UK mean by it: October has 745 hours, March 743, and the day of a clock change
23 or 25. Availability, incident and change figures all take their bounds from
`day_bounds` here, so the figures of one report cover exactly the same instants.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def day_bounds(day, tz=LONDON):
    """Return the UTC (start, end) of one UK day (23 or 25 hours on clock-change days)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_bounds(year, month, tz=LONDON):
    """Return the UTC (start, end) of a calendar month in UK time."""
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=tz)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    end = datetime.combine(nxt, time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def uk_date(moment=None):
    """Return the UK calendar day of `moment` (default now)."""
    return timezone.localtime(moment or timezone.now(), LONDON).date()


class Kind:
    DAY, WEEK, MONTH, CUSTOM = "day", "week", "month", "custom"
    ALL = (DAY, WEEK, MONTH, CUSTOM)


@dataclass(frozen=True)
class Period:
    """The UK days `first`..`last` (both included), as the UTC instants [start, end)."""

    kind: str
    first: date
    last: date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("A period must end on or after the day it starts.")

    # --- constructors ----------------------------------------------------
    @classmethod
    def day(cls, day):
        return cls(Kind.DAY, day, day)

    @classmethod
    def week(cls, day):
        """Return the Monday-to-Sunday week containing `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls(Kind.WEEK, monday, monday + timedelta(days=6))

    @classmethod
    def month(cls, year, month):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return cls(Kind.MONTH, date(year, month, 1), nxt - timedelta(days=1))

    @classmethod
    def custom(cls, first, last):
        return cls(Kind.CUSTOM, first, last)

    @classmethod
    def containing(cls, kind, moment=None):
        """Return the day, week or month (UK time) containing `moment` (default now)."""
        today = uk_date(moment)
        if kind == Kind.DAY:
            return cls.day(today)
        if kind == Kind.WEEK:
            return cls.week(today)
        if kind == Kind.MONTH:
            return cls.month(today.year, today.month)
        raise ValueError(f"Unknown period kind {kind!r}; use day, week or month.")

    @classmethod
    def parse(cls, text):
        """Return the period named by `text`: 2026-10 (month), 2026-W43 (ISO week), 2026-10-25
        (day) or 2026-10-01..2026-10-15 (custom). Raise ValueError with a readable message."""
        text = (text or "").strip()
        try:
            if ".." in text:
                a, b = text.split("..", 1)
                return cls.custom(date.fromisoformat(a), date.fromisoformat(b))
            if "-W" in text:
                year, week = text.split("-W")
                return cls.week(date.fromisocalendar(int(year), int(week), 1))
            if len(text) == 7:
                return cls.month(int(text[:4]), int(text[5:]))
            return cls.day(date.fromisoformat(text))
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a period. Use 2026-10, 2026-W43, 2026-10-25 or "
                             "2026-10-01..2026-10-15.") from exc

    # --- what it covers --------------------------------------------------
    @property
    def start(self) -> datetime:
        return day_bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        return day_bounds(self.last)[1]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def key(self):
        """Return the text `parse` reads back (used in URLs, file names and the API)."""
        if self.kind == Kind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind == Kind.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == Kind.DAY:
            return self.first.isoformat()
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def label(self):
        if self.kind == Kind.MONTH:
            return f"{self.first:%B %Y}"
        if self.kind == Kind.WEEK:
            return f"Week {self.key[-2:]} ({self.first:%d %b} to {self.last:%d %b %Y})"
        if self.kind == Kind.DAY:
            return f"{self.first:%a %d %B %Y}"
        return f"{self.first:%d %b %Y} to {self.last:%d %b %Y}"

    def __str__(self):
        return self.label

    # --- neighbours ------------------------------------------------------
    def previous(self):
        """Return the period of the same kind just before this one."""
        if self.kind == Kind.MONTH:
            before = self.first - timedelta(days=1)
            return Period.month(before.year, before.month)
        length = (self.last - self.first).days + 1
        return Period(self.kind, self.first - timedelta(days=length),
                      self.first - timedelta(days=1))

    def trailing(self, n):
        """Return the n periods ending with this one, oldest first."""
        periods = [self]
        while len(periods) < n:
            periods.append(periods[-1].previous())
        return list(reversed(periods))

    def is_over(self, now=None):
        return (now or timezone.now()) >= self.end
