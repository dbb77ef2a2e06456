"""Service request KPIs (s.10.11) against an independent reference computed in this file.

The reference does not call the product's clocks or its met() rule: it steps through
time minute by minute on the calendars' working hours (read as data: working days,
hours and bank holidays), pauses while a request awaits approval, finds the deadline
instant and compares the fulfilment moment with it. The month (October 2026, UK time)
is built through the services, so the stored verdicts are the product's own.
"""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from kernel.periods import Period
from reporting import generation
from reporting.factories import london
from reporting.kpis.engine import PeriodKpis, Scope
from reporting.models import ServiceReport
from servicerequests import services as requests_services
from servicerequests.factories import DEFAULT_ANSWERS, RequestItemFactory, item
from servicerequests.models import (
    RequestItem,
    RequestSlaPolicy,
    RequestSlaVersion,
    ServiceRequest,
)
from services.models import BusinessCalendar

from .conftest import AFTER

OCTOBER = Period.month(2026, 10)
UK = ZoneInfo("Europe/London")
URL = "/api/v1/kpis/"


# --- the independent reference ----------------------------------------------------------
def _business_minute(calendar, holidays, moment):
    """Return True if the minute starting at `moment` is working time on `calendar`."""
    if calendar.is_24x7:
        return True
    local = moment.astimezone(UK)
    working_days = {int(d) for d in calendar.working_days.split(",")}
    return (local.weekday() in working_days and local.date() not in holidays
            and calendar.day_start <= local.time() < calendar.day_end)


def _target_minutes(version):
    amount, unit = version.fulfilment_amount, version.fulfilment_unit
    if unit == "working_days":
        day = version.calendar.day_end.hour * 60 - version.calendar.day_start.hour * 60
        return amount * day
    return amount * {"minutes": 1, "hours": 60, "days": 1440}[unit]


def reference_deadline(request):
    """Return the fulfilment deadline instant: the moment the target's business minutes
    have been used, not counting minutes paused while awaiting approval."""
    version = request.sla_version
    paused = []
    for row in request.transitions.order_by("at", "pk"):
        if row.to_status == "awaiting_approval" and version.pause_while_awaiting_approval:
            paused.append([row.at, None])
        elif paused and paused[-1][1] is None and row.to_status != "awaiting_approval":
            paused[-1][1] = row.at
    needed, moment = _target_minutes(version), request.created_at.astimezone(UTC)
    holidays = set(version.calendar.holidays.values_list("date", flat=True))
    while needed:
        held = any(start <= moment and (end is None or moment < end) for start, end in paused)
        if not held and _business_minute(version.calendar, holidays, moment):
            needed -= 1
        moment += timedelta(minutes=1)
    return moment


def _q(value, places=2):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def reference_figures(requests):
    """Return the four request KPIs of `requests` for October, worked out here."""
    def inside(moment):
        return moment is not None and OCTOBER.start <= moment < OCTOBER.end

    submitted = [r for r in requests if inside(r.created_at) and r.status != "cancelled"]
    fulfilled = [r for r in requests if inside(r.fulfilled_at)]
    within = [r for r in fulfilled if r.fulfilled_at <= reference_deadline(r)]
    hours = sum((r.fulfilled_at - r.created_at).total_seconds() for r in fulfilled) / 3600
    return {
        "requests": len(submitted),
        "requests_fulfilled": len(fulfilled),
        "request_fulfilment_hours": _q(Decimal(hours) / len(fulfilled)) if fulfilled else None,
        "requests_within_target": (_q(Decimal(100) * len(within) / len(fulfilled))
                                   if fulfilled else None),
    }


# --- the month ----------------------------------------------------------------------------
@pytest.fixture
def requests_month(db, supplier_user, desk_agent, operations_user, provider_org,
                   other_provider_org):
    """Build October's requests through the services; return {letter: request}."""
    env = item("test-environment-access")  # Operations approve, the clock pauses meanwhile
    env.fulfilment_provider = provider_org  # Xoserve fulfils it here
    env.save(update_fields=["fulfilment_provider"])
    fast_policy = RequestSlaPolicy.objects.create(code="fast", name="Fast")
    RequestSlaVersion.objects.create(
        policy=fast_policy, effective_from=datetime(2024, 1, 1, tzinfo=UTC),
        response_amount=1, response_unit="hours", fulfilment_amount=4, fulfilment_unit="hours",
        task_amount=2, task_unit="hours", calendar=BusinessCalendar.twenty_four_seven())
    fast = RequestItemFactory(code="log-extract", name="Log extract", sla_policy=fast_policy,
                              audience="everyone", fulfilment_group="provider",
                              fulfilment_provider=other_provider_org)
    answers = {"information-request": DEFAULT_ANSWERS["information-request"],
               "test-environment-access": {
                   "environment": "Market trial", "user_count": 3, "start_date": "2026-11-01",
                   "end_date": "2026-11-30", "purpose": "Market trial regression runs."},
               "log-extract": {}}

    def at(moment):
        return time_machine.travel(moment, tick=False)

    def raise_(catalogue_item, moment):
        with at(moment):
            return requests_services.raise_request(
                item=catalogue_item, raised_by=supplier_user, answers=answers[catalogue_item.code])

    def fulfil(request, started, done):
        if request.status == "awaiting_approval":
            with at(started):
                requests_services.decide(service_request=request, by=operations_user,
                                         approve=True)
        with at(started):
            requests_services.start_fulfilment(service_request=request, by=desk_agent)
        with at(done):
            for task in request.tasks.open():
                requests_services.move_task(task=task, by=desk_agent, to="done", notes="Done.")
            requests_services.fulfil(service_request=request, by=desk_agent, outcome="Done.")

    info = item("information-request")
    made = {}
    # A: 5 working days from Fri 17:00 is Fri 9 Oct 17:00; fulfilled 16:30: within.
    made["A"] = raise_(info, london(2026, 10, 2, 17, 0))
    fulfil(made["A"], london(2026, 10, 5, 9, 0), london(2026, 10, 9, 16, 30))
    # B: the same deadline, fulfilled exactly at it: within.
    made["B"] = raise_(info, london(2026, 10, 2, 17, 0))
    fulfil(made["B"], london(2026, 10, 5, 9, 0), london(2026, 10, 9, 17, 0))
    # C: raised Mon 08:00, deadline Fri 9 Oct 18:00; fulfilled 18:30, after the deadline
    # although no working time passed since: not within.
    made["C"] = raise_(info, london(2026, 10, 5, 8, 0))
    fulfil(made["C"], london(2026, 10, 5, 9, 0), london(2026, 10, 9, 18, 30))
    # D: awaits approval Mon 12 09:00 to Wed 14 09:00 (20 working hours paused), so due
    # Wed 21 09:00 instead of Mon 19 09:00; fulfilled Tue 20 17:00: within.
    made["D"] = raise_(env, london(2026, 10, 12, 9, 0))
    fulfil(made["D"], london(2026, 10, 14, 9, 0), london(2026, 10, 20, 17, 0))
    # E: still awaiting approval at the end of the month: submitted, not fulfilled.
    made["E"] = raise_(env, london(2026, 10, 26, 9, 0))
    # F: rejected: submitted, never fulfilled.
    made["F"] = raise_(env, london(2026, 10, 13, 10, 0))
    with at(london(2026, 10, 13, 11, 0)):
        requests_services.decide(service_request=made["F"], by=operations_user, approve=False,
                                 comment="No trial window this month.")
    # G: cancelled: not measured.
    made["G"] = raise_(info, london(2026, 10, 6, 10, 0))
    with at(london(2026, 10, 6, 11, 0)):
        requests_services.cancel(service_request=made["G"], by=supplier_user,
                                 reason="Found the answer.")
    # H: submitted in September, fulfilled 1 Oct: counts as fulfilled in October (within).
    made["H"] = raise_(info, london(2026, 9, 30, 10, 0))
    fulfil(made["H"], london(2026, 9, 30, 11, 0), london(2026, 10, 1, 10, 0))
    # I: 24x7, 4 h: Sat 24 Oct 23:30 BST to Sun 25 Oct 02:45 GMT is 4 h 15 min across the
    # clock change (3 h 15 min on the wall clock): not within.
    made["I"] = raise_(fast, london(2026, 10, 24, 23, 30))
    fulfil(made["I"], london(2026, 10, 24, 23, 45), london(2026, 10, 25, 2, 45))
    # J: submitted 31 Oct 23:00 GMT, fulfilled in November.
    made["J"] = raise_(fast, london(2026, 10, 31, 23, 0))
    fulfil(made["J"], london(2026, 10, 31, 23, 10), london(2026, 11, 1, 1, 0))
    for request in made.values():
        request.refresh_from_db()
    return made


@pytest.fixture
def kpis(requests_month):
    return PeriodKpis(OCTOBER, now=AFTER)


def _values(results):
    return {key: results[key].value for key in
            ("requests", "requests_fulfilled", "request_fulfilment_hours",
             "requests_within_target")}


def test_the_reference_deadlines_are_the_hand_worked_ones(requests_month):
    assert reference_deadline(requests_month["A"]) == london(2026, 10, 9, 17, 0)
    assert reference_deadline(requests_month["C"]) == london(2026, 10, 9, 18, 0)
    assert reference_deadline(requests_month["D"]) == london(2026, 10, 21, 9, 0)
    assert reference_deadline(requests_month["I"]) == london(2026, 10, 25, 2, 30)  # GMT


def test_end_to_end_request_kpis_equal_the_independent_reference(kpis, requests_month):
    expected = reference_figures(list(ServiceRequest.objects.all()))
    assert _values(kpis.results()) == expected
    # Worked by hand: A B C D E F I J submitted (G cancelled, H in September); A B C D H I
    # fulfilled; A B D H within (C after its deadline, I over 4 h across the clock change).
    assert expected == {"requests": 8, "requests_fulfilled": 6,
                        "request_fulfilment_hours": expected["request_fulfilment_hours"],
                        "requests_within_target": Decimal("66.67")}
    assert kpis.results()["requests_within_target"].met is False  # default target 95 %


def test_per_catalogue_item_and_per_provider_equal_the_reference(kpis, requests_month,
                                                                 provider_org,
                                                                 other_provider_org):
    everything = list(ServiceRequest.objects.select_related("item"))
    by_item = dict(kpis.results_by_request_item())
    for catalogue_item, results in by_item.items():
        mine = [r for r in everything if r.item_id == catalogue_item.pk]
        assert _values(results) == reference_figures(mine), catalogue_item.code
    info = RequestItem.objects.get(code="information-request")
    assert _values(by_item[info])["requests_within_target"] == Decimal("75.00")  # A B H of 4
    for provider in (provider_org, other_provider_org):
        mine = [r for r in everything if r.item.fulfilment_provider_id == provider.pk]
        assert _values(kpis.results(Scope(provider=provider))) == reference_figures(mine)
    assert [p for p, _ in kpis.request_results_by_provider()] == [other_provider_org,
                                                                   provider_org]


def test_request_kpis_have_no_service_or_severity_scope(kpis, service):
    assert "requests" not in kpis.results(Scope(service=service))
    assert "requests" not in kpis.results(Scope(severity=2))
    item_scope = kpis.results(Scope(request_item=item("information-request")))
    assert list(item_scope) == ["requests", "requests_fulfilled", "request_fulfilment_hours",
                                "requests_within_target"]


def test_request_figures_take_a_bounded_number_of_queries(kpis, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        kpis.results_by_request_item()
    with django_assert_max_num_queries(2):
        kpis.request_results_by_provider()


# --- the report, the dashboard and the API ----------------------------------------------
def _generate(edition):
    report = ServiceReport.objects.create(period="2026-10", edition=edition,
                                          trigger=ServiceReport.Trigger.ON_DEMAND)
    return generation.generate(report.pk, now=AFTER)


def test_the_monthly_report_has_request_figures_per_item_and_provider_with_definitions(
        requests_month, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(AFTER, tick=False):
        report = _generate(ServiceReport.Edition.INTERNAL)
    assert report.status == "ready", report.error
    expected = reference_figures(list(ServiceRequest.objects.all()))

    with report.csv.open("rb") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode())))
    e2e = {r["kpi"]: r["value"] for r in rows if r["scope_kind"] == "end_to_end"}
    assert Decimal(e2e["requests_within_target"]) == expected["requests_within_target"]
    assert int(e2e["requests"]) == expected["requests"]
    items = {(r["scope"], r["kpi"]): r["value"] for r in rows if r["scope_kind"] == "request_item"}
    assert items[("information-request", "requests_within_target")] == "75.00"
    assert items[("log-extract", "requests_within_target")] == "0.00"
    providers = {(r["scope"], r["kpi"]): r["value"] for r in rows
                 if r["scope_kind"] == "request_provider"}
    assert providers[("xoserve", "requests_fulfilled")] == "1"
    assert providers[("gemserv", "requests_within_target")] == "0.00"

    with report.xlsx.open("rb") as handle:
        book = load_workbook(handle)
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    assert Decimal(str(summary["Requests fulfilled within target"])) == Decimal("66.67")
    sheet = [row for row in book["Requests"].iter_rows(values_only=True)]
    assert ("Information request", 3, 4) == sheet[[r[0] for r in sheet].index(
        "Information request")][:3]
    definitions = {r[0]: r[2] for r in book["Definitions"].iter_rows(min_row=2,
                                                                     values_only=True)}
    assert "at or before the deadline instant" in definitions["Requests fulfilled within target"]

    with report.pdf.open("rb") as handle:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(handle).pages).split())
    assert "Service requests by catalogue item" in text and "Log extract" in text
    assert "Service requests by fulfilling provider" in text
    assert "66.67 %" in text
    assert "Service requests submitted in the period (s.10.11" in text


def test_the_participant_edition_keeps_items_but_not_providers_or_internal_items(
        requests_month, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    internal_item = RequestItemFactory(code="desk-only", name="Desk-only chore",
                                       audience="internal")
    with time_machine.travel(AFTER, tick=False):
        report = _generate(ServiceReport.Edition.PARTICIPANT)
    with report.pdf.open("rb") as handle:
        text = " ".join(p.extract_text() for p in PdfReader(handle).pages)
    assert "Service requests by catalogue item" in text
    assert "fulfilling provider" not in text and "Xoserve" not in text
    assert internal_item.name not in text
    with report.csv.open("rb") as handle:
        body = handle.read().decode()
    assert "information-request" in body and "desk-only" not in body


def test_the_dashboard_shows_month_to_date_request_figures_with_their_definitions(
        client, desk_agent, requests_month):
    client.force_login(desk_agent)
    with time_machine.travel(london(2026, 10, 31, 23, 50), tick=False):
        page = client.get("/reports/dashboard/").content.decode()
    assert "Service requests, October 2026 so far" in page
    assert "66.67%" in page and "Log extract" in page and "Gemserv (fulfils)" in page
    assert "at or before the deadline instant" in page


def test_the_kpi_api_scopes_by_catalogue_item_and_keeps_providers_to_their_own(
        api_client, operations_user, provider_user, supplier_user, requests_month):
    with time_machine.travel(AFTER, tick=False):
        ops = api_client(operations_user)
        body = ops.get(URL, {"period": "2026-10", "request_item": "information-request"}).json()
        assert body["scope"] == "Information request"
        figures = {k["key"]: k for k in body["kpis"]}
        assert figures["requests_within_target"]["value"] == 75.0
        assert "deadline instant" in figures["requests_within_target"]["definition"]
        e2e = {k["key"]: k["value"] for k in ops.get(URL, {"period": "2026-10"}).json()["kpis"]}
        assert e2e["requests"] == 8
        provider = api_client(provider_user)  # Xoserve fulfils test environment access only
        own = {k["key"]: k["value"] for k in provider.get(URL, {"period": "2026-10"}).json()[
            "kpis"]}
        assert own["requests"] == 3 and own["requests_fulfilled"] == 1
        assert provider.get(URL, {"period": "2026-10",
                                  "request_item": "test-environment-access"}).status_code == 200
        assert provider.get(URL, {"period": "2026-10",
                                  "request_item": "log-extract"}).status_code == 404
        assert provider.get(URL, {"period": "2026-10",
                                  "request_item": "information-request"}).status_code == 404
        assert api_client(supplier_user).get(URL, {
            "request_item": "information-request"}).status_code == 403
        assert ops.get(URL, {"request_item": "nothing-like-it"}).status_code == 404
        refused = ops.get(URL, {"request_item": "log-extract", "severity": "2"})
        assert refused.status_code == 400
        assert "request_item" in refused.json()["error"]["fields"]


def test_a_provider_return_gives_request_figures_for_its_total_only(api_client, provider_user,
                                                                    service, requests_month):
    with time_machine.travel(AFTER, tick=False):
        response = api_client(provider_user).post("/api/v1/kpi-returns/", {
            "period": "2026-10", "figures": [
                {"kpi": "requests_within_target", "service": "uk-link", "value": 90}]},
            format="json")
    assert response.status_code == 400
    assert "figures.0.service" in response.json()["error"]["fields"]
