import json

import pytest

from changes import services as change_services
from changes.models import ChangeNotification, ConsultationRequest
from kernel.models import IdempotencyRecord
from services.factories import ServiceDependencyFactory

URL = "/api/v1/change-notifications/"


def payload(service, **overrides):
    body = {
        "title": "UK Link database patching", "change_type": "normal",
        "description": "Quarterly patches.", "risk": "Low.", "back_out_plan": "Fail back.",
        "planned_start": "2027-03-07T00:00:00Z", "planned_end": "2027-03-07T04:00:00Z",
        "impacts": [{"service": service.code, "impact": "outage"}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def xoserve(token_client, provider_org):
    return token_client(provider_org)


@pytest.fixture
def gemserv(token_client, other_provider_org):
    return token_client(other_provider_org)


def test_provider_runs_a_planned_outage_over_rest(xoserve, service, operations_user,
                                                  api_client, supplier_user):
    created = xoserve.post(URL, payload(service), format="json")
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    assert created.json()["status"] == "draft" and reference.startswith("CHG-")
    assert xoserve.post(f"{URL}{reference}/submit/", {}).json()["status"] == "submitted"
    change = ChangeNotification.objects.get(reference=reference)
    change_services.perform_action(change_notification=change, action="approve",
                                   by=operations_user, reason="CCG 4 Mar")
    schedule = api_client(supplier_user).get("/api/v1/change-schedule/").json()
    assert [row["reference"] for row in schedule["results"]] == [reference]
    assert xoserve.post(f"{URL}{reference}/start/", {}).json()["status"] == "in_progress"
    done = xoserve.post(f"{URL}{reference}/complete/", {"reason": "All good"}).json()
    assert done["status"] == "implemented"
    assert [t["to_status"] for t in done["transitions"]] == [
        "submitted", "under_assessment", "approved", "in_progress", "implemented"]


def test_report_failure_records_backed_out(xoserve, make_change, service):
    change = make_change([service], status="in_progress")
    response = xoserve.post(f"{URL}{change.reference}/report-failure/",
                            {"outcome": "backed_out", "reason": "Errors after cut-over"})
    assert response.status_code == 200 and response.json()["status"] == "backed_out"
    assert xoserve.post(f"{URL}{change.reference}/report-failure/",
                        {"outcome": "exploded"}).status_code == 400


def test_invalid_transition_is_409_with_the_reason(xoserve, make_change, service):
    change = make_change([service])
    response = xoserve.post(f"{URL}{change.reference}/start/", {})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        f"{change.reference} is draft; it cannot be moved to in progress.")


def test_only_drafts_can_be_patched(xoserve, make_change, service):
    draft = make_change([service])
    ok = xoserve.patch(f"{URL}{draft.reference}/", {"title": "New title"}, format="json")
    assert ok.status_code == 200 and ok.json()["title"] == "New title"
    submitted = make_change([service], status="submitted")
    assert xoserve.patch(f"{URL}{submitted.reference}/", {"title": "x"},
                         format="json").status_code == 409


def test_another_providers_notification_is_404(gemserv, make_change, service):
    change = make_change([service])
    assert gemserv.get(f"{URL}{change.reference}/").status_code == 404
    assert gemserv.post(f"{URL}{change.reference}/submit/", {}).status_code == 404
    assert gemserv.patch(f"{URL}{change.reference}/", {"title": "x"},
                         format="json").status_code == 404
    assert gemserv.get(URL).json()["results"] == []


def test_participants_and_desk_cannot_create(api_client, supplier_user, desk_agent, service):
    for user in (supplier_user, desk_agent):
        assert api_client(user).post(URL, payload(service), format="json").status_code == 403


def test_participant_cannot_list_notifications_but_reads_the_schedule(token_client,
                                                                      supplier_org):
    client = token_client(supplier_org)
    assert client.get(URL).json()["results"] == []
    assert client.get("/api/v1/change-schedule/").status_code == 200


def test_anonymous_is_401(service):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.parametrize("overrides,field", [
    ({"planned_end": "2027-03-06T23:00:00Z"}, "planned_end"),
    ({"impacts": [{"service": "no-such-service", "impact": "outage"}]}, "impacts.0.service"),
    ({"impacts": [{"service": "uk-link", "impact": "apocalypse"}]}, "impacts.0.impact"),
    ({"impacts": "uk-link"}, "impacts"),
    ({"planned_start": "next tuesday"}, "planned_start"),
    ({"planned_start": 12345}, "planned_start"),
    ({"title": ["not", "a", "string"]}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"change_type": "urgent"}, "change_type"),
    ({"contact": "nobody"}, "contact"),
])
def test_bad_input_gives_field_errors(xoserve, service, overrides, field):
    response = xoserve.post(URL, payload(service, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_duplicate_impacts_and_missing_fields(xoserve, service):
    body = payload(service, impacts=[{"service": "uk-link", "impact": "outage"}] * 2)
    assert "impacts" in xoserve.post(URL, body, format="json").json()["error"]["fields"]
    fields = xoserve.post(URL, {}, format="json").json()["error"]["fields"]
    assert {"title", "planned_start", "impacts"} <= set(fields)


def test_malformed_json_and_non_object_bodies_are_400(xoserve, service):
    bad = xoserve.post(URL, "{not json", content_type="application/json")
    assert bad.status_code == 400
    assert xoserve.post(URL, "[1, 2]", content_type="application/json").status_code == 400
    assert xoserve.post(URL, "null", content_type="application/json").status_code == 400


def test_oversize_payload_is_413(xoserve, service, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(payload(service, description="x" * 20_000))
    assert xoserve.post(URL, body, content_type="application/json").status_code == 413


def test_contact_must_be_a_person_of_the_provider(xoserve, service, provider_user,
                                                  other_provider_user):
    ok = xoserve.post(URL, payload(service, contact=provider_user.username), format="json")
    assert ok.status_code == 201 and ok.json()["contact"] == provider_user.username
    other = xoserve.post(URL, payload(service, contact=other_provider_user.username),
                         format="json")
    assert "contact" in other.json()["error"]["fields"]


# --- idempotency ------------------------------------------------------------
def test_retry_with_the_same_key_replays_the_first_response(xoserve, service):
    first = xoserve.post(URL, payload(service), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = xoserve.post(URL, payload(service), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again["Idempotent-Replayed"] == "true"
    assert ChangeNotification.objects.count() == 1


def test_same_key_with_a_different_body_is_409(xoserve, service):
    xoserve.post(URL, payload(service), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    response = xoserve.post(URL, payload(service, title="Other"), format="json",
                            HTTP_IDEMPOTENCY_KEY="abc-2")
    assert response.status_code == 409
    assert "different request" in response.json()["error"]["message"]
    assert ChangeNotification.objects.count() == 1


def test_idempotent_transition_is_not_repeated(xoserve, make_change, service):
    change = make_change([service])
    first = xoserve.post(f"{URL}{change.reference}/submit/", {}, HTTP_IDEMPOTENCY_KEY="s-1")
    again = xoserve.post(f"{URL}{change.reference}/submit/", {}, HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == again.status_code == 200
    assert change.transitions.count() == 1
    without_key = xoserve.post(f"{URL}{change.reference}/submit/", {})
    assert without_key.status_code == 409


def test_keys_are_scoped_to_the_organisation(xoserve, gemserv, service, other_service):
    xoserve.post(URL, payload(service), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = gemserv.post(URL, payload(other_service), format="json",
                            HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_failed_request_is_not_stored_so_a_corrected_retry_works(xoserve, service):
    bad = xoserve.post(URL, payload(service, title=""), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = xoserve.post(URL, payload(service), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201


def test_overlong_key_is_400(xoserve, service):
    response = xoserve.post(URL, payload(service), format="json",
                            HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400


# --- schedule and consultation ---------------------------------------------
def test_schedule_filters_and_bad_dates(api_client, supplier_user, make_change, service,
                                        other_service, other_provider_org):
    on_uk_link = make_change([service], status="approved")
    make_change([other_service], status="in_progress", provider=other_provider_org)
    make_change([service], status="submitted")
    client = api_client(supplier_user)
    rows = client.get("/api/v1/change-schedule/", {"service": "uk-link"}).json()["results"]
    assert [r["reference"] for r in rows] == [on_uk_link.reference]
    assert len(client.get("/api/v1/change-schedule/").json()["results"]) == 2
    assert client.get("/api/v1/change-schedule/", {"start": "soon"}).status_code == 400


def test_consulted_provider_responds_over_rest(gemserv, xoserve, make_change, service,
                                               other_service, provider_user):
    ServiceDependencyFactory(service=other_service, depends_on=service)
    change = make_change([service])
    change_services.perform_action(change_notification=change, action="submit", by=provider_user)
    listed = gemserv.get("/api/v1/change-consultations/").json()["results"]
    assert [row["change_notification"]["reference"] for row in listed] == [change.reference]
    assert xoserve.get("/api/v1/change-consultations/").json()["results"] == []
    url = f"/api/v1/change-consultations/{listed[0]['id']}/respond/"
    assert gemserv.post(url, {"response": "impact"}).status_code == 400
    answered = gemserv.post(url, {"response": "impact", "comment": "ECOES feed delayed"})
    assert answered.status_code == 200 and answered.json()["response"] == "impact"
    assert xoserve.post(url, {"response": "no_impact"}).status_code == 404
    assert ConsultationRequest.objects.get().responded_at is not None


def test_auditor_cannot_change_a_draft_over_the_api(api_client, auditor_user, make_change,
                                                    service):
    change = make_change([service])
    client = api_client(auditor_user)
    assert client.get(f"{URL}{change.reference}/").status_code == 200
    assert client.patch(f"{URL}{change.reference}/", {"title": "x"},
                        format="json").status_code == 403
    assert client.post(f"{URL}{change.reference}/submit/", {}).status_code == 403


def test_openapi_schema_documents_the_idempotency_header(api_client, operations_user):
    schema = api_client(operations_user).get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/change-notifications/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "409" in str(schema["paths"]["/api/v1/change-notifications/{reference}/start/"])


def test_attachments_over_the_api(xoserve, gemserv, make_change, service, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # files may be larger than other bodies
    change = make_change([service])
    url = f"{URL}{change.reference}/attachments/"
    big = xoserve.post(url, {"file": SimpleUploadedFile("big.txt", b"x" * 5000)},
                       format="multipart")
    assert big.status_code == 201, big.content
    created = xoserve.post(url, {"file": SimpleUploadedFile("plan.txt", b"the plan")},
                           format="multipart")
    assert created.status_code == 201, created.content
    attachment_id = created.json()["id"]
    bad = xoserve.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()["error"]["fields"]
    assert xoserve.post(url, {}, format="multipart").status_code == 400
    download = xoserve.get(f"{url}{attachment_id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"the plan"
    assert gemserv.get(f"{url}{attachment_id}/").status_code == 404
    assert xoserve.get(f"{URL}{change.reference}/").json()["attachments"][1]["size"] == 8
