"""Duration units of service-level targets, and how durations are written for people.

Targets are stored as (amount, unit) so Switching Operations can type "4 hours"
or "10 working days"; the clock engine works on business time (a timedelta on
the target's calendar). SLA, OLA and request targets all use these.
"""

from datetime import timedelta

from django.db import models


class Unit(models.TextChoices):
    MINUTES = "minutes", "minutes"  # business minutes on the target's calendar
    HOURS = "hours", "hours"  # business hours on the target's calendar
    WORKING_DAYS = "working_days", "working days"  # one working day's length of business time each


def to_duration(amount, unit, maths):
    """Return `amount` `unit`s as business time (a timedelta) on `maths` (CalendarMaths)."""
    if unit == Unit.MINUTES:
        return timedelta(minutes=amount)
    if unit == Unit.HOURS:
        return timedelta(hours=amount)
    return amount * maths.working_day_length()


def describe_amount(amount, unit):
    """Return '4 h', '45 min' or '10 working days'."""
    label = {Unit.MINUTES: "min", Unit.HOURS: "h"}.get(unit)
    if label:
        return f"{amount} {label}"
    return f"{amount} working day{'s' if amount != 1 else ''}"


def fmt_duration(td):
    """Return '1 h 8 min' style text (hours, not days: 100 business hours of a working-days
    target read as '100 h', never as '4 d 4 h'); negative durations get a minus sign."""
    sign = "-" if td < timedelta(0) else ""
    seconds = int(abs(td).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    if secs and hours < 24:
        parts.append(f"{secs} s")
    return sign + " ".join(parts)
