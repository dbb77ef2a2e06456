"""Render a ReportContent as XLSX: one sheet per KPI family, figures as numbers with formats."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from ..kpis import definitions as definitions_
from ..kpis.definitions import AVAILABILITY, CHANGES, INCIDENTS
from ..kpis.engine import SEVERITIES
from .content import REQUEST_KEYS

FORMATS = {"%": "0.000", "minutes": "0.00", "hours": "0.00", "count": "0"}
BOLD = Font(bold=True)


def _number(value):
    """Return a cell value: Decimal -> float (a number in Excel), None stays empty."""
    return None if value is None else float(value)


def _sheet(book, title, header):
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    for column, _ in enumerate(header, start=1):
        sheet.column_dimensions[chr(64 + column)].width = 16 if column > 1 else 34
    return sheet


def _append(sheet, label, values):
    """Append a row of a label and (value, unit) pairs, formatting each number by unit."""
    sheet.append([label, *[_number(v) for v, _ in values]])
    for column, (_, unit) in enumerate(values, start=2):
        sheet.cell(sheet.max_row, column).number_format = FORMATS.get(unit, "0.00")


def _family_rows(sheet, keys, groups):
    for name, results in groups:
        _append(sheet, name, [(results[k].value, results[k].definition.unit) for k in keys])


def _groups(content):
    groups = [("End to end", content.end_to_end)]
    groups += [(s.name, r) for s, r in content.by_service]
    groups += [(f"{p.name} (provider)", r) for p, r in content.by_provider]
    return groups


def render(content):
    """Return the XLSX bytes of the report."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([content.title])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append(["KPI", "Value", "Unit", "Target", "Met", "Based on"])
    for cell in summary[2]:
        cell.font = BOLD
    for result in content.end_to_end.values():
        kpi = result.definition
        summary.append([kpi.title, _number(result.value), kpi.unit, _number(result.target),
                        result.met, result.population])
        row = summary[summary.max_row]
        row[1].number_format = row[3].number_format = FORMATS[kpi.unit]
    summary.column_dimensions["A"].width = 40

    groups = _groups(content)
    for family, title in ((AVAILABILITY, "Availability"), (INCIDENTS, "Incidents"),
                          (CHANGES, "Changes")):
        keys = [k for k, r in content.end_to_end.items() if r.definition.family == family]
        sheet = _sheet(book, title, ["Scope", *[content.end_to_end[k].definition.title
                                                for k in keys]])
        _family_rows(sheet, keys, groups)
        if family == AVAILABILITY:
            sheet.append([])
            sheet.append(["Service", "Target %", "Met"])
            for service, results in content.by_service:
                sheet.append([service.name, _number(results["availability"].target),
                              results["availability"].met])
        if family == INCIDENTS:
            sheet.append([])
            sheet.append(["End to end by severity", *[f"Sev{s}" for s in SEVERITIES]])
            for key in keys:
                result = content.end_to_end[key]
                _append(sheet, result.definition.title,
                        [(result.by_severity[s][0], result.definition.unit) for s in SEVERITIES])
        if family == CHANGES:
            sheet.append([])
            sheet.append(["Changes carried out by type", "Count"])
            for label, count in content.changes_by_type.items():
                sheet.append([label, count])

    requests = _sheet(book, "Requests", ["Scope", *[definitions_.get(k).title
                                                    for k in REQUEST_KEYS]])
    _family_rows(requests, REQUEST_KEYS, [("End to end", content.end_to_end)])
    for table in content.scope_tables():
        requests.append([])
        requests.append([table.title])
        requests.cell(requests.max_row, 1).font = BOLD
        _family_rows(requests, table.keys, table.groups)

    trend = _sheet(book, "SLA trend", ["Period", "Resolved within SLA %", "Incidents resolved"])
    for period, result in content.trend:
        _append(trend, period.label, [(result.value, "%"), (result.population, "count")])

    if content.is_internal:
        recon = _sheet(book, "Reconciliation", ["Provider", "KPI", "Scope", "Reported",
                                                "Measured", "Difference", "Tolerance", "Flagged"])
        for line in content.reconciliation:
            recon.append([line.provider.name, line.kpi.title, line.scope_label,
                          _number(line.reported), _number(line.measured),
                          _number(line.difference), _number(line.tolerance), line.flagged])
        returns = _sheet(book, "Returns", ["Provider", "Due", "State"])
        for status in content.return_statuses:
            returns.append([status.provider.name, status.due_on, status.state])
            returns.cell(returns.max_row, 2).number_format = "dd mmm yyyy"

    definitions = _sheet(book, "Definitions", ["KPI", "Unit", "Definition"])
    for note in content.definition_notes():
        definitions.append(["(all)", "", note])
    for kpi in content.definitions():
        definitions.append([kpi.title, kpi.unit, kpi.definition])
    definitions.column_dimensions["C"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_csv(content):
    """Return the report's figures as CSV bytes (one row per scope, KPI and severity)."""
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["period", "scope_kind", "scope", "kpi", "severity", "value", "unit",
                     "population", "target", "met"])
    for kind, name, key, sev, value, population, target, met, unit in content.rows():
        writer.writerow([content.period.key, kind, name, key, sev or "",
                         "" if value is None else value, unit, population,
                         "" if target is None else target, "" if met is None else met])
    return text.getvalue().encode("utf-8")
