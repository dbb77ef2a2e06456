"""Portal pages: forms with errors (never 500), CSV upload report, calendar, forecast vs actual."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from demand.factories import ForecastFactory, ThresholdFactory
from demand.models import ActualVolume, ExcessiveDemandAlert, Forecast, Risk


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def signed_in(client, supplier_user):
    client.force_login(supplier_user)
    return client


@pytest.fixture
def before_the_window():
    """The portal refuses windows that have ended: post FORM's June 2026 window in May."""
    with time_machine.travel(utc(2026, 5, 20, 9), tick=False):
        yield


FORM = {"service": "uk-link", "window_start": "2026-06-01T08:00", "window_end": "2026-06-01T10:00",
        "volume": "500", "unit": "switch_requests", "reason": "Campaign"}


@pytest.mark.django_db
@pytest.mark.usefixtures("before_the_window")
def test_forecast_form_takes_uk_time(signed_in, service):
    response = signed_in.post("/demand/new/", FORM)
    forecast = Forecast.objects.get()
    assert response.status_code == 302 and response.url == f"/demand/{forecast.pk}/"
    assert forecast.window_start == utc(2026, 6, 1, 7)  # 08:00 BST
    page = signed_in.get(response.url).content.decode()
    assert forecast.reference in page and "Mon 1 Jun 2026 08:00" in page


@pytest.mark.django_db
@pytest.mark.parametrize("change", [
    {"window_end": "2026-05-01T08:00"}, {"window_start": "tomorrow"}, {"volume": "-1"},
    {"service": "nope"}, {"window_end": "2026-06-30T08:00"}, {"reason": ""},
    {"window_start": "2026-10-25T01:30"},  # happens twice in UK time
])
def test_bad_form_input_shows_errors_not_500(signed_in, service, change):
    response = signed_in.post("/demand/new/", {**FORM, **change})
    assert response.status_code == 200
    assert b'class="error"' in response.content
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_open_the_forecast_form(client, desk_agent):
    client.force_login(desk_agent)
    assert client.get("/demand/new/").status_code == 403


@pytest.mark.django_db
def test_upload_with_bad_rows_lists_them_and_imports_nothing(signed_in, service):
    content = (b"service,window_start,window_end,volume,unit,reason\n"
               b"uk-link,2026-03-02T08:00,2026-03-02T10:00,100,,ok\n"
               b"uk-link,2026-03-02T08:00,2026-03-02T10:00,100,,\n")
    response = signed_in.post("/demand/upload/",
                              {"file": SimpleUploadedFile("f.csv", content)})
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was imported" in page
    assert "<td>3</td><td>reason</td>" in page
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_upload_good_file(signed_in, service, django_capture_on_commit_callbacks):
    content = (b"service,window_start,window_end,volume,unit,reason\n"
               b"uk-link,2026-03-02T08:00,2026-03-02T10:00,100,,ok\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post("/demand/upload/",
                                  {"file": SimpleUploadedFile("f.csv", content)})
    assert response.status_code == 302 and Forecast.objects.count() == 1


@pytest.mark.django_db
def test_calendar_marks_hours_over_capacity_in_uk_time(client, desk_agent, service):
    ThresholdFactory(service=service, max_volume=1000)
    ThresholdFactory(service=service, other=True, max_volume=500)
    ForecastFactory(service=service, volume=1200, window_start=utc(2026, 6, 1, 7),
                    window_end=utc(2026, 6, 1, 8))
    client.force_login(desk_agent)
    page = client.get("/demand/services/uk-link/calendar/?start=2026-06-01&days=1").content.decode()
    assert 'title="Mon 1 Jun 08:00: 1200 of 1000"' in page
    assert "heat heat-over" in page


@pytest.mark.django_db
def test_calendar_keeps_24_columns_on_clock_change_days(client, desk_agent, service):
    ForecastFactory(service=service, volume=100, window_start=utc(2026, 10, 25, 0),
                    window_end=utc(2026, 10, 25, 1))  # the first 01:00 (BST)
    client.force_login(desk_agent)
    autumn = client.get("/demand/services/uk-link/calendar/?start=2026-10-25&days=1")
    page = autumn.content.decode()
    assert page.count('<td class="heat') == 24
    assert 'title="Sun 25 Oct 01:00 (twice: clocks go back): 100"' in page
    spring = client.get("/demand/services/uk-link/calendar/?start=2026-03-29&days=1")
    page = spring.content.decode()
    assert page.count('<td class="heat') == 24 and "01:00 does not exist" in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?days=abc", "?start=2026-13-40", "?days=1000", "?unit=x"])
def test_calendar_ignores_bad_parameters(client, desk_agent, service, query):
    client.force_login(desk_agent)
    assert client.get(f"/demand/services/uk-link/calendar/{query}").status_code == 200


@pytest.mark.django_db
def test_forecast_vs_actual_per_participant_for_staff(client, operations_user, supplier_user,
                                                      provider_user, service):
    ForecastFactory(service=service, organisation=supplier_user.organisation,
                    submitted_by=supplier_user, volume=100, window_start=utc(2026, 3, 2, 9),
                    window_end=utc(2026, 3, 2, 12))
    ActualVolume.objects.create(service=service, participant=supplier_user.organisation,
                                hour_start=utc(2026, 3, 2, 9), volume=250,
                                reported_by=provider_user)
    client.force_login(operations_user)
    page = client.get("/demand/services/uk-link/actuals/?start=2026-03-02&days=3").content.decode()
    assert "<th scope=\"row\">Brightwater Energy</th><td>300</td><td>250</td><td>-50</td>" in page
    assert "<polyline" in page
    client.force_login(provider_user)
    page = client.get("/demand/services/uk-link/actuals/?start=2026-03-02&days=3").content.decode()
    assert "Brightwater" not in page and "<td>300</td><td>250</td>" in page


@pytest.mark.django_db
@pytest.mark.usefixtures("before_the_window")
def test_operations_record_outcome_in_the_portal(client, operations_user, supplier_user,
                                                 service):
    ThresholdFactory(service=service, max_volume=10)
    client.force_login(supplier_user)
    client.post("/demand/new/", {**FORM, "volume": "50"})
    alert = ExcessiveDemandAlert.objects.get()
    client.force_login(operations_user)
    url = f"/demand/alerts/{alert.pk}/"
    assert client.post(url, {"outcome": "cannot_be_met", "note": ""}).status_code == 200
    response = client.post(url, {"outcome": "cannot_be_met", "note": "No headroom"})
    assert response.status_code == 302
    assert Risk.objects.get().alert == alert
    assert "RSK-" in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_window_that_has_ended_is_refused_with_a_summary_that_names_the_field(signed_in,
                                                                                service):
    with time_machine.travel(utc(2026, 7, 1, 9), tick=False):
        response = signed_in.post("/demand/new/", FORM)
    page = response.content.decode()
    assert response.status_code == 200 and not Forecast.objects.exists()
    assert "data-error-summary" in page and 'href="#id_window_end"' in page
    assert "already ended" in page
