"""Capacity arithmetic: time bands in UK time, and peak concurrent demand by sweep line.

The evaluation of a forecast splits its window into pieces, each under one
capacity band (bands are UK local time, so DST moves them in UTC), and asks
the database for the peak concurrent volume in each piece. The peak is a
sweep over the window endpoints: +volume where a forecast starts, -volume
where it ends, a running SUM() OVER (ORDER BY time) and its maximum. Ends sort
before starts at the same instant because windows are half-open [start, end).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils.dateparse import parse_datetime

from kernel.periods import LONDON

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class Piece:
    """A part of a window [start, end) under one band (threshold None: no limit set)."""

    start: datetime
    end: datetime
    threshold: object


@dataclass(frozen=True)
class Breach:
    threshold: object
    peak_volume: int
    peak_at: datetime
    start: datetime
    end: datetime

    @property
    def excess(self):
        return self.peak_volume - self.threshold.max_volume


def _band_end_date(band, day):
    return day if band.end_time > band.start_time else day + timedelta(days=1)


def _weekly_minutes(band):
    """Return the band as [start, end) minute intervals within a week (Monday 00:00 = 0)."""
    start = band.start_time.hour * 60 + band.start_time.minute
    end = band.end_time.hour * 60 + band.end_time.minute
    length = end - start if end > start else MINUTES_PER_DAY - start + end
    out = []
    for day in band.weekday_numbers:
        lo = day * MINUTES_PER_DAY + start
        hi = lo + length
        if hi <= MINUTES_PER_WEEK:
            out.append((lo, hi))
        else:  # Sunday evening into Monday morning
            out += [(lo, MINUTES_PER_WEEK), (0, hi - MINUTES_PER_WEEK)]
    return out


def bands_overlap(a, b):
    """Return True if two day/time bands share any minute of the week."""
    return any(lo1 < hi2 and lo2 < hi1
               for lo1, hi1 in _weekly_minutes(a) for lo2, hi2 in _weekly_minutes(b))


def pieces(thresholds, start, end):
    """Split [start, end) into Pieces by band; times no band covers get the catch-all band."""
    tz = LONDON
    specific = [t for t in thresholds if not t.other_times]
    catch_all = next((t for t in thresholds if t.other_times), None)
    found = []
    day = start.astimezone(tz).date() - timedelta(days=1)  # a band from yesterday may run on
    last = end.astimezone(tz).date()
    while day <= last:
        for band in specific:
            if day.weekday() not in band.weekday_numbers:
                continue
            band_start = datetime.combine(day, band.start_time, tzinfo=tz).astimezone(UTC)
            band_end = datetime.combine(_band_end_date(band, day), band.end_time,
                                        tzinfo=tz).astimezone(UTC)
            lo, hi = max(band_start, start), min(band_end, end)
            if lo < hi:
                found.append((lo, hi, band))
        day += timedelta(days=1)
    found.sort(key=lambda item: item[0])
    out, cursor = [], start
    for lo, hi, band in found:
        if lo > cursor:
            out.append(Piece(cursor, lo, catch_all))
        out.append(Piece(max(lo, cursor), hi, band))
        cursor = max(cursor, hi)
    if cursor < end:
        out.append(Piece(cursor, end, catch_all))
    return _merge(out)


def _merge(items):
    merged = []
    for piece in items:
        if piece.start >= piece.end:
            continue
        if merged and merged[-1].threshold == piece.threshold and merged[-1].end == piece.start:
            merged[-1] = Piece(merged[-1].start, piece.end, piece.threshold)
        else:
            merged.append(piece)
    return merged


def threshold_at(thresholds, moment):
    """Return the band in force at `moment` (or None)."""
    found = pieces(thresholds, moment, moment + timedelta(seconds=1))
    return found[0].threshold if found else None


def _to_db(value):
    return connection.ops.adapt_datetimefield_value(value)


def _from_db(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


PEAK_SQL = """
WITH f AS ({overlapping}),
ev AS (
    SELECT CASE WHEN window_start > %s THEN window_start ELSE %s END AS t, volume AS d FROM f
    UNION ALL
    SELECT CASE WHEN window_end < %s THEN window_end ELSE %s END AS t, -volume AS d FROM f
),
run AS (
    SELECT t, SUM(d) OVER (ORDER BY t, d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total
    FROM ev
)
SELECT t, total FROM run ORDER BY total DESC, t LIMIT 1
"""


def peak_concurrent(forecasts, *, service_id, unit, start, end):
    """Return (peak volume per hour, when it starts) of `forecasts` overlapping [start, end).

    Runs in the database as one statement; the overlapping set comes from the
    ORM (ForecastQuerySet.overlapping on `forecasts`, e.g. Forecast.objects) so the
    index-friendly filter is written once.
    """
    overlapping = forecasts.overlapping(service_id=service_id, unit=unit, start=start,
                                        end=end).order_by()
    sql, params = overlapping.values("window_start", "window_end", "volume").query.sql_with_params()
    db_start, db_end = _to_db(start), _to_db(end)
    with connection.cursor() as cursor:
        cursor.execute(PEAK_SQL.format(overlapping=sql),
                       [*params, db_start, db_start, db_end, db_end])
        row = cursor.fetchone()
    if row is None or row[1] is None or row[1] <= 0:
        return 0, start
    return int(row[1]), _from_db(row[0])


def worst_breach(forecasts, *, service_id, unit, start, end, thresholds):
    """Return the Breach with the largest excess of `forecasts` within [start, end), or None."""
    worst = None
    for piece in pieces(thresholds, start, end):
        if piece.threshold is None:
            continue
        peak, peak_at = peak_concurrent(forecasts, service_id=service_id, unit=unit,
                                        start=piece.start, end=piece.end)
        if peak > piece.threshold.max_volume:
            breach = Breach(piece.threshold, peak, peak_at, piece.start, piece.end)
            if worst is None or breach.excess > worst.excess:
                worst = breach
    return worst


def hourly_totals(forecasts, hours):
    """Return {hour_start: expected volume in that hour} for the given hour starts (UTC).

    Volume in an hour = sum of each forecast's rate x the fraction of the hour it covers.
    """
    totals = dict.fromkeys(hours, 0.0)
    if not hours:
        return totals
    first = min(hours)
    for start, end, volume in forecasts:
        hour = first + timedelta(hours=max(0, int((start - first).total_seconds() // 3600)))
        while hour < end:
            if hour in totals:
                overlap = (min(end, hour + timedelta(hours=1)) - max(start, hour)).total_seconds()
                if overlap > 0:
                    totals[hour] += volume * overlap / 3600
            hour += timedelta(hours=1)
            if hour > max(hours):
                break
    return totals
