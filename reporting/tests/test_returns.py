"""Provider KPI returns: validation by API, CSV and XLSX, permissions, lateness, reconciliation."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from kernel.periods import Period
from reporting import returns
from reporting.factories import KpiReturnFactory, KpiReturnFigureFactory, london
from reporting.kpis.engine import PeriodKpis
from reporting.models import KpiReturn, KpiSetting
from reporting.reconciliation import ReturnStatus, reconcile, return_statuses

from .conftest import AFTER

URL = "/api/v1/kpi-returns/"
OCTOBER = Period.month(2026, 10)


@pytest.fixture(autouse=True)
def _november():
    with time_machine.travel(london(2026, 11, 4, 12, 0), tick=False):
        yield


def test_the_schema_is_published_without_signing_in(client):
    body = client.get(URL + "schema.json").json()
    assert body["properties"]["figures"]["items"]["properties"]["kpi"]["enum"][0] == "availability"


def test_provider_submits_a_return_by_api(token_client, provider_org, service):
    response = token_client(provider_org).post(URL, {
        "period": "2026-10", "notes": "All good.",
        "figures": [{"kpi": "availability", "service": "uk-link", "value": 99.9},
                    {"kpi": "incidents", "severity": 2, "value": 3}]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["provider"] == "xoserve" and body["due_on"] == "2026-11-06"
    assert body["is_late"] is False
    assert {f["kpi"] for f in body["figures"]} == {"availability", "incidents"}


def test_bad_figures_get_field_level_errors(token_client, provider_org, service, other_service):
    response = token_client(provider_org).post(URL, {"period": "2026-10", "figures": [
        {"kpi": "availability", "service": "ecoes", "value": 99},
        {"kpi": "uptime", "value": 1},
        {"kpi": "resolved_within_sla", "value": 140},
        {"kpi": "major_changes", "severity": 1, "value": 1.5},
        {"kpi": "incidents", "value": "many"},
    ]}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "not one of your services" in fields["figures.0.service"][0]
    assert "Unknown KPI" in fields["figures.1.kpi"][0]
    assert "cannot exceed 100" in fields["figures.2.value"][0]
    assert "not reported by severity" in fields["figures.3.severity"][0]
    assert "whole number" in fields["figures.3.value"][0]
    assert "not a number" in fields["figures.4.value"][0]
    assert not KpiReturn.objects.exists()


@pytest.mark.parametrize("body", [[], "text", {"period": "2026-12", "figures": []},
                                  {"period": "Oct", "figures": "x"}, {"figures": [None]}])
def test_malformed_bodies_are_400_never_500(token_client, provider_org, body):
    response = token_client(provider_org).post(URL, body, format="json")
    assert response.status_code == 400


def test_participants_cannot_submit_and_providers_see_only_their_own(
        token_client, api_client, supplier_org, provider_org, other_provider_user,
        provider_user):
    assert token_client(supplier_org).post(URL, {}, format="json").status_code == 403
    own = KpiReturnFactory(provider=provider_org, submitted_by=provider_user)
    other = api_client(other_provider_user)
    assert other.get(f"{URL}{own.pk}/").status_code == 404
    body = other.get(URL).json()
    assert (body["results"] if isinstance(body, dict) else body) == []
    assert api_client(provider_user).get(f"{URL}{own.pk}/").status_code == 200


def test_resubmission_supersedes_and_keeps_the_earlier_return(token_client, provider_org):
    client = token_client(provider_org)
    for value in (3, 4):
        assert client.post(URL, {"period": "2026-10", "figures": [
            {"kpi": "incidents", "value": value}]}, format="json").status_code == 201
    assert KpiReturn.objects.count() == 2
    current = KpiReturn.objects.current().get()
    assert current.figures.get().value == Decimal("4.000")


def _csv(text):
    return SimpleUploadedFile("return.csv", text.encode(), content_type="text/csv")


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("return.xlsx", buffer.getvalue())


def test_csv_errors_name_row_and_column(provider_org, service):
    with pytest.raises(returns.ReturnErrors) as caught:
        returns.clean_file(_csv("kpi,service,severity,value\navailability,uk-link,,99.9\n"
                                "incidents,,7,2\nresolution_hours,,,-1\n"), provider=provider_org)
    assert caught.value.errors == {
        "Row 3, column severity": ["Severity must be 1, 2, 3 or 4 (or empty)."],
        "Row 4, column value": ["Enter a number of zero or more."]}


def test_xlsx_with_bad_cells_is_refused_by_cell_and_good_one_accepted(provider_org, service):
    bad = _xlsx([["KPI", "Service", "Severity", "Value"], ["incidents", None, 2, 3],
                 ["resolved_within_sla", None, None, "n/a"], ["availability", "nope", None, 99]])
    with pytest.raises(returns.ReturnErrors) as caught:
        returns.clean_file(bad, provider=provider_org)
    assert set(caught.value.errors) == {"Row 3, column value", "Row 4, column service"}
    good = _xlsx([["kpi", "service", "severity", "value"], ["incidents", None, 2, 3],
                  ["availability", "uk-link", None, 99.95]])
    figures = returns.clean_file(good, provider=provider_org)
    assert [(f.kpi, f.value) for f in figures] == [("incidents", Decimal("3.000")),
                                                   ("availability", Decimal("99.950"))]


def test_unreadable_files_are_refused_politely(provider_org):
    for upload in (SimpleUploadedFile("x.xlsx", b"not excel"), SimpleUploadedFile("x.pdf", b"%"),
                   _csv("name,number\n"), _csv("kpi,value\n" + "x" * 3_000_000)):
        with pytest.raises(returns.ReturnErrors) as caught:
            returns.clean_file(upload, provider=provider_org)
        assert "file" in caught.value.errors


def test_portal_upload_records_the_return(client, provider_user, service):
    client.force_login(provider_user)
    response = client.post("/reports/returns/upload/", {
        "period": "2026-10", "file": _csv("kpi,service,severity,value\nincidents,,,6\n")})
    assert response.status_code == 302
    kpi_return = KpiReturn.objects.get()
    assert kpi_return.channel == "csv" and kpi_return.provider == provider_user.organisation
    page = client.post("/reports/returns/upload/", {
        "period": "2026-10", "file": _csv("kpi,service,severity,value\nincidents,,,x\n")})
    assert "Row 2, column value" in page.content.decode()


def test_due_date_counts_england_and_wales_working_days(db):
    # December 2026 ends on Thursday 31st; 1 Jan is a bank holiday: 5 working days -> 8 Jan.
    assert returns.due_on(Period.month(2026, 12)) == date(2027, 1, 8)


def test_late_and_missing_returns_are_flagged(provider_org, other_provider_org, provider_user,
                                              service, other_service):
    KpiReturnFactory(provider=provider_org, submitted_by=provider_user,
                     submitted_at=london(2026, 11, 9, 9, 0), due_on=date(2026, 11, 6))
    statuses = {s.provider: s.state for s in return_statuses(OCTOBER, now=london(2026, 11, 9))}
    assert statuses == {provider_org: ReturnStatus.LATE, other_provider_org: ReturnStatus.MISSING}
    early = {s.provider: s.state for s in return_statuses(OCTOBER, now=london(2026, 11, 2))}
    assert early[other_provider_org] == ReturnStatus.NOT_DUE


def test_reconciliation_flags_figures_beyond_tolerance(october, provider_org, provider_user,
                                                       service):
    KpiSetting.objects.create(key="incidents", tolerance=Decimal("1"))
    kpi_return = KpiReturnFactory(provider=provider_org, submitted_by=provider_user)
    for kpi, severity, value, svc in [("incidents", None, 7, None),  # measured 6: within 1
                                      ("incidents", 1, 4, None),  # measured 2: differs
                                      ("resolved_within_sla", None, 83.5, None),  # 83.33 ± 1
                                      ("availability", None, 99.0, service)]:  # 99.596 ± 0.05
        KpiReturnFigureFactory(kpi_return=kpi_return, kpi=kpi, severity=severity, value=value,
                               service=svc)
    lines = {(line.kpi.key, line.severity): line for line in
             reconcile(PeriodKpis(OCTOBER, now=AFTER))}
    assert lines[("incidents", None)].flagged is False
    assert lines[("incidents", 1)].measured == 2 and lines[("incidents", 1)].flagged is True
    assert lines[("resolved_within_sla", None)].flagged is False
    assert lines[("availability", None)].difference == Decimal("-0.596")
    assert lines[("availability", None)].flagged is True
