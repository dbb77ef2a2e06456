"""Small server-drawn SVG charts for the portal pages (no JavaScript, accessible).

Each chart carries role="img" and a <title> summarising the figures, and the
page shows the same figures in text beside it, so nothing depends on seeing it.
"""

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
