"""Number and time formatting shared by the report renderers and pages."""

from django.utils import timezone

from kernel.periods import LONDON


def fmt_value(value, unit):
    """Return a figure as text for people: '99.596 %', '22.00 min', '3'; '–' if none."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value} %"
    if unit == "minutes":
        return f"{value} min"
    if unit == "hours":
        return f"{value} h"
    return f"{value}"


def local_time(moment):
    return timezone.localtime(moment, LONDON).strftime("%d %b %Y %H:%M")
