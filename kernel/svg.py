"""Small server-drawn SVG charts for portal and console pages (no JavaScript, accessible).

Each chart carries role="img" and a <title> summarising the figures, and the
page shows the same figures in text beside it, so nothing depends on seeing it.
Shared by the reports' dashboard and the incidents app's reconciliation pages.
"""

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = {"ok": "#00703c", "warn": "#f47738", "bad": "#d4351c", "info": "#1d70b8"}


def _svg(width, height, title, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def bar_chart(title, items, *, unit="", maximum=None, colour="info", width=420, minimum=0):
    """Return horizontal bars for items [(label, value, colour or None)]."""
    row, label_w = 26, 130
    height = max(len(items), 1) * row + 8
    values = [float(v) for _, v, _ in items if v is not None]
    top = maximum if maximum is not None else max(values + [1])
    span = max(top - minimum, 1e-9)
    body = []
    for i, (label, value, tone) in enumerate(items):
        y = 4 + i * row
        body.append(f'<text x="0" y="{y + 16}" font-size="12">{escape(label)}</text>')
        if value is None:
            body.append(f'<text x="{label_w}" y="{y + 16}" font-size="12">–</text>')
            continue
        length = max(0.0, min(1.0, (float(value) - minimum) / span)) * (width - label_w - 70)
        fill = COLOURS[tone or colour]
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="17" '
                    f'fill="{fill}"/>')
        body.append(f'<text x="{label_w + length + 4:.1f}" y="{y + 16}" font-size="12">'
                    f"{escape(value)}{escape(unit)}</text>")
    return _svg(width, height, title, body)


def attainment_dial(title, percent, target):
    """Return a ring showing `percent` (0-100) coloured against `target`."""
    size, radius = 140, 52
    circumference = 2 * 3.14159 * radius
    share = 0 if percent is None else max(0.0, min(float(percent), 100.0)) / 100
    tone = "info" if percent is None else ("ok" if target is None or percent >= target else "bad")
    text = "–" if percent is None else f"{percent}%"
    body = [
        f'<circle cx="70" cy="70" r="{radius}" fill="none" stroke="#e6e8ea" stroke-width="14"/>',
        f'<circle cx="70" cy="70" r="{radius}" fill="none" stroke="{COLOURS[tone]}" '
        f'stroke-width="14" stroke-dasharray="{share * circumference:.1f} {circumference:.1f}" '
        f'transform="rotate(-90 70 70)"/>',
        f'<text x="70" y="76" font-size="18" text-anchor="middle" font-weight="bold">'
        f"{escape(text)}</text>",
    ]
    return _svg(size, size, title, body)


def step_chart(title, points, *, unit="", start=None, end=None, colour="info", width=520,
               height=200):
    """Return a stepped line of `points` [(moment, value)] over time: each value holds until
    the next (a backlog that falls as progress is reported). `start`/`end` widen the time axis
    (e.g. to the expected completion, drawn as a dashed marker)."""
    pad_left, pad_right, pad_top, pad_bottom = 56, 16, 12, 30
    points = sorted(points, key=lambda p: p[0])
    if not points:
        return _svg(width, 40, title, ['<text x="0" y="24" font-size="12">No figures yet.</text>'])
    first = min([points[0][0], *([start] if start else [])])
    last = max([points[-1][0], *([end] if end else [])])
    span = max((last - first).total_seconds(), 1.0)
    top = max(max(float(v) for _, v in points), 1.0)
    plot_w, plot_h = width - pad_left - pad_right, height - pad_top - pad_bottom

    def x(moment):
        return pad_left + (moment - first).total_seconds() / span * plot_w

    def y(value):
        return pad_top + plot_h - float(value) / top * plot_h

    path = [f"M{x(points[0][0]):.1f},{y(points[0][1]):.1f}"]
    for moment, value in points[1:]:
        path.append(f"H{x(moment):.1f}V{y(value):.1f}")
    path.append(f"H{x(last):.1f}")
    baseline = pad_top + plot_h
    body = [
        f'<line x1="{pad_left}" y1="{baseline}" x2="{width - pad_right}" y2="{baseline}" '
        'stroke="#505a5f"/>',
        f'<line x1="{pad_left}" y1="{pad_top}" x2="{pad_left}" y2="{baseline}" stroke="#505a5f"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 10}" font-size="11" text-anchor="end">'
        f"{escape(_number(top))}</text>",
        f'<text x="{pad_left - 4}" y="{baseline}" font-size="11" text-anchor="end">0</text>',
        f'<text x="{pad_left}" y="{height - 8}" font-size="11">{escape(_moment(first))}</text>',
        f'<text x="{width - pad_right}" y="{height - 8}" font-size="11" text-anchor="end">'
        f"{escape(_moment(last))}</text>",
        f'<path d="{"".join(path)}" fill="none" stroke="{COLOURS[colour]}" stroke-width="2.5"/>',
    ]
    for moment, value in points:
        body.append(f'<circle cx="{x(moment):.1f}" cy="{y(value):.1f}" r="3" '
                    f'fill="{COLOURS[colour]}"><title>{escape(_moment(moment))}: '
                    f"{escape(_number(value))}{escape(unit)}</title></circle>")
    if end is not None:
        body.append(f'<line x1="{x(end):.1f}" y1="{pad_top}" x2="{x(end):.1f}" y2="{baseline}" '
                    f'stroke="{COLOURS["warn"]}" stroke-dasharray="4 3"/>')
    return _svg(width, height, title, body)


def _number(value):
    return f"{float(value):,.0f}"


def _moment(moment):
    return f"{timezone.localtime(moment):%d %b %H:%M}"
