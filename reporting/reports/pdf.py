"""Render a ReportContent as PDF with reportlab, charts drawn with reportlab.graphics."""

import io

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..kpis.engine import SEVERITIES
from .formatting import fmt_value, local_time

BLUE, GREEN, RED = colors.HexColor("#1d70b8"), colors.HexColor("#00703c"), colors.HexColor("#d4351c")
WIDTH = 170 * mm


def _table(rows, widths=None):
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f3")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b1b4b6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _titled(drawing, title):
    drawing.add(String(0, drawing.height - 10, title, fontName="Helvetica-Bold", fontSize=9))
    return drawing


def availability_chart(content):
    rows = [(s.code, r["availability"].value) for s, r in content.by_service
            if r["availability"].value is not None]
    height = max(80, 18 * len(rows) + 40)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70, 10, WIDTH - 90, height - 35
    chart.data = [[float(v) for _, v in rows] or [0]]
    chart.categoryAxis.categoryNames = [code for code, _ in rows] or ["(none)"]
    chart.categoryAxis.labels.fontSize = 7
    low = min([float(v) for _, v in rows] + [99.0])
    chart.valueAxis.valueMin = max(0, int(low) - 1)
    chart.valueAxis.valueMax = 100
    chart.bars[0].fillColor = BLUE
    drawing.add(chart)
    return _titled(drawing, "Availability per service (%)")


def severity_chart(content):
    result = content.end_to_end["incidents"]
    drawing = Drawing(WIDTH / 2, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, WIDTH / 2 - 50, 105
    chart.data = [[result.by_severity[s][0] for s in SEVERITIES]]
    chart.categoryAxis.categoryNames = [f"Sev{s}" for s in SEVERITIES]
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = RED
    drawing.add(chart)
    return _titled(drawing, "Incidents raised by severity")


def changes_chart(content):
    drawing = Drawing(WIDTH / 2, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, WIDTH / 2 - 50, 105
    chart.data = [list(content.changes_by_type.values())]
    chart.categoryAxis.categoryNames = list(content.changes_by_type)
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = GREEN
    drawing.add(chart)
    return _titled(drawing, "Changes carried out by type")


def trend_chart(content):
    """Draw SLA attainment over the trailing periods; periods with nothing resolved are
    skipped (the line joins the periods that have a figure)."""
    drawing = _titled(Drawing(WIDTH, 160),
                      "Resolved within SLA, last 12 periods (%; dashed: target)")
    labels = [p.first.strftime("%b %y") for p, _ in content.trend]
    points = [(i, float(r.value)) for i, (_, r) in enumerate(content.trend) if r.value is not None]
    if len(points) < 2:
        drawing.add(String(0, 60, "Too few periods with resolved incidents to draw a trend.",
                           fontName="Helvetica", fontSize=8))
        return drawing
    chart = LinePlot()
    chart.x, chart.y, chart.width, chart.height = 40, 25, WIDTH - 60, 105
    target = float(content.end_to_end["resolved_within_sla"].target or 0)
    chart.data = [points, [(0, target), (len(labels) - 1, target)]]
    chart.xValueAxis.valueMin, chart.xValueAxis.valueMax = 0, len(labels) - 1
    chart.xValueAxis.valueSteps = list(range(len(labels)))
    chart.xValueAxis.labelTextFormat = lambda i: labels[int(i)] if 0 <= i < len(labels) else ""
    chart.xValueAxis.labels.fontSize = 7
    chart.yValueAxis.valueMin, chart.yValueAxis.valueMax = 0, 100
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = BLUE, 2
    chart.lines[1].strokeColor, chart.lines[1].strokeDashArray = RED, (3, 3)
    drawing.add(chart)
    return drawing


def render(content):
    """Return the PDF bytes of the report."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=content.title,
                            leftMargin=20 * mm, rightMargin=20 * mm)
    story = [Paragraph(content.title, styles["Title"]),
             Paragraph(f"Period {local_time(content.period.start)} to "
                       f"{local_time(content.period.end)} (UK time). Generated "
                       f"{local_time(content.generated_at)}.", styles["Normal"]),
             Spacer(1, 6 * mm), Paragraph("Key performance indicators, end to end",
                                          styles["Heading2"])]
    rows = [["KPI", "Value", "Target", "Met", "Based on"]]
    for result in content.end_to_end.values():
        kpi = result.definition
        rows.append([kpi.title, fmt_value(result.value, kpi.unit),
                     fmt_value(result.target, kpi.unit), _met(result.met),
                     str(result.population)])
    story += [_table(rows, [70 * mm, 30 * mm, 25 * mm, 15 * mm, 25 * mm]), Spacer(1, 4 * mm),
              availability_chart(content), Table([[severity_chart(content),
                                                   changes_chart(content)]]),
              trend_chart(content), PageBreak()]
    story += _severity_section(content, styles) + _service_section(content, styles)
    if content.is_internal:
        story += _provider_section(content, styles) + _reconciliation_section(content, styles)
    for table in content.scope_tables():  # laid out from the content's data layer
        story += [Paragraph(table.title, styles["Heading2"]), _table(table.text_rows())]
    story += [Paragraph("Definitions", styles["Heading2"])]
    story += [Paragraph(note, styles["BodyText"]) for note in content.definition_notes()]
    for kpi in content.definitions():
        story.append(Paragraph(f"<b>{kpi.title}</b> ({kpi.unit}): {kpi.definition}",
                               styles["BodyText"]))
    doc.build(story)
    return buffer.getvalue()


def _met(met):
    return {True: "Yes", False: "No"}.get(met, "–")


def _severity_section(content, styles):
    keys = [k for k, r in content.end_to_end.items() if r.definition.by_severity]
    rows = [["KPI", *[f"Sev{s}" for s in SEVERITIES]]]
    for key in keys:
        result = content.end_to_end[key]
        rows.append([result.definition.title, *[fmt_value(result.by_severity[s][0],
                                                          result.definition.unit)
                                                for s in SEVERITIES]])
    return [Paragraph("By severity", styles["Heading2"]), _table(rows)]


def _scope_table(groups, label):
    keys = ["availability", "interruptions", "incidents", "resolution_hours",
            "resolved_within_sla", "escalations"]
    rows = [[label, "Avail. %", "Interr.", "Incidents", "Resol. h", "In SLA %", "Escal."]]
    for name, results in groups:
        rows.append([name, *[fmt_value(results[k].value, results[k].definition.unit)
                             for k in keys]])
    return _table(rows)


def _service_section(content, styles):
    return [Paragraph("By service", styles["Heading2"]),
            _scope_table([(s.name, r) for s, r in content.by_service], "Service")]


def _provider_section(content, styles):
    return [Paragraph("By provider", styles["Heading2"]),
            _scope_table([(p.name, r) for p, r in content.by_provider], "Provider")]


def _reconciliation_section(content, styles):
    rows = [["Provider", "KPI", "Scope", "Reported", "Measured", "Diff.", "Check"]]
    for line in content.reconciliation:
        rows.append([line.provider.name, line.kpi.title, line.scope_label,
                     fmt_value(line.reported, line.kpi.unit),
                     fmt_value(line.measured, line.kpi.unit),
                     fmt_value(line.difference, line.kpi.unit),
                     "DIFFERS" if line.flagged else "agrees"])
    statuses = [["Provider", "Due", "Return"]] + [
        [s.provider.name, s.due_on.strftime("%d %b %Y"), s.state] for s in content.return_statuses]
    return [Paragraph("Provider returns against CSMS measurements (internal)",
                      styles["Heading2"]), _table(statuses), Spacer(1, 3 * mm), _table(rows)]
