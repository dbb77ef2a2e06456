"""Render a ReportContent as PDF with reportlab, charts drawn with reportlab.graphics.

Layout rules: services are named as readers know them (never by code); count charts have
whole-number axes; a heading stays with what follows it and a chart is never split, but
nothing forces a page break, so no page is left mostly blank; every page carries
"Page n of N"; the first page has a contents line with the page of each section.
"""

import io
import math

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ..kpis.engine import SEVERITIES
from .formatting import fmt_value, local_time

BLUE, GREEN, RED = colors.HexColor("#1d70b8"), colors.HexColor("#00703c"), colors.HexColor("#d4351c")
WIDTH = 170 * mm


def _table(rows, widths=None):
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
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


LABEL_FONT_SIZE = 7
MAX_LABEL_WIDTH = 62 * mm


def _label(text, width=MAX_LABEL_WIDTH):
    """Return `text` shortened with an ellipsis to fit `width` points in the label font."""
    if stringWidth(text, "Helvetica", LABEL_FONT_SIZE) <= width:
        return text
    while text and stringWidth(text + "…", "Helvetica", LABEL_FONT_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def count_axis(axis, counts):
    """Give a count chart's value axis whole-number steps from 0 (never 0.5 of an incident)."""
    top = max([0, *counts])
    step = max(1, math.ceil(top / 5))
    axis.valueMin, axis.valueStep = 0, step
    axis.valueMax = max(step, math.ceil(top / step) * step)
    axis.labelTextFormat = "%d"


def availability_chart(content):
    rows = [(_label(s.name), r["availability"].value) for s, r in content.by_service
            if r["availability"].value is not None]
    height = max(80, 18 * len(rows) + 50)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    label_width = max([stringWidth(name, "Helvetica", LABEL_FONT_SIZE) for name, _ in rows]
                      + [30])
    chart.x = label_width + 8
    # Room below for the value axis labels, above for the title.
    chart.y, chart.width, chart.height = 22, WIDTH - chart.x - 15, height - 47
    chart.data = [[float(v) for _, v in rows] or [0]]
    chart.categoryAxis.categoryNames = [name for name, _ in rows] or ["(none)"]
    chart.categoryAxis.labels.fontSize = LABEL_FONT_SIZE
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
    counts = [result.by_severity[s][0] or 0 for s in SEVERITIES]
    chart.data = [counts]
    chart.categoryAxis.categoryNames = [f"Sev{s}" for s in SEVERITIES]
    count_axis(chart.valueAxis, counts)
    chart.bars[0].fillColor = RED
    drawing.add(chart)
    return _titled(drawing, "Incidents raised by severity")


def changes_chart(content):
    drawing = Drawing(WIDTH / 2, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, WIDTH / 2 - 50, 105
    counts = list(content.changes_by_type.values())
    chart.data = [counts]
    chart.categoryAxis.categoryNames = list(content.changes_by_type)
    chart.categoryAxis.labels.fontSize = LABEL_FONT_SIZE
    count_axis(chart.valueAxis, counts)
    chart.bars[0].fillColor = GREEN
    drawing.add(chart)
    return _titled(drawing, "Changes carried out by type")


def trend_chart(content):
    """Draw SLA attainment over the trailing periods; periods with nothing resolved are
    skipped (the line joins the periods that have a figure)."""
    title = "Resolved within SLA, last 12 periods (%; dashed: target)"
    labels = [p.first.strftime("%b %y") for p, _ in content.trend]
    points = [(i, float(r.value)) for i, (_, r) in enumerate(content.trend) if r.value is not None]
    if len(points) < 2:  # a short note, not a tall empty frame
        drawing = _titled(Drawing(WIDTH, 32), title)
        drawing.add(String(0, 6, "Too few periods with resolved incidents to draw a trend.",
                           fontName="Helvetica", fontSize=8))
        return drawing
    drawing = _titled(Drawing(WIDTH, 160), title)
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


class _NumberedCanvas(pdf_canvas.Canvas):
    """A canvas that writes "Page n of N" on every page once the page count is known."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.HexColor("#505a5f"))
            self.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


class _ReportDocument(SimpleDocTemplate):
    """Notes the page each section heading lands on (for the contents line)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section_pages = {}

    def afterFlowable(self, flowable):  # noqa: N802 - reportlab's name
        section = getattr(flowable, "section", None)
        if section:
            self.section_pages.setdefault(section, self.page)


def _heading(text, styles):
    heading = Paragraph(text, styles["Heading2"])
    heading.section = text
    return heading


def _section(heading, *flowables, styles):
    """Keep a heading with the start of its section; move on if too little room is left."""
    return [CondPageBreak(40 * mm), KeepTogether([_heading(heading, styles), *flowables[:1]]),
            *flowables[1:]]


def render(content):
    """Return the PDF bytes of the report.

    Built twice: the first pass finds the page of each section, the second writes the
    contents line with those pages (the layout does not change between the passes).
    """
    pages = {}
    for _ in range(2):
        buffer = io.BytesIO()
        doc = _ReportDocument(buffer, pagesize=A4, title=content.title,
                              leftMargin=20 * mm, rightMargin=20 * mm, bottomMargin=20 * mm)
        doc.build(_story(content, pages), canvasmaker=_NumberedCanvas)
        if doc.section_pages == pages:
            break
        pages = dict(doc.section_pages)
    return buffer.getvalue()


def _contents_line(sections, pages, styles):
    parts = [f"{name} (p. {pages[name]})" if name in pages else name for name in sections]
    return Paragraph("<b>Contents:</b> " + " · ".join(parts), styles["Normal"])


def _story(content, pages):
    styles = getSampleStyleSheet()
    sections = ["Key performance indicators, end to end", "By severity", "By service"]
    if content.is_internal:
        sections += ["By provider", "Provider returns against CSMS measurements (internal)"]
    sections += [table.title for table in content.scope_tables()]
    sections.append("Definitions")
    story = [Paragraph(content.title, styles["Title"]),
             Paragraph(f"Period {local_time(content.period.start)} to "
                       f"{local_time(content.period.end)} (UK time). Generated "
                       f"{local_time(content.generated_at)}.", styles["Normal"]),
             Spacer(1, 2 * mm), _contents_line(sections, pages, styles), Spacer(1, 4 * mm)]
    rows = [["KPI", "Value", "Target", "Met", "Based on"]]
    for result in content.end_to_end.values():
        kpi = result.definition
        rows.append([kpi.title, fmt_value(result.value, kpi.unit),
                     fmt_value(result.target, kpi.unit), _met(result.met),
                     str(result.population)])
    story += _section(sections[0], _table(rows, [70 * mm, 30 * mm, 25 * mm, 15 * mm, 25 * mm]),
                      styles=styles)
    story += [Spacer(1, 4 * mm), KeepTogether(availability_chart(content)),
              KeepTogether(Table([[severity_chart(content), changes_chart(content)]])),
              KeepTogether(trend_chart(content))]
    story += _severity_section(content, styles) + _service_section(content, styles)
    if content.is_internal:
        story += _provider_section(content, styles) + _reconciliation_section(content, styles)
    for table in content.scope_tables():  # laid out from the content's data layer
        story += _section(table.title, _table(table.text_rows()), styles=styles)
    notes = [Paragraph(note, styles["BodyText"]) for note in content.definition_notes()]
    notes += [Paragraph(f"<b>{kpi.title}</b> ({kpi.unit}): {kpi.definition}",
                        styles["BodyText"]) for kpi in content.definitions()]
    story += _section("Definitions", *notes, styles=styles)
    return story


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
    return _section("By severity", _table(rows), styles=styles)


def _scope_table(groups, label):
    keys = ["availability", "interruptions", "incidents", "resolution_hours",
            "resolved_within_sla", "escalations"]
    rows = [[label, "Avail. %", "Interr.", "Incidents", "Resol. h", "In SLA %", "Escal."]]
    for name, results in groups:
        rows.append([name, *[fmt_value(results[k].value, results[k].definition.unit)
                             for k in keys]])
    return _table(rows)


def _service_section(content, styles):
    return _section("By service",
                    _scope_table([(s.name, r) for s, r in content.by_service], "Service"),
                    styles=styles)


def _provider_section(content, styles):
    return _section("By provider",
                    _scope_table([(p.name, r) for p, r in content.by_provider], "Provider"),
                    styles=styles)


def _reconciliation_section(content, styles):
    rows = [["Provider", "KPI", "Scope", "Reported", "Measured", "Diff.", "Check"]]
    for line in content.reconciliation:
        rows.append([line.provider.name, line.kpi.title, line.scope_label,
                     fmt_value(line.reported, line.kpi.unit),
                     fmt_value(line.measured, line.kpi.unit),
                     fmt_value(line.difference, line.kpi.unit),
                     _check(line)])
    statuses = [["Provider", "Due", "Return"]] + [
        [s.provider.name, s.due_on.strftime("%d %b %Y"), s.state.capitalize()]
        for s in content.return_statuses]
    return _section("Provider returns against CSMS measurements (internal)", _table(statuses),
                    Spacer(1, 3 * mm), _table(rows), styles=styles)


def _check(line):
    """Say "DIFFERS" only where a reported and a measured figure were both there to compare."""
    if line.reported is None:
        return "no figure returned"
    if line.measured is None:
        return "nothing measured"
    return "DIFFERS" if line.flagged else "agrees"
