"""The monthly report PDF looks finished: checked as images (pdftoppm) and as text (pdftotext).

Poppler's tools are installed by `make browser` (Debian's poppler-utils); without them these
tests are skipped with the reason, never passed silently.
"""

import re
import shutil
import subprocess

import pytest
import time_machine

from kernel.periods import Period
from reporting.factories import KpiReturnFactory, KpiReturnFigureFactory
from reporting.models import ServiceReport
from reporting.reports import content as report_content
from reporting.reports import pdf
from reporting.reports.pdf import count_axis

from .conftest import AFTER

OCTOBER = Period.month(2026, 10)
poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                             reason="needs poppler-utils (make browser installs it)")


def _render(edition):
    with time_machine.travel(AFTER, tick=False):
        built = report_content.build(OCTOBER, edition=edition, now=AFTER)
        return pdf.render(built)


def _pages_as_images(data, tmp_path):
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(source), str(tmp_path / "page")],
                   check=True, timeout=60)
    return sorted(tmp_path.glob("page-*.pgm"))


def _text(data, tmp_path, page=None):
    source = tmp_path / "report.pdf"
    source.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(source), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def _ink(image_path):
    """Return the share of the page body (below the top margin, above the page number) that
    is not white, read from pdftoppm's greyscale PGM (binary P5: header, then one byte a
    pixel)."""
    data = image_path.read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+\d+\s", data)
    width, height = int(header.group(1)), int(header.group(2))
    pixels = data[header.end():]
    body = pixels[width * int(height * 0.06):width * int(height * 0.92)]
    return sum(1 for value in body if value < 200) / len(body)


@poppler
def test_internal_report_pdf_has_named_labels_numbers_contents_and_no_empty_page(
        october, provider_org, provider_user, tmp_path):
    kpi_return = KpiReturnFactory(provider=provider_org, submitted_by=provider_user)
    KpiReturnFigureFactory(kpi_return=kpi_return, kpi="resolved_within_sla", value=99)
    data = _render(ServiceReport.Edition.INTERNAL)
    images = _pages_as_images(data, tmp_path)
    text = _text(data, tmp_path)
    assert 2 <= len(images) <= 6
    assert text.count("Page 1 of ") == 1 and f"Page {len(images)} of {len(images)}" in text
    first_page = " ".join(_text(data, tmp_path, page=1).split())
    assert "Contents: Key performance indicators, end to end (p. 1)" in first_page
    assert "Definitions (p." in first_page
    # The availability chart names services as readers know them, never by code.
    assert "UK Link" in first_page and "ECOES" in first_page
    assert "uk-link" not in text and "ecoes" not in text
    for number, image in enumerate(images, start=1):
        assert _ink(image) > 0.01, f"page {number} is (nearly) empty"
    assert "DIFFERS" in text  # 99 returned against 83.33 measured


@poppler
def test_participant_edition_pdf_has_no_comparison_and_no_empty_page(october, tmp_path):
    data = _render(ServiceReport.Edition.PARTICIPANT)
    images = _pages_as_images(data, tmp_path)
    text = _text(data, tmp_path)
    assert "DIFFERS" not in text and "agrees" not in text
    assert f"Page {len(images)} of {len(images)}" in text
    assert all(_ink(image) > 0.01 for image in images)


def test_a_return_without_a_measured_figure_is_not_called_a_difference():
    from decimal import Decimal

    from reporting.reconciliation import ReconciliationLine

    line = ReconciliationLine(provider=None, kpi=None, service=None, severity=None,
                              reported=Decimal(3), measured=None, tolerance=Decimal(0))
    assert line.flagged and pdf._check(line) == "nothing measured"


@pytest.mark.parametrize("counts, step, top", [([0, 0, 0], 1, 1), ([1, 2, 1], 1, 2),
                                               ([3, 7], 2, 8), ([0, 40], 8, 40)])
def test_count_axes_have_whole_number_steps(counts, step, top):
    from reportlab.graphics.charts.axes import YValueAxis

    axis = YValueAxis()
    count_axis(axis, counts)
    assert (axis.valueMin, axis.valueStep, axis.valueMax) == (0, step, top)
    assert axis.labelTextFormat == "%d"
