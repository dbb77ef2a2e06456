"""Failing examples found by fuzzing the API (bin/fuzz_api.py), kept as regular tests.

Each was a 500 or a response the schema did not describe; the fix is to the class of
problem (see kernel/input_guard.py, api_input.py, api_pagination.py), and the
example stays here so it cannot come back.
"""

import pytest

from accounts.factories import issue_token
from changes.factories import ChangeImpactFactory, ChangeNotificationFactory
from notifications.models import NotificationPreference

from .conftest import operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def xoserve(provider_org):
    from rest_framework.test import APIClient

    _, key = issue_token(provider_org)
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_limit_above_two_to_the_63_on_a_list(xoserve):
    response = xoserve.get("/api/v1/service-status/?offset=-1545754&limit=43256615701344927744")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"limit"}  # limit is read first


def test_patch_of_a_draft_with_an_impact_missing_its_service_is_400_as_on_create(
        xoserve, provider_org, service):
    change = ChangeNotificationFactory(provider=provider_org)
    ChangeImpactFactory(change_notification=change, service=service, impact="outage")
    body = {"impacts": [{"impact": "none"}]}
    patched = xoserve.patch(f"/api/v1/change-notifications/{change.reference}/", body,
                            format="json")
    created = xoserve.post("/api/v1/change-notifications/", body, format="json")
    assert patched.status_code == 400
    assert patched.json()["error"]["fields"] == {"impacts.0.service": ["This field is required."]}
    assert created.json()["error"]["fields"]["impacts.0.service"] == ["This field is required."]
    assert [i.impact for i in change.impacts.all()] == ["outage"]  # nothing half-written


def test_patch_still_leaves_out_what_it_does_not_send(xoserve, provider_org, service):
    change = ChangeNotificationFactory(provider=provider_org, title="Old title")
    ChangeImpactFactory(change_notification=change, service=service, impact="outage")
    response = xoserve.patch(f"/api/v1/change-notifications/{change.reference}/",
                             {"impacts": [{"service": service.code, "impact": "degraded"}]},
                             format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Old title"
    assert response.json()["impacts"] == [{"service": service.code, "impact": "degraded"}]


def test_notification_preference_without_email_takes_the_default(xoserve):
    response = xoserve.post("/api/v1/notification-preferences/", {"topic": "_"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["email"] is True


def test_renaming_a_preference_onto_an_existing_topic_is_400_not_an_integrity_error(
        xoserve, provider_org):
    xoserve.post("/api/v1/notification-preferences/", {"topic": "incident.resolved",
                                                       "email": False}, format="json")
    other = xoserve.post("/api/v1/notification-preferences/", {"topic": "incident.closed"},
                         format="json").json()
    for method in ("put", "patch"):
        response = getattr(xoserve, method)(
            f"/api/v1/notification-preferences/{other['id']}/",
            {"topic": "incident.resolved", "email": False}, format="json")
        assert response.status_code == 400
        assert "already have a preference" in response.json()["error"]["fields"]["topic"][0]
    assert NotificationPreference.objects.filter(topic="incident.closed").exists()


def test_forecast_without_unit_takes_the_documented_default(token_client, supplier_org, service):
    response = token_client(supplier_org).post("/api/v1/demand/forecasts/", {
        "service": service.code, "window_start": "2026-03-02T09:00:00Z",
        "window_end": "2026-03-02T12:00:00Z", "volume": 10, "reason": "Migration"},
        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["unit"] == "switch_requests"


@pytest.mark.parametrize("body", ["null", "false", "0", "[]", '"text"'])
def test_a_json_body_that_is_not_an_object_is_400_on_every_write(openapi, token_client,
                                                                  provider_org, body):
    client = token_client(provider_org)
    writes = [(method, path) for method, path, operation in operations(openapi)
              if method in ("POST", "PUT", "PATCH") and "{" not in path
              and "application/json" in operation.get("requestBody", {}).get("content", {})]
    assert len(writes) >= 7
    for method, path in writes:
        response = getattr(client, method.lower())(path, body, content_type="application/json")
        assert response.status_code in (400, 403), (method, path, response.content)
        if response.status_code == 400:
            assert "not " in response.json()["error"]["fields"]["non_field_errors"][0]


@pytest.mark.parametrize("body", ["null", "false", "0"])
def test_a_non_object_body_on_a_record_is_400_and_changes_nothing(xoserve, provider_org, body):
    change = ChangeNotificationFactory(provider=provider_org, title="Patching")
    url = f"/api/v1/change-notifications/{change.reference}/"
    for response in (xoserve.patch(url, body, content_type="application/json"),
                     xoserve.post(url + "submit/", body, content_type="application/json")):
        assert response.status_code == 400, response.content
    change.refresh_from_db()
    assert change.status == "draft" and change.title == "Patching"
