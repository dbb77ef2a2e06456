"""Demand calendar (heatmap) and forecast-vs-actual pages for one service.

What a user sees follows policy.demand_view_of_service: staff see all demand
(and per participant), the service's provider sees totals only, and a
participant sees only its own organisation's forecasts and actuals.
"""

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts import policy
from kernel.periods import LONDON
from services.models import Service

from . import capacity
from .forms import PeriodForm
from .models import MAX_WINDOW, ActualVolume, CapacityThreshold, Forecast, Unit


def _context(request, code):
    """Return (service, view mode, period start/end UTC, local days, unit) for the page."""
    service = get_object_or_404(Service.objects.visible_to(request.user), code=code)
    mode = policy.demand_view_of_service(request.user, service)
    if mode is None:
        raise PermissionDenied
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    tz = LONDON
    first = data.get("start") or timezone.localdate()
    days = [first + timedelta(days=n) for n in range(data.get("days") or 7)]
    start = datetime.combine(days[0], time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    unit = data.get("unit") or Unit.SWITCH_REQUESTS
    return service, mode, form, start, end, days, unit


def _forecasts(request, service, mode, unit, start, end):
    qs = Forecast.objects.counted().filter(service=service, unit=unit, window_start__lt=end,
                                           window_start__gt=start - MAX_WINDOW,
                                           window_end__gt=start)
    if mode == "own":
        qs = qs.filter(organisation_id=request.user.organisation_id)
    return qs


def _day_hours(day):
    """Return the UTC starts of the hours of a UK day (23 or 25 on clock-change days)."""
    tz = LONDON
    hour = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    hours = []
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def _level(total, limit):
    if not total:
        return "none"
    if limit is None:
        return "some"
    ratio = total / limit
    return "over" if ratio > 1 else "near" if ratio >= 0.8 else "some"


@login_required
def calendar(request, code):
    """Days x hours of forecast volume against the capacity band in force."""
    service, mode, form, start, end, days, unit = _context(request, code)
    rows = _forecasts(request, service, mode, unit, start, end).values_list(
        "window_start", "window_end", "volume")
    all_hours = [h for day in days for h in _day_hours(day)]
    totals = capacity.hourly_totals(list(rows), all_hours)
    thresholds = list(CapacityThreshold.objects.active().filter(service=service, unit=unit))
    grid = []
    for day in days:
        by_local_hour = defaultdict(list)
        for hour in _day_hours(day):
            by_local_hour[timezone.localtime(hour).hour].append(hour)
        cells = []
        for local_hour in range(24):
            # Clock changes: 01:00 is missing in March and repeated in October. Columns
            # stay aligned with the header; a repeated hour shows the busier of the two.
            utc_hours = by_local_hour.get(local_hour, [])
            if not utc_hours:
                cells.append({"gap": True, "label": f"{local_hour:02d}:00"})
                continue
            band = capacity.threshold_at(thresholds, utc_hours[0])
            limit = band.max_volume if band else None
            total = max(round(totals[h]) for h in utc_hours)
            cells.append({"hour": timezone.localtime(utc_hours[0]), "total": total,
                          "limit": limit, "level": _level(total, limit),
                          "repeated": len(utc_hours) > 1})
        grid.append({"day": day, "cells": cells})
    return render(request, "demand/calendar.html", {
        "service": service, "mode": mode, "form": form, "grid": grid, "unit": Unit(unit),
        "thresholds": thresholds, "hours": range(24),
    })


def _forecast_volume(rows, start, end):
    """Return the volume rows [(start, end, rate)] expect within [start, end)."""
    total = 0.0
    for row_start, row_end, rate in rows:
        overlap = (min(row_end, end) - max(row_start, start)).total_seconds()
        if overlap > 0:
            total += rate * overlap / 3600
    return total


def _chart(series, width=600, height=160, pad=24):
    """Return SVG polyline points for each named series of daily values, on one scale."""
    top = max([v for values in series.values() for v in values] + [1])
    count = max(len(v) for v in series.values())
    step = (width - 2 * pad) / max(count - 1, 1)

    def points(values):
        return " ".join(f"{pad + i * step:.1f},{height - pad - v / top * (height - 2 * pad):.1f}"
                        for i, v in enumerate(values))

    return {"width": width, "height": height, "top": round(top),
            "lines": {name: points(values) for name, values in series.items()}}


@login_required
def forecast_vs_actual(request, code):
    """Forecast and actual volume per day (and per participant for staff), with a trend chart."""
    service, mode, form, start, end, days, unit = _context(request, code)
    forecasts = list(_forecasts(request, service, mode, unit, start, end).values_list(
        "organisation__name", "window_start", "window_end", "volume"))
    actuals = (ActualVolume.objects.visible_to(request.user)
               .filter(service=service, unit=unit, hour_start__gte=start, hour_start__lt=end))
    tz = LONDON
    actual_by_day = defaultdict(int)
    for hour, volume in actuals.values_list("hour_start", "volume"):
        actual_by_day[hour.astimezone(tz).date()] += volume
    daily = []
    for day in days:
        day_start = datetime.combine(day, time(0), tzinfo=tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        expected = _forecast_volume([f[1:] for f in forecasts], day_start, day_end)
        daily.append({"day": day, "forecast": round(expected), "actual": actual_by_day[day]})
    participants = []
    if mode == "all":
        by_org = defaultdict(list)
        for name, *rest in forecasts:
            by_org[name].append(rest)
        actual_by_org = dict(actuals.values_list("participant__name").annotate(total=Sum("volume")))
        for name in sorted(set(by_org) | set(actual_by_org)):
            expected = round(_forecast_volume(by_org.get(name, []), start, end))
            actual = actual_by_org.get(name, 0)
            participants.append({"name": name, "forecast": expected, "actual": actual,
                                 "difference": actual - expected})
    chart = _chart({"forecast": [d["forecast"] for d in daily],
                    "actual": [d["actual"] for d in daily]})
    return render(request, "demand/forecast_vs_actual.html", {
        "service": service, "mode": mode, "form": form, "daily": daily,
        "participants": participants, "chart": chart, "unit": Unit(unit),
    })
