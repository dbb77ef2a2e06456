"""Read forecast and actual-volume CSV files, checking every row before anything is stored.

The import is all-or-nothing: a file with any bad row stores nothing and the
report lists every bad row (row number as a spreadsheet shows it, the header
being row 1; column; message), so a participant fixes the file in one pass.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC

from django.utils.dateparse import parse_datetime

from accounts.models import Organisation
from kernel.periods import LONDON
from services.models import Service

from .models import Unit, validate_window

MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024

FORECAST_COLUMNS = ["service", "window_start", "window_end", "volume", "unit", "reason"]
FORECAST_REQUIRED = ["service", "window_start", "window_end", "volume", "reason"]
ACTUAL_COLUMNS = ["service", "participant", "hour_start", "volume", "unit"]
ACTUAL_REQUIRED = ["service", "participant", "hour_start", "volume"]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Report:
    rows: list = field(default_factory=list)  # dicts of clean values, in file order
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def add(self, row, column, message):
        self.errors.append(RowError(row, column, message))


def parse_uk_datetime(text):
    """Return an aware UTC datetime from ISO 8601; a time without offset is UK local time.

    Raise ValueError with a readable message for a malformed time or a local
    time that does not exist or happens twice at a clock change.
    """
    value = parse_datetime(text.strip().replace("/", "-")) if text.strip() else None
    if value is None:
        raise ValueError("Use a date and time like 2026-03-29T08:00 (UK time) or with an offset.")
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = LONDON
    first, second = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
            raise ValueError(f"{text.strip()} does not exist in UK time (clocks go forward).")
        raise ValueError(f"{text.strip()} happens twice in UK time (clocks go back); "
                         "add the offset, e.g. +01:00 or +00:00.")
    return first.astimezone(UTC)


def _unit(text):
    text = (text or "").strip()
    if not text:
        return Unit.SWITCH_REQUESTS
    for value, label in Unit.choices:
        if text.lower() in (value, label.lower()):
            return value
    raise ValueError("Unknown unit; use one of: " + ", ".join(Unit.values) + ".")


def _volume(text):
    try:
        value = int((text or "").strip())
    except ValueError:
        raise ValueError("Use a whole number.") from None
    if value < 1 or value > 10_000_000:
        raise ValueError("Use a whole number from 1 to 10,000,000.")
    return value


def _read(upload, required, columns, report):
    """Yield (row number, {column: text}) from an uploaded file, or record a file-level error."""
    raw = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else upload
    if len(raw) > MAX_BYTES:
        report.add(0, "", "The file is larger than 5 MB; split it.")
        return
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        report.add(0, "", "The file is not UTF-8 text; save it as CSV UTF-8.")
        return
    if not text.strip():
        report.add(0, "", "The file is empty; it has no data rows.")
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    if missing:
        report.add(1, ", ".join(missing),
                   "Missing column(s). Expected: " + ", ".join(columns) + ".")
        return
    reader.fieldnames = header
    count = 0
    try:
        for record in reader:
            count += 1
            if count > MAX_ROWS:
                report.add(reader.line_num, "", f"More than {MAX_ROWS:,} rows; split the file.")
                return
            if None in record:
                report.add(reader.line_num, "", "More values than columns in this row.")
                continue
            if not any((value or "").strip() for value in record.values()):
                continue  # blank line
            yield reader.line_num, {k: (v or "").strip() for k, v in record.items()}
    except csv.Error as exc:
        report.add(reader.line_num, "", f"Not valid CSV: {exc}.")
    if count == 0:
        report.add(1, "", "The file has no data rows.")


def _services_by_code():
    return {s.code: s for s in Service.objects.active().only("pk", "code", "provider_id")}


def read_forecasts(upload):
    """Return a Report whose rows are clean forecast values (service, window, volume, ...)."""
    report = Report()
    services = _services_by_code()
    for row, record in _read(upload, FORECAST_REQUIRED, FORECAST_COLUMNS, report):
        clean, bad = {}, False
        for column, parse in (("service", lambda v: _service(services, v)),
                              ("window_start", parse_uk_datetime),
                              ("window_end", parse_uk_datetime),
                              ("volume", _volume), ("unit", _unit)):
            try:
                clean[column] = parse(record.get(column, ""))
            except ValueError as exc:
                report.add(row, column, str(exc))
                bad = True
        if not record.get("reason"):
            report.add(row, "reason", "Say why the demand is expected.")
            bad = True
        clean["reason"] = record.get("reason", "")[:2000]
        if not bad:
            for column, message in validate_window(clean["window_start"],
                                                   clean["window_end"]).items():
                report.add(row, column, message)
                bad = True
        if not bad:
            report.rows.append(clean)
    return report


def _service(services, code):
    service = services.get(code.lower())
    if service is None:
        raise ValueError(f"No active service with code '{code}'.")
    return service


def read_actuals(upload, *, reporting_organisation=None, participants=None):
    """Return a Report of clean hourly actuals; a provider may report only its own services."""
    report = Report()
    services = _services_by_code()
    participants = participants or {
        o.short_code: o for o in Organisation.objects.market_participants().only("pk", "short_code")
    }
    seen = set()
    for row, record in _read(upload, ACTUAL_REQUIRED, ACTUAL_COLUMNS, report):
        clean, bad = {}, False
        try:
            clean["service"] = _service(services, record.get("service", ""))
            if (reporting_organisation is not None
                    and clean["service"].provider_id != reporting_organisation.pk):
                raise ValueError("You can report volumes only for services you provide.")
        except ValueError as exc:
            report.add(row, "service", str(exc))
            bad = True
        participant = participants.get(record.get("participant", "").lower())
        if participant is None:
            report.add(row, "participant", "No Market Participant with that short code.")
            bad = True
        clean["participant"] = participant
        try:
            hour = parse_uk_datetime(record.get("hour_start", ""))
            if hour.minute or hour.second or hour.microsecond:
                raise ValueError("Give the start of an hour, e.g. 2026-03-02T09:00.")
            clean["hour_start"] = hour
        except ValueError as exc:
            report.add(row, "hour_start", str(exc))
            bad = True
        for column, parse in (("volume", _volume), ("unit", _unit)):
            try:
                clean[column] = parse(record.get(column, ""))
            except ValueError as exc:
                report.add(row, column, str(exc))
                bad = True
        if not bad:
            key = (clean["service"].pk, clean["unit"], participant.pk, clean["hour_start"])
            if key in seen:
                report.add(row, "hour_start", "This service, participant and hour appear twice.")
                continue
            seen.add(key)
            report.rows.append(clean)
    return report
