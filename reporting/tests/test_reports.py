"""Service reports: generated files opened and checked, editions, schedule, progress, CSI."""

import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from changes.models import ChangeTransition
from incidents.models import Incident
from kernel.periods import Period
from reporting import generation
from reporting.factories import KpiReturnFactory, KpiReturnFigureFactory, london
from reporting.models import ImprovementOpportunity, ServiceReport

from .conftest import AFTER

OCTOBER = Period.month(2026, 10)


@pytest.fixture
def frozen():
    with time_machine.travel(AFTER, tick=False):
        yield


def _generate(edition, trigger=ServiceReport.Trigger.ON_DEMAND, period="2026-10"):
    report = ServiceReport.objects.create(period=period, edition=edition, trigger=trigger)
    return generation.generate(report.pk, now=AFTER)


def _pdf_text(report):
    with report.pdf.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def _q(value, places=2):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def independent_figures(period):
    """Compute the end-to-end incident and change KPIs by walking the records in Python."""
    start, end = period.start, period.end
    incidents = list(Incident.objects.all())

    def inside(moment):
        return moment is not None and start <= moment < end

    raised = [i for i in incidents if inside(i.created_at) and i.status != "cancelled"]
    responded = [i for i in incidents if inside(i.responded_at)]
    resolved = [i for i in incidents if inside(i.resolved_at)]
    minutes = sum((i.responded_at - i.created_at).total_seconds() for i in responded) / 60
    hours = sum((i.resolved_at - i.created_at).total_seconds() for i in resolved) / 3600
    outcomes = {t.change_notification_id: (t.change_notification.change_type, t.to_status)
                for t in ChangeTransition.objects.select_related("change_notification")
                if inside(t.at) and t.to_status in ("implemented", "failed", "backed_out")}
    # "Met" worked out again here from the stored deadline instant: done at or before it.
    late = [i for i in resolved if i.resolved_at > i.resolution_due_at]
    return {
        "incidents": len(raised),
        "response_minutes": _q(Decimal(minutes) / len(responded)),
        "resolution_hours": _q(Decimal(hours) / len(resolved)),
        "resolved_within_sla": _q(Decimal(100) * (len(resolved) - len(late)) / len(resolved)),
        "escalations": len(late),
        "major_changes": sum(1 for kind, _ in outcomes.values() if kind == "major"),
        "emergency_changes": sum(1 for o in outcomes.values() if o == ("emergency", "implemented")),
        "emergency_changes_unsuccessful": sum(
            1 for kind, outcome in outcomes.values()
            if kind == "emergency" and outcome in ("failed", "backed_out")),
        # Worked by hand in conftest.py from the status intervals.
        "availability": Decimal("99.798"), "interruptions": 2,
        "interruption_minutes": Decimal("90.00"),
    }


def test_every_kpi_in_the_report_equals_an_independent_figure_and_a_disagreement_is_flagged(
        october, frozen, provider_org, provider_user):
    kpi_return = KpiReturnFactory(provider=provider_org, submitted_by=provider_user)
    KpiReturnFigureFactory(kpi_return=kpi_return, kpi="resolved_within_sla", value=99)
    report = _generate(ServiceReport.Edition.INTERNAL)
    assert report.status == "ready", report.error
    assert report.progress == 100

    expected = independent_figures(OCTOBER)
    with report.xlsx.open("rb") as handle:
        book = load_workbook(handle)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    from reporting.kpis.definitions import REGISTRY

    for key, value in expected.items():
        cell = summary[REGISTRY[key].title]
        assert isinstance(cell, (int, float)), (key, cell)
        assert Decimal(str(cell)) == Decimal(value), key
    assert {"Summary", "Availability", "Incidents", "Changes", "SLA trend", "Reconciliation",
            "Returns", "Definitions"} <= set(book.sheetnames)
    recon = list(book["Reconciliation"].iter_rows(min_row=2, values_only=True))
    assert recon[0][3] == 99.0 and recon[0][4] == 83.33 and recon[0][7] is True

    text = _pdf_text(report)
    assert "End-to-end switching service report: October 2026" in text
    assert "83.33 %" in text and "99.798 %" in text and "26.33 h" in text
    assert "DIFFERS" in text and "Xoserve" in text

    with report.csv.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode())))
    e2e = {r["kpi"]: r["value"] for r in rows if r["scope_kind"] == "end_to_end"
           and not r["severity"]}
    assert Decimal(e2e["resolution_hours"]) == expected["resolution_hours"]


def test_participant_edition_has_no_internal_detail_and_is_published(
        october, frozen, provider_org, provider_user):
    kpi_return = KpiReturnFactory(provider=provider_org, submitted_by=provider_user,
                                  notes="Secret provider commentary")
    KpiReturnFigureFactory(kpi_return=kpi_return, kpi="incidents", value=1)
    report = _generate(ServiceReport.Edition.PARTICIPANT)
    assert report.status == "ready" and report.published_at is not None
    text = _pdf_text(report)
    assert "participant edition" in text
    assert "Xoserve" not in text and "Gemserv" not in text and "DIFFERS" not in text
    with report.xlsx.open("rb") as handle:
        book = load_workbook(handle)
    assert "Reconciliation" not in book.sheetnames and "Returns" not in book.sheetnames
    with report.csv.open("rb") as handle:
        assert b"provider" not in handle.read().split(b"\n", 1)[1]


def test_a_failing_report_is_marked_failed_with_the_reason(db, frozen, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(generation.pdf, "render", broken)
    report = _generate(ServiceReport.Edition.INTERNAL)
    assert report.status == "failed" and "disk full" in report.error


def test_on_demand_request_enqueues_after_commit(db, operations_user, desk_agent,
                                                 django_capture_on_commit_callbacks):
    with pytest.raises(generation.NotAllowed):
        generation.request_report(by=desk_agent, period=OCTOBER)
    with time_machine.travel(AFTER, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            report = generation.request_report(by=operations_user, period=OCTOBER)
    report.refresh_from_db()
    assert report.status == "ready" and report.trigger == "on_demand"


def test_schedule_runs_on_the_first_working_day_once(db, django_capture_on_commit_callbacks):
    # 1 Nov 2026 is a Sunday: nothing; Monday 2 Nov queues both editions of October, once.
    assert generation.schedule_monthly(now=london(2026, 11, 1, 7, 0)) == []
    with django_capture_on_commit_callbacks(execute=False):
        queued = generation.schedule_monthly(now=london(2026, 11, 2, 7, 0))
        again = generation.schedule_monthly(now=london(2026, 11, 2, 8, 0))
    assert sorted(r.edition for r in queued) == ["internal", "participant"]
    assert {r.period for r in queued} == {"2026-10"} and again == []


def test_a_kpi_below_target_two_months_running_proposes_one_csi_entry(
        october, frozen, desk_agent, supplier_user, service):
    # September: one Sev1 resolved late -> 0 % within SLA (October is 83.33 %, target 95 %).
    from incidents.factories import IncidentFactory
    from incidents.services import transition_incident

    late = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                           severity=1, services=[service], at=london(2026, 9, 10, 9, 0))
    transition_incident(incident=late, by=desk_agent, to="resolved", resolution_code="fixed",
                        resolution_notes="Fixed.", at=london(2026, 9, 10, 9, 0) + timedelta(hours=5))
    _generate(ServiceReport.Edition.INTERNAL, trigger=ServiceReport.Trigger.SCHEDULE)
    entry = ImprovementOpportunity.objects.get(kpi="resolved_within_sla", service=None)
    assert entry.source == "kpi_breach" and "September 2026" in entry.description
    assert entry.transitions.get().to_status == "proposed"
    assert ImprovementOpportunity.objects.filter(kpi="resolved_within_sla",
                                                 service=service).exists()  # UK Link too
    assert not ImprovementOpportunity.objects.filter(kpi="availability").exists()
    count = ImprovementOpportunity.objects.count()
    # A second run (new row, same period) proposes nothing more.
    ServiceReport.objects.all().delete()
    _generate(ServiceReport.Edition.INTERNAL, trigger=ServiceReport.Trigger.SCHEDULE)
    assert ImprovementOpportunity.objects.count() == count


def test_the_definitions_section_states_each_kpi_in_the_words_of_s10_9_and_links_the_sla_rules(
        october, frozen):
    report = _generate(ServiceReport.Edition.INTERNAL)
    text = " ".join(_pdf_text(report).split())
    assert "Emergency changes implemented in the period (s.10.9)" in text
    assert "Incidents not resolved within the agreed resolution time (s.10.9)" in text
    assert "severity in force at resolution" in text
    assert "/reports/how-sla-figures-are-computed/" in text
    with report.xlsx.open("rb") as handle:
        book = load_workbook(handle)
    rows = {row[0]: row[2] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert "failed or were backed out are reported on their own row" in rows[
        "Number of emergency changes"]
    assert rows["Emergency changes failed or backed out"].startswith("Change notifications")
    notes = [r[2] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)
             if r[0] == "(all)"]
    assert any("/reports/how-sla-figures-are-computed/" in note for note in notes)
