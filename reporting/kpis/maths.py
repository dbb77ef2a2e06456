"""The small arithmetic every KPI family shares: rounding, means, shares, period filters.

Kept apart from engine.py so each family's module (engine.py for incidents, changes and
availability; requests.py for service requests) reads the same rules without importing
the other.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DurationField, ExpressionWrapper, F, Q

MINUTE, HOUR = Decimal(60), Decimal(3600)


def quantize(value, places):
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def seconds(td):
    """Return a timedelta as an exact Decimal number of seconds."""
    return Decimal(td.days * 86400 + td.seconds) + Decimal(td.microseconds) / Decimal(10**6)


def mean(total, count, unit_seconds):
    """Return total (a timedelta) / count in `unit_seconds`, to 2 places; None if no count."""
    if not count or total is None:
        return None
    return quantize(seconds(total) / Decimal(count) / unit_seconds, 2)


def percent(part, whole):
    if not whole:
        return None
    return quantize(Decimal(100) * part / whole, 2)


def between(field_name, period):
    """Return the filter "field inside the half-open period [start, end)"."""
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end})


def duration(end_field, start_field="created_at"):
    return ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())
