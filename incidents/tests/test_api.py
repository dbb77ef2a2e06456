import pytest

from incidents import services
from incidents.models import Incident

from .conftest import london

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def _raise(client, **overrides):
    body = {"title": "Registration responses delayed", "description": "Nothing since 09:40",
            "services": ["uk-link"], "severity": 2, **overrides}
    return client.post(URL, body, format="json")


def test_participant_creates_an_incident_for_its_own_organisation(api_client, supplier_user,
                                                                 service):
    response = _raise(api_client(supplier_user))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("INC-")
    assert body["organisation"] == "brightwater" and body["channel"] == "api"
    assert body["proposed_severity"] == 2 and body["services"] == ["uk-link"]


def test_token_client_creates_as_the_organisation(token_client, supplier_org, service):
    response = _raise(token_client(supplier_org))
    assert response.status_code == 201
    assert Incident.objects.get().raised_by.is_system_account


def test_sev1_created_at_ten_has_response_ten_past_and_resolution_two_pm(
        clock, api_client, supplier_user, service):
    clock.to(london(2026, 11, 27, 10, 0))
    body = _raise(api_client(supplier_user), severity=1).json()
    assert body["response_due_at"] == "2026-11-27T10:10:00Z"
    assert body["resolution_due_at"] == "2026-11-27T14:00:00Z"


@pytest.mark.parametrize("overrides, field", [
    ({"severity": 5}, "severity"), ({"severity": "high"}, "severity"),
    ({"services": ["nope"]}, "services"), ({"services": []}, "services"),
    ({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({"description": None},
                                                                "description"),
    ({"organisation": "kestrel"}, "organisation"),
])
def test_bad_input_gives_field_level_400(api_client, supplier_user, other_supplier_org, service,
                                         overrides, field):
    response = _raise(api_client(supplier_user), **overrides)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_malformed_json_is_400_not_500(api_client, supplier_user):
    response = api_client(supplier_user).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_auditor_cannot_raise(api_client, auditor_user, service):
    assert _raise(api_client(auditor_user)).status_code == 403


def test_anonymous_gets_401(api_client):
    assert api_client().get(URL).status_code in (401, 403)


def test_participants_see_only_their_organisation(api_client, make_incident, supplier_colleague,
                                                  other_supplier_user):
    incident = make_incident()
    mine = api_client(supplier_colleague).get(URL).json()
    assert [i["reference"] for i in mine["results"]] == [incident.reference]
    assert api_client(other_supplier_user).get(URL).json()["results"] == []
    assert api_client(other_supplier_user).get(
        f"{URL}{incident.reference}/").status_code == 404
    assert api_client(other_supplier_user).post(
        f"{URL}{incident.reference}/comments/", {"body": "hi"}).status_code == 404


def test_provider_sees_incidents_assigned_to_it_now_or_before(
        api_client, make_incident, desk_agent, provider_user, other_provider_user,
        provider_org, other_provider_org):
    incident = make_incident()
    assert api_client(provider_user).get(f"{URL}{incident.reference}/").status_code == 404
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    assert api_client(provider_user).get(f"{URL}{incident.reference}/").status_code == 200
    services.assign_incident(incident=incident, resolver_group=other_provider_org, by=desk_agent)
    assert api_client(provider_user).get(f"{URL}{incident.reference}/").status_code == 200
    body = api_client(other_provider_user).get(f"{URL}{incident.reference}/").json()
    assert [task["resolver_group"] for task in body["tasks"]] == ["gemserv"]  # its own only
    body = api_client(desk_agent).get(f"{URL}{incident.reference}/").json()
    assert [(t["resolver_group"], t["status"]) for t in body["tasks"]] == [
        ("xoserve", "handed_over"), ("gemserv", "open")]


def test_invalid_transition_is_409_with_the_reason(api_client, make_incident, desk_agent):
    incident = make_incident()
    response = api_client(desk_agent).post(f"{URL}{incident.reference}/transitions/",
                                           {"to": "closed"})
    assert response.status_code == 409
    assert "cannot be moved to closed" in response.json()["error"]["message"]


def test_transition_flow_through_the_api(api_client, make_incident, desk_agent, supplier_user):
    incident = make_incident()
    url = f"{URL}{incident.reference}/transitions/"
    desk = api_client(desk_agent)
    assert desk.post(url, {"to": "in_progress"}).json()["status"] == "in_progress"
    assert desk.post(url, {"to": "resolved", "resolution_code": "fixed",
                           "resolution_notes": "Done"}).json()["status"] == "resolved"
    assert api_client(supplier_user).post(url, {"to": "closed"}).json()["status"] == "closed"


@pytest.mark.parametrize("body, field", [
    ({"to": "flying"}, "to"), ({}, "to"), ({"to": "pending", "pending_reason": "lunch"},
                                           "pending_reason"),
    ({"to": "cancelled", "duplicate_of": "INC-999999"}, "duplicate_of"),
])
def test_transition_bad_input_is_400(api_client, make_incident, desk_agent, body, field):
    incident = make_incident()
    response = api_client(desk_agent).post(f"{URL}{incident.reference}/transitions/", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_participant_cannot_resolve_their_own_incident(api_client, make_incident, supplier_user):
    incident = make_incident()
    response = api_client(supplier_user).post(
        f"{URL}{incident.reference}/transitions/",
        {"to": "resolved", "resolution_code": "fixed", "resolution_notes": "x"})
    assert response.status_code == 403


def test_severity_change_via_api_needs_desk_and_reason(api_client, make_incident, desk_agent,
                                                       supplier_user):
    incident = make_incident(severity=3)
    url = f"{URL}{incident.reference}/severity/"
    assert api_client(supplier_user).post(url, {"severity": 1, "reason": "x"}).status_code == 403
    response = api_client(desk_agent).post(url, {"severity": 1})
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    assert api_client(desk_agent).post(url, {"severity": 1, "reason": "Market-wide"}).json()[
        "severity"] == 1


def test_assign_via_api(api_client, make_incident, desk_agent, provider_org, supplier_org,
                        mailoutbox, django_capture_on_commit_callbacks):
    incident = make_incident()
    url = f"{URL}{incident.reference}/assign/"
    bad = api_client(desk_agent).post(url, {"resolver_group": "brightwater"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        body = api_client(desk_agent).post(url, {"resolver_group": "xoserve"}).json()
    assert body["assigned_group"] == "xoserve"
    assert any(incident.reference in m.subject and m.to == [provider_org.contact_email]
               for m in mailoutbox)


def test_work_notes_never_reach_participants(api_client, make_incident, desk_agent,
                                             supplier_user):
    incident = make_incident()
    url = f"{URL}{incident.reference}/comments/"
    assert api_client(desk_agent).post(url, {"body": "internal", "public": False}).status_code \
        == 201
    assert api_client(desk_agent).post(url, {"body": "hello"}).status_code == 201
    seen = [c["body"] for c in api_client(supplier_user).get(url).json()]
    assert seen == ["hello"]
    assert api_client(supplier_user).post(url, {"body": "sneaky", "public": False}).status_code \
        == 403
    assert api_client(supplier_user).post(url, {"body": ""}).status_code == 400


def test_filters(api_client, make_incident, desk_agent, other_service):
    sev1, sev3 = make_incident(severity=1), make_incident(severity=3, services=[other_service])
    desk = api_client(desk_agent)

    def refs(query):
        return {i["reference"] for i in desk.get(URL + query).json()["results"]}

    assert refs("?severity=1") == {sev1.reference}
    assert refs("?service=ecoes") == {sev3.reference}
    assert refs("?status=new") == {sev1.reference, sev3.reference}
    assert refs("?breached=true") == set()
    assert desk.get(URL + "?severity=9").status_code == 400


def test_patch_details(api_client, make_incident, supplier_user, other_supplier_user,
                       desk_agent):
    incident = make_incident()
    url = f"{URL}{incident.reference}/"
    assert api_client(supplier_user).patch(url, {"title": "Better title"}).json()["title"] == \
        "Better title"
    assert api_client(other_supplier_user).patch(url, {"title": "x"}).status_code == 404
    assert api_client(supplier_user).patch(url, {"title": ""}).status_code == 400
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    assert api_client(supplier_user).patch(url, {"title": "Again"}).status_code == 403


def test_sla_endpoint_explains(api_client, make_incident, supplier_user):
    incident = make_incident(severity=1)
    body = api_client(supplier_user).get(f"{URL}{incident.reference}/sla/").json()
    assert body["resolution"]["target"] == "4 h"
    assert any("Raised" in line for line in body["explanation"])


def test_list_query_count_is_constant(api_client, make_incident, desk_agent,
                                      django_assert_max_num_queries):
    for _ in range(5):
        make_incident()
    client = api_client(desk_agent)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 5


def test_each_move_records_the_channel_it_came_through(api_client, make_incident, desk_agent):
    incident = make_incident()
    api_client(desk_agent).post(f"{URL}{incident.reference}/transitions/",
                                {"to": "in_progress", "reason": "Investigating"})
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_provider")  # a task, a command
    assert [(t.to_status, t.channel) for t in incident.transitions.all()] == [
        ("in_progress", "api"), ("pending", "system")]
