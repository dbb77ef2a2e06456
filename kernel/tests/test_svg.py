"""The server-drawn step chart: one point per figure, each value held until the next."""

import re
from datetime import UTC, datetime, timedelta

from kernel import svg

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_step_chart_draws_a_point_per_figure_and_holds_each_value():
    chart = svg.step_chart("Backlog", [(T0, 100), (T0 + timedelta(hours=1), 40),
                                       (T0 + timedelta(hours=2), 0)], unit=" messages")
    assert chart.count("<circle") == 3
    path = re.search(r'<path d="([^"]+)"', chart).group(1)
    # Move to the first point, then for each later figure: across (H) and then down (V).
    assert re.fullmatch(r"M[\d.]+,[\d.]+(H[\d.]+V[\d.]+){2}H[\d.]+", path)
    heights = [float(v) for v in re.findall(r"V([\d.]+)", path)]
    assert heights == sorted(heights)  # larger y is lower on the page: the backlog falls
    assert "<title>Backlog</title>" in chart and "40 messages" in chart


def test_step_chart_without_figures_says_so():
    assert "No figures yet." in svg.step_chart("Backlog", [])


def test_step_chart_escapes_its_title():
    assert "<b>" not in svg.step_chart("<b>Backlog</b>", [(T0, 1)])
