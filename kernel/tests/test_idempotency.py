"""Idempotency-Key: one store and one rule for every POST a client may retry."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import resolve
from django.utils import timezone

from incidents.models import Incident, IncidentComment
from kernel.idempotency import sweep_expired
from kernel.models import IdempotencyRecord

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def incident_body(**overrides):
    return {"title": "Registration responses delayed", "description": "Nothing since 09:40",
            "services": ["uk-link"], "severity": 2, **overrides}


def test_a_retried_incident_create_returns_the_first_incident_and_creates_one(
        token_client, supplier_org, service):
    client = token_client(supplier_org)
    first = client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    again = client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="inc-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1


def test_the_same_key_with_a_different_body_is_409_and_changes_nothing(token_client, supplier_org,
                                                                        service):
    client = token_client(supplier_org)
    client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="inc-2")
    response = client.post(URL, incident_body(title="Another outage"), format="json",
                           HTTP_IDEMPOTENCY_KEY="inc-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_a_retried_comment_is_added_once(api_client, supplier_user, service):
    client = api_client(supplier_user)
    reference = client.post(URL, incident_body(), format="json").json()["reference"]
    url = f"{URL}{reference}/comments/"
    for _ in range(3):
        response = client.post(url, {"body": "Still failing at 10:05"}, format="json",
                               HTTP_IDEMPOTENCY_KEY="comment-1")
        assert response.status_code == 201
    assert IncidentComment.objects.filter(body="Still failing at 10:05").count() == 1


def test_keys_belong_to_the_organisation(api_client, supplier_user, other_supplier_user, service):
    mine = api_client(supplier_user).post(URL, incident_body(), format="json",
                                          HTTP_IDEMPOTENCY_KEY="shared")
    theirs = api_client(other_supplier_user).post(URL, incident_body(), format="json",
                                                  HTTP_IDEMPOTENCY_KEY="shared")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert Incident.objects.count() == 2


def test_a_refused_request_is_not_stored_so_the_corrected_one_goes_through(api_client,
                                                                           supplier_user, service):
    client = api_client(supplier_user)
    bad = client.post(URL, incident_body(title=""), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201
    assert IdempotencyRecord.objects.get().response_status == 201


def test_an_overlong_key_is_a_400_naming_the_header(api_client, supplier_user, service):
    response = api_client(supplier_user).post(URL, incident_body(), format="json",
                                              HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Incident.objects.exists()


def test_after_24_hours_the_key_is_a_new_request_and_the_sweep_forgets_it(api_client,
                                                                          supplier_user, service):
    client = api_client(supplier_user)
    client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        again = client.post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
        assert Incident.objects.count() == 2
        client.post(URL, incident_body(title="Third"), format="json", HTTP_IDEMPOTENCY_KEY="new")
    with time_machine.travel(timezone.now() + timedelta(hours=50)):
        assert sweep_expired() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_sweep_keeps_records_younger_than_a_day(api_client, supplier_user, service):
    api_client(supplier_user).post(URL, incident_body(), format="json", HTTP_IDEMPOTENCY_KEY="k")
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert sweep_expired() == 0
    assert IdempotencyRecord.objects.count() == 1


RETRIABLE_POSTS = [
    "/api/v1/incidents/", "/api/v1/incidents/INC-000001/comments/",
    "/api/v1/service-requests/", "/api/v1/events/", "/api/v1/demand/forecasts/",
    "/api/v1/demand/forecasts/upload/", "/api/v1/kpi-returns/",
    "/api/v1/change-notifications/", "/api/v1/change-notifications/CHG-000001/submit/",
]


@pytest.mark.parametrize("path", RETRIABLE_POSTS)
def test_every_retriable_post_takes_an_idempotency_key_and_documents_it(path, api_client,
                                                                        operations_user):
    view = resolve(path).func
    action = view.actions["post"]
    assert getattr(getattr(view.cls, action), "idempotent", False), f"{path} ({action})"
    schema = api_client(operations_user).get("/api/schema/", {"format": "json"}).json()
    template = min((p for p in schema["paths"] if _matches(p, path)), key=lambda p: p.count("{"))
    parameters = schema["paths"][template]["post"].get("parameters", [])
    assert any(p["name"] == "Idempotency-Key" for p in parameters), template


def _matches(template, path):
    parts, actual = template.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(actual) and all(
        t == a or t.startswith("{") for t, a in zip(parts, actual, strict=True))

