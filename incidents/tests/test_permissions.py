"""Every API and portal path tried by every party: another party's incident is 404."""

import pytest

from incidents import services
from incidents.models import Incident

pytestmark = pytest.mark.django_db

API_PATHS = [
    ("get", "/api/v1/incidents/{ref}/", None),
    ("patch", "/api/v1/incidents/{ref}/", {"title": "x"}),
    ("post", "/api/v1/incidents/{ref}/transitions/", {"to": "in_progress"}),
    ("post", "/api/v1/incidents/{ref}/severity/", {"severity": 1, "reason": "x"}),
    ("post", "/api/v1/incidents/{ref}/assign/", {"resolver_group": "gemserv"}),
    ("get", "/api/v1/incidents/{ref}/comments/", None),
    ("post", "/api/v1/incidents/{ref}/comments/", {"body": "x"}),
    ("get", "/api/v1/incidents/{ref}/sla/", None),
]
PORTAL_PATHS = [
    ("get", "/incidents/{ref}/", None),
    ("post", "/incidents/{ref}/comment/", {"body": "x"}),
    ("post", "/incidents/{ref}/transition/", {"to": "in_progress"}),
]


@pytest.fixture
def incident(make_incident, other_provider_org):
    return make_incident()


@pytest.mark.parametrize("method, path, body", API_PATHS)
def test_other_parties_get_404_on_every_api_path(api_client, incident, other_supplier_user,
                                                 other_provider_user, method, path, body):
    for user in (other_supplier_user, other_provider_user):
        response = getattr(api_client(user), method)(path.format(ref=incident.reference), body)
        assert response.status_code == 404, (user, method, path)


@pytest.mark.parametrize("method, path, body", API_PATHS)
def test_auditor_reads_everything_and_changes_nothing(api_client, incident, auditor_user,
                                                      method, path, body):
    response = getattr(api_client(auditor_user), method)(path.format(ref=incident.reference),
                                                         body)
    assert response.status_code == (200 if method == "get" else 403)
    incident.refresh_from_db()
    assert (incident.status, incident.title, incident.severity) == (
        "new", incident.title, 3) and not incident.comments.exists()


@pytest.mark.parametrize("method, path, body", API_PATHS)
def test_anonymous_is_refused_on_every_api_path(api_client, incident, method, path, body):
    response = getattr(api_client(), method)(path.format(ref=incident.reference), body)
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("method, path, body", PORTAL_PATHS)
def test_other_parties_get_404_on_every_portal_path(client, incident, other_supplier_user,
                                                    other_provider_user, method, path, body):
    for user in (other_supplier_user, other_provider_user):
        client.force_login(user)
        response = getattr(client, method)(path.format(ref=incident.reference), body or {})
        assert response.status_code == 404, (user, method, path)


def test_participant_may_not_assign_or_regrade(api_client, incident, supplier_user):
    client = api_client(supplier_user)
    ref = incident.reference
    assert client.post(f"/api/v1/incidents/{ref}/assign/",
                       {"resolver_group": "gemserv"}).status_code == 403
    assert client.post(f"/api/v1/incidents/{ref}/severity/",
                       {"severity": 1, "reason": "x"}).status_code == 403


def test_provider_token_reads_only_assigned_and_may_update(token_client, incident, desk_agent,
                                                           provider_org, other_provider_org):
    client = token_client(provider_org)
    ref = incident.reference
    assert client.get(f"/api/v1/incidents/{ref}/").status_code == 404
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    assert client.post(f"/api/v1/incidents/{ref}/comments/",
                       {"body": "Fix deployed"}).status_code == 201
    response = client.post(f"/api/v1/incidents/{ref}/transitions/", {
        "to": "resolved", "resolution_code": "fixed", "resolution_notes": "Deployed 1.2.3"})
    assert response.status_code == 200
    assert Incident.objects.get(pk=incident.pk).status == "resolved"
    assert token_client(other_provider_org).get(f"/api/v1/incidents/{ref}/").status_code == 404
