"""Provider KPI returns: the published schema, validation (API, CSV, XLSX) and reconciliation.

Option 3 (strategy s.7.43): each CDS provider sends a periodic summary of the
agreed KPIs; Switching Operations sets it beside what the CSMS measured from
its own records. One validator serves the API and both file formats, so a
figure is accepted or refused for the same reason whichever way it arrives.
Errors name the field (API: "figures.3.value") or the cell (files: row and
column), so a provider can fix its return without asking the desk.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone

from kernel.periods import Kind, Period
from services.models import BusinessCalendar, Service

from .kpis import definitions

MAX_FIGURES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024  # a month's return is a few kilobytes
COLUMNS = ["kpi", "service", "severity", "value"]
# A return is due this many England & Wales working days after the month ends.
DEFAULT_DUE_WORKING_DAYS = 5


def due_working_days():
    return int(getattr(settings, "REPORTING_RETURN_DUE_WORKING_DAYS", DEFAULT_DUE_WORKING_DAYS))


def due_on(period):
    """Return the date a return for `period` is due (E&W working days after its last day)."""
    return BusinessCalendar.england_and_wales().add_working_days(period.last, due_working_days())


def json_schema():
    """Return the JSON Schema (2020-12) of a return, built from the KPI registry."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "/api/v1/kpi-returns/schema.json",
        "title": "Provider KPI return",
        "description": "A CDS provider's monthly summary of the agreed KPIs (strategy s.7.43). "
                       "Each figure is for the provider as a whole (no service) or for one of "
                       "its services, and for KPIs reported by severity optionally for one "
                       "severity. Resubmitting a period replaces the earlier return.",
        "type": "object",
        "required": ["period", "figures"],
        "additionalProperties": False,
        "properties": {
            "period": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$",
                       "description": "The month reported on, e.g. 2026-10 (UK time)."},
            "notes": {"type": "string", "maxLength": 5000},
            "figures": {
                "type": "array", "minItems": 1, "maxItems": MAX_FIGURES,
                "items": {
                    "type": "object", "required": ["kpi", "value"],
                    "additionalProperties": False,
                    "properties": {
                        "kpi": {"enum": definitions.KEYS, "description": "; ".join(
                            f"{k.key}: {k.title} ({k.unit})" for k in definitions.KPIS)},
                        "service": {"type": ["string", "null"],
                                    "description": "Service code; empty for your total."},
                        "severity": {"type": ["integer", "null"], "minimum": 1, "maximum": 4,
                                     "description": "Only for KPIs reported by severity."},
                        "value": {"type": "number", "minimum": 0},
                    },
                },
            },
        },
    }


@dataclass(frozen=True)
class CleanFigure:
    kpi: str
    service: Service | None
    severity: int | None
    value: Decimal


class ReturnErrors(Exception):
    """Validation failed; `errors` maps a field path or cell to messages."""

    def __init__(self, errors):
        super().__init__("The KPI return has errors.")
        self.errors = errors


def clean_period(text, *, now=None):
    """Return the month Period named by `text`; it must be over. Raise ValueError."""
    if not isinstance(text, str) or len(text) != 7:
        raise ValueError("Give the month reported on as YYYY-MM, e.g. 2026-10.")
    period = Period.parse(text)
    if period.kind != Kind.MONTH:
        raise ValueError("Give the month reported on as YYYY-MM, e.g. 2026-10.")
    if not period.is_over(now):
        raise ValueError(f"{period.label} is not over yet; send its return after it ends.")
    return period


def _clean_value(raw, kpi):
    if isinstance(raw, bool) or raw is None or raw == "":
        raise ValueError("Enter a number.")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"'{raw}' is not a number.") from None
    if not value.is_finite() or value < 0:
        raise ValueError("Enter a number of zero or more.")
    if kpi.unit == "%" and value > 100:
        raise ValueError("A percentage cannot exceed 100.")
    if kpi.unit == "count" and value != value.to_integral_value():
        raise ValueError("A count must be a whole number.")
    if value >= Decimal("1e11"):
        raise ValueError("The number is too large.")
    return value.quantize(Decimal("0.001"))


def clean_figure(item, *, services_by_code):
    """Return (CleanFigure, None) or (None, {field: message}) for one figure."""
    if not isinstance(item, dict):
        return None, {"": "Each figure must be an object with kpi and value."}
    errors = {}
    unknown = set(item) - set(COLUMNS)
    if unknown:
        errors[sorted(unknown)[0]] = "Unknown field; use kpi, service, severity and value."
    kpi = definitions.REGISTRY.get(str(item.get("kpi") or "").strip())
    if kpi is None:
        errors["kpi"] = f"Unknown KPI '{item.get('kpi') or ''}'. Use one of: " \
                        f"{', '.join(definitions.KEYS)}."
    code = str(item.get("service") or "").strip()
    service = services_by_code.get(code) if code else None
    if code and service is None:
        errors["service"] = f"'{code}' is not one of your services."
    severity = item.get("severity")
    if severity in ("", None):
        severity = None
    else:
        try:
            severity = int(str(severity).strip())
            if severity not in (1, 2, 3, 4):
                raise ValueError
        except ValueError:
            errors["severity"] = "Severity must be 1, 2, 3 or 4 (or empty)."
            severity = None
        if kpi is not None and severity is not None and not kpi.by_severity:
            errors["severity"] = f"{kpi.title} is not reported by severity; leave it empty."
        if kpi is not None and severity is not None and service is not None:
            errors["severity"] = "Give a severity only for your total (no service)."
    if kpi is not None and kpi.family in definitions.TOTAL_ONLY_FAMILIES and service is not None:
        errors["service"] = f"{kpi.title} is reported for your total only; leave it empty."
    value = None
    if kpi is not None:
        try:
            value = _clean_value(item.get("value"), kpi)
        except ValueError as exc:
            errors["value"] = str(exc)
    if errors:
        return None, errors
    return CleanFigure(kpi.key, service, severity, value), None


def clean_figures(items, *, provider, location):
    """Return [CleanFigure] or raise ReturnErrors; `location(i, field)` names an error's place."""
    services_by_code = {s.code: s for s in Service.objects.active().filter(provider=provider)}
    if not items:
        raise ReturnErrors({location(None, "figures"): ["Give at least one figure."]})
    if len(items) > MAX_FIGURES:
        raise ReturnErrors({location(None, "figures"): [f"At most {MAX_FIGURES} figures."]})
    errors, figures, seen = {}, [], {}
    for index, item in enumerate(items):
        figure, problems = clean_figure(item, services_by_code=services_by_code)
        for field, message in (problems or {}).items():
            errors.setdefault(location(index, field), []).append(message)
        if figure is None:
            continue
        key = (figure.kpi, figure.service, figure.severity)
        if key in seen:
            errors.setdefault(location(index, "kpi"), []).append(
                f"Repeats the figure at {location(seen[key], 'kpi')}.")
        seen.setdefault(key, index)
        figures.append(figure)
    if errors:
        raise ReturnErrors(errors)
    return figures


def clean_payload(data, *, provider, now=None):
    """Validate an API payload; return (period, figures, notes) or raise ReturnErrors."""
    if not isinstance(data, dict):
        raise ReturnErrors({"non_field_errors": ["Send a JSON object (see schema.json)."]})
    errors = {}
    unknown = set(data) - {"period", "figures", "notes"}
    if unknown:
        errors[sorted(unknown)[0]] = ["Unknown field; see /api/v1/kpi-returns/schema.json."]
    try:
        period = clean_period(data.get("period"), now=now)
    except ValueError as exc:
        errors["period"] = [str(exc)]
        period = None
    notes = data.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > 5000:
        errors["notes"] = ["Notes must be text of at most 5000 characters."]
    items = data.get("figures")
    if not isinstance(items, list):
        errors["figures"] = ["Send figures as a list of objects."]
        items = None
    if items is not None:
        try:
            figures = clean_figures(
                items, provider=provider,
                location=lambda i, f: f if i is None else f"figures.{i}.{f}" if f else
                f"figures.{i}")
        except ReturnErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise ReturnErrors(errors)
    return period, figures, notes


# --- files --------------------------------------------------------------------
def read_rows(upload):
    """Return the data rows of an uploaded CSV or XLSX as dicts (header names lower-cased),
    each with its spreadsheet row number; raise ReturnErrors for an unreadable file."""
    name = (getattr(upload, "name", "") or "").lower()
    if (getattr(upload, "size", 0) or 0) > MAX_FILE_BYTES:
        raise ReturnErrors({"file": ["The file is larger than 2 MB; a return needs only a few "
                                     "rows."]})
    raw = upload.read(MAX_FILE_BYTES + 1)
    if name.endswith(".xlsx"):
        return _xlsx_rows(raw)
    if name.endswith(".csv"):
        return _csv_rows(raw)
    raise ReturnErrors({"file": ["Upload a .csv or .xlsx file."]})


def _header(cells):
    header = [str(c or "").strip().lower() for c in cells]
    missing = [c for c in ("kpi", "value") if c not in header]
    if missing:
        raise ReturnErrors({"file": [f"Row 1 must name the columns {', '.join(COLUMNS)}; "
                                     f"missing: {', '.join(missing)}."]})
    return header


def _csv_rows(raw):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReturnErrors({"file": ["The CSV must be UTF-8 text."]}) from None
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise ReturnErrors({"file": ["The file is empty."]})
    header = _header(lines[0])
    return [(number, dict(zip(header, cells, strict=False)))
            for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]


def _xlsx_rows(raw):
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        lines = list(sheet.iter_rows(values_only=True, max_row=MAX_FIGURES + 2))
    except Exception:  # openpyxl raises many types for a damaged or non-Excel file
        raise ReturnErrors({"file": ["The file is not a readable Excel (.xlsx) workbook."]}) \
            from None
    if not lines:
        raise ReturnErrors({"file": ["The workbook's first sheet is empty."]})
    header = _header(lines[0])
    return [(number, {k: ("" if v is None else v) for k, v in zip(header, cells, strict=False)})
            for number, cells in enumerate(lines[1:], start=2)
            if any(v not in (None, "") for v in cells)]


def clean_file(upload, *, provider):
    """Validate an uploaded file; return [CleanFigure] or raise ReturnErrors keyed by cell."""
    rows = read_rows(upload)
    numbers = [number for number, _ in rows]
    items = [{k: v for k, v in row.items() if k in COLUMNS} for _, row in rows]

    def location(index, field):
        if index is None:
            return "file"
        column = f", column {field}" if field else ""
        return f"Row {numbers[index]}{column}"

    return clean_figures(items, provider=provider, location=location)


def now_local_date(now=None):
    return timezone.localtime(now or timezone.now()).date()
