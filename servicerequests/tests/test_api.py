"""The REST API: field-level 400s from the item's fields, 409 on invalid moves, 404 across
parties, approvals by the named role only, and never a 500 on malformed input."""

import pytest

from servicerequests.factories import DEFAULT_ANSWERS, raise_request
from servicerequests.models import ServiceRequest

URL = "/api/v1/service-requests/"


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


def test_catalogue_lists_requestable_items_with_their_fields(api_client, supplier_user):
    response = api_client(supplier_user).get("/api/v1/request-items/")
    assert response.status_code == 200
    items = {i["code"]: i for i in response.json()["results"]} \
        if isinstance(response.json(), dict) else {i["code"]: i for i in response.json()}
    connection = items["switching-network-connection"]
    assert connection["needs_approval"] and connection["approver_role"] == "operations"
    mpid = next(f for f in connection["fields"] if f["key"] == "mpid")
    assert mpid["type"] == "text" and mpid["regex"] == "[A-Z]{4}"


def test_raise_by_api_with_a_real_org_token(token_client, supplier_org, supplier_user):
    response = token_client(supplier_org).post(URL, {
        "item": "information-request", "answers": DEFAULT_ANSWERS["information-request"]},
        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("REQ-") and body["channel"] == "api"
    assert body["organisation"] == "brightwater" and body["status"] == "submitted"
    assert body["answers"]["subject"] == "Switch volumes"


def test_field_level_400_from_the_same_field_definitions(api_client, supplier_user):
    response = api_client(supplier_user).post(URL, {
        "item": "switching-network-connection",
        "answers": {**DEFAULT_ANSWERS["switching-network-connection"], "mpid": "bw",
                    "environment": "Staging", "go_live_date": "soon", "colour": "red"}},
        format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["answers.mpid"] == ["An MPID is four capital letters, e.g. BWTR."]
    assert "answers.environment" in fields and "answers.go_live_date" in fields
    assert fields["answers.colour"] == ["Not a field of this item."]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("body", [
    {}, {"item": "no-such-item", "answers": {}}, {"item": "information-request"},
    {"item": "information-request", "answers": "text"},
    {"item": "information-request", "answers": [1, 2]},
    {"item": ["x"], "answers": {"subject": None, "question": 12}},
    {"item": "information-request", "answers": {"subject": {"a": 1}, "question": [1]}},
])
def test_malformed_input_is_400_never_500(api_client, supplier_user, body):
    response = api_client(supplier_user).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_malformed_json_is_400(api_client, supplier_user):
    response = api_client(supplier_user).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_an_item_outside_the_audience_is_403(api_client, provider_user):
    response = api_client(provider_user).post(URL, {
        "item": "switching-network-connection",
        "answers": DEFAULT_ANSWERS["switching-network-connection"]}, format="json")
    assert response.status_code == 403


def test_only_the_desk_raises_on_behalf(api_client, supplier_user, supplier_colleague,
                                        desk_agent):
    body = {"item": "information-request", "requester": "bob", "channel": "phone",
            "answers": DEFAULT_ANSWERS["information-request"]}
    assert api_client(supplier_user).post(URL, body, format="json").status_code == 403
    response = api_client(desk_agent).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["requester"] == "bob" and response.json()["raised_by"] == "dana"


def test_invalid_transition_is_409_with_the_reason(api_client, supplier_user, desk_agent):
    sr = raise_request(by=supplier_user)
    response = api_client(desk_agent).post(f"{URL}{sr.reference}/transitions/",
                                           {"to": "closed"}, format="json")
    assert response.status_code == 409
    assert "cannot be moved to closed" in response.json()["error"]["message"]
    bad = api_client(desk_agent).post(f"{URL}{sr.reference}/transitions/", {"to": "x"},
                                      format="json")
    assert bad.status_code == 400


def test_full_flow_by_api(api_client, supplier_user, operations_user, desk_agent, provider_org,
                          provider_user):
    body = {"item": "switching-network-connection",
            "answers": DEFAULT_ANSWERS["switching-network-connection"]}
    ref = api_client(supplier_user).post(URL, body, format="json").json()["reference"]
    # The supplier cannot approve; Operations can.
    forbidden = api_client(supplier_user).post(f"{URL}{ref}/approval/",
                                               {"decision": "approve"}, format="json")
    assert forbidden.status_code == 403
    ok = api_client(operations_user).post(f"{URL}{ref}/approval/",
                                          {"decision": "approve", "comment": "Fine"},
                                          format="json")
    assert ok.json()["status"] == "approved" and ok.json()["approval"]["decided_by"] == "olu"
    desk = api_client(desk_agent)
    assert desk.post(f"{URL}{ref}/transitions/", {"to": "in_fulfilment"},
                     format="json").json()["status"] == "in_fulfilment"
    response = desk.post(f"{URL}{ref}/tasks/", {"title": "Issue certificate",
                                                "group": "xoserve"}, format="json")
    assert response.status_code == 201
    task = next(t for t in response.json()["tasks"] if t["assigned_group"] == "xoserve")
    # The provider sees the request now that a task is handed to it, and completes its task.
    provider = api_client(provider_user)
    assert provider.get(f"{URL}{ref}/").status_code == 200
    moved = provider.post(f"{URL}{ref}/tasks/{task['id']}/transitions/",
                          {"to": "done", "notes": "Certificate issued"}, format="json")
    assert moved.status_code == 200
    for t in desk.get(f"{URL}{ref}/").json()["tasks"]:
        if t["status"] != "done":
            desk.post(f"{URL}{ref}/tasks/{t['id']}/transitions/", {"to": "done", "notes": "ok"},
                      format="json")
    done = desk.post(f"{URL}{ref}/transitions/", {"to": "fulfilled", "reason": "Connected"},
                     format="json")
    assert done.json()["status"] == "fulfilled"
    sla = api_client(supplier_user).get(f"{URL}{ref}/sla/").json()
    assert set(sla) == {"response", "fulfilment", "explanation"}


def test_task_ids_of_another_request_are_404(api_client, supplier_user, desk_agent):
    from servicerequests import services

    a, b = raise_request(by=supplier_user), raise_request(by=supplier_user)
    services.start_fulfilment(service_request=b, by=desk_agent)
    task = b.tasks.get()
    response = api_client(desk_agent).post(
        f"{URL}{a.reference}/tasks/{task.pk}/transitions/", {"to": "done", "notes": "x"},
        format="json")
    assert response.status_code == 404


def test_anonymous_is_refused(api_client):
    assert api_client().get(URL).status_code in (401, 403)


def test_a_participant_naming_a_requester_is_refused_before_any_lookup(api_client,
                                                                       supplier_user):
    body = {"item": "information-request", "answers": DEFAULT_ANSWERS["information-request"]}
    for username in ("no-such-user", "bob"):
        response = api_client(supplier_user).post(URL, {**body, "requester": username},
                                                  format="json")
        assert response.status_code == 403
