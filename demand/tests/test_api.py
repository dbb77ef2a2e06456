"""The demand API: forecasts (JSON and CSV), alerts and outcomes, actuals; bad input is 400."""

from datetime import UTC, datetime

import pytest

from demand.factories import ForecastFactory, ThresholdFactory
from demand.models import ActualVolume, ExcessiveDemandAlert, Forecast, Risk

URL = "/api/v1/demand/forecasts/"
GOOD = {"service": "uk-link", "window_start": "2026-03-02T09:00:00Z",
        "window_end": "2026-03-02T12:00:00Z", "volume": 6000, "unit": "switch_requests",
        "reason": "Migration"}


@pytest.mark.django_db
def test_participant_submits_a_forecast_by_token(supplier_org, service, token_client):
    ThresholdFactory(service=service, max_volume=5000)
    response = token_client(supplier_org).post(URL, GOOD, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organisation"] == "brightwater" and body["status"] == "under_review"
    assert body["alert"].startswith("EDA-")


@pytest.mark.django_db
@pytest.mark.parametrize("change, field", [
    ({"service": "nope"}, "service"),
    ({"window_end": "2026-03-01T09:00:00Z"}, "window_end"),
    ({"window_end": "2026-03-12T09:00:00Z"}, "window_end"),
    ({"window_start": "soon"}, "window_start"),
    ({"volume": -5}, "volume"),
    ({"volume": "many"}, "volume"),
    ({"volume": 10**12}, "volume"),
    ({"unit": "litres"}, "unit"),
    ({"reason": ""}, "reason"),
])
def test_bad_forecasts_are_400_with_the_field(supplier_user, service, api_client, change, field):
    response = api_client(supplier_user).post(URL, {**GOOD, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_400_not_500(supplier_user, service, api_client):
    response = api_client(supplier_user).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["desk_agent", "auditor_user", "operations_user"])
def test_staff_do_not_submit_forecasts(request, who, service, api_client):
    response = api_client(request.getfixturevalue(who)).post(URL, GOOD, format="json")
    assert response.status_code == 403


CSV = ("service,window_start,window_end,volume,unit,reason\n"
       "uk-link,2026-03-02T08:00,2026-03-02T10:00,100,,a\n"
       "uk-link,2026-03-02T08:00,2026-03-02T10:00,x,,b\n"
       "uk-link,2026-03-02T08:00,2026-03-02T10:00,100,,c\n")


@pytest.mark.django_db
def test_csv_upload_with_a_bad_row_imports_nothing_and_names_the_row(supplier_user, service,
                                                                     api_client):
    response = api_client(supplier_user).post(URL + "upload/", CSV, content_type="text/csv")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["rows"] == ["Row 3, column volume: Use a whole number."]
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_csv_upload_as_multipart_imports_all_rows(supplier_user, service, api_client,
                                                  django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = CSV.replace(",x,", ",100,")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(supplier_user).post(
            URL + "upload/", {"file": SimpleUploadedFile("f.csv", good.encode())},
            format="multipart")
    assert response.status_code == 201 and response.json()["imported"] == 3
    assert Forecast.objects.filter(status="within_capacity").count() == 3


@pytest.mark.django_db
def test_upload_without_a_file_is_400(supplier_user, api_client):
    response = api_client(supplier_user).post(URL + "upload/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_withdraw_twice_is_409(supplier_user, service, api_client):
    forecast = ForecastFactory(service=service, organisation=supplier_user.organisation,
                               submitted_by=supplier_user)
    client = api_client(supplier_user)
    assert client.post(f"{URL}{forecast.pk}/withdraw/").status_code == 200
    response = client.post(f"{URL}{forecast.pk}/withdraw/")
    assert response.status_code == 409 and "withdrawn" in response.json()["error"]["message"]


@pytest.fixture
def alert(supplier_user, service, api_client):
    ThresholdFactory(service=service, max_volume=5000)
    api_client(supplier_user).post(URL, GOOD, format="json")
    return ExcessiveDemandAlert.objects.get()


@pytest.mark.django_db
def test_operations_record_cannot_be_met_by_api_and_a_risk_is_drafted(alert, operations_user,
                                                                       api_client):
    client = api_client(operations_user)
    url = f"/api/v1/demand/alerts/{alert.pk}/outcome/"
    assert client.post(url, {"outcome": "sideways", "note": "x"}).status_code == 400
    response = client.post(url, {"outcome": "cannot_be_met", "note": "No headroom"})
    assert response.status_code == 200 and response.json()["status"] == "cannot_be_met"
    assert Risk.objects.get().alert == alert
    again = client.post(url, {"outcome": "accepted", "note": "changed my mind"})
    assert again.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["desk_agent", "provider_user", "auditor_user"])
def test_only_operations_record_outcomes_by_api(request, alert, api_client, who):
    response = api_client(request.getfixturevalue(who)).post(
        f"/api/v1/demand/alerts/{alert.pk}/outcome/", {"outcome": "accepted", "note": "ok"})
    assert response.status_code in (403, 404)
    alert.refresh_from_db()
    assert alert.status == "open"


@pytest.mark.django_db
def test_provider_reports_actuals_by_csv_and_a_resubmission_replaces(provider_user, service,
                                                                    supplier_org, api_client):
    client = api_client(provider_user)
    body = ("service,participant,hour_start,volume\n"
            "uk-link,brightwater,2026-03-02T09:00,100\n")
    assert client.post("/api/v1/demand/actuals/upload/", body,
                       content_type="text/csv").status_code == 201
    client.post("/api/v1/demand/actuals/upload/", body.replace(",100", ",150"),
                content_type="text/csv")
    actual = ActualVolume.objects.get()
    assert actual.volume == 150 and actual.hour_start == datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.mark.django_db
def test_participant_cannot_report_actuals(supplier_user, service, api_client):
    response = api_client(supplier_user).post(
        "/api/v1/demand/actuals/upload/", "service,participant,hour_start,volume\n",
        content_type="text/csv")
    assert response.status_code == 403


@pytest.mark.django_db
def test_aggregate_rejects_bad_parameters(provider_user, service, api_client):
    client = api_client(provider_user)
    assert client.get("/api/v1/demand/aggregate/").status_code == 400
    assert client.get("/api/v1/demand/aggregate/?service=uk-link&from=junk").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"\xff\xfe\x00\x00binary", b"", b"a,b\n\"unclosed"])
def test_garbage_uploads_are_400(supplier_user, api_client, body):
    response = api_client(supplier_user).post(URL + "upload/", body, content_type="text/csv")
    assert response.status_code == 400 and "rows" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_share_with_unknown_organisation_is_400(operations_user, api_client, service):
    forecast = ForecastFactory(service=service)
    response = api_client(operations_user).post(f"{URL}{forecast.pk}/share/",
                                                {"organisation": "nobody"})
    assert response.status_code == 400
