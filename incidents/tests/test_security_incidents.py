"""Information security incidents (s.9.4): the rule in accounts.policy, tried from every channel.

Only the desk, Switching Operations, the provider the incident is handed to and the raising
organisation's security contacts ever learn of one; public status, bulletins and the
major-incident banner only once the desk releases it.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.factories import UserFactory
from incidents import major_incidents, security, services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.models import Incident
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_contact(supplier_org):
    return UserFactory(username="sasha", organisation=supplier_org, is_security_contact=True)


@pytest.fixture
def security_incident(security_contact, service, desk_agent, provider_org,
                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.raise_incident(
            organisation=security_contact.organisation, raised_by=security_contact,
            title="Phishing mails quoting our CSS credentials", description="Seen at 08:10.",
            services=[service], severity=1, channel="portal", kind=Incident.Kind.SECURITY)
        services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    return incident


def _sees(user, incident):
    return Incident.objects.visible_to(user).filter(pk=incident.pk).exists()


def test_only_the_rules_parties_see_a_security_incident(
        security_incident, security_contact, supplier_colleague, other_supplier_user,
        provider_user, other_provider_user, desk_agent, operations_user, auditor_user):
    for user in (security_contact, provider_user, desk_agent, operations_user):
        assert _sees(user, security_incident), user
    for user in (supplier_colleague, other_supplier_user, other_provider_user, auditor_user):
        assert not _sees(user, security_incident), user


def test_a_security_contact_of_another_organisation_sees_nothing(security_incident,
                                                                 other_supplier_org):
    stranger = UserFactory(organisation=other_supplier_org, is_security_contact=True)
    assert not _sees(stranger, security_incident)


def test_ordinary_incidents_are_unaffected(make_incident, supplier_colleague, auditor_user):
    incident = make_incident()
    assert _sees(supplier_colleague, incident) and _sees(auditor_user, incident)


def test_api_list_detail_and_comments_hide_it(api_client, security_incident, supplier_colleague,
                                               other_provider_user, auditor_user,
                                               security_contact):
    ref = security_incident.reference
    for user in (supplier_colleague, other_provider_user, auditor_user):
        client = api_client(user)
        assert ref not in client.get("/api/v1/incidents/").content.decode(), user
        assert client.get(f"/api/v1/incidents/{ref}/").status_code == 404, user
        assert client.get(f"/api/v1/incidents/{ref}/comments/").status_code == 404, user
        assert client.post(f"/api/v1/incidents/{ref}/comments/",
                           {"body": "Hello?"}).status_code == 404, user
    shown = api_client(security_contact).get(f"/api/v1/incidents/{ref}/").json()
    assert shown["kind"] == "security"


def test_an_organisations_api_token_does_not_see_it_but_the_named_providers_does(
        token_client, security_incident, supplier_org, provider_org, other_provider_org):
    ref = security_incident.reference
    assert token_client(supplier_org).get(f"/api/v1/incidents/{ref}/").status_code == 404
    assert token_client(other_provider_org).get(f"/api/v1/incidents/{ref}/").status_code == 404
    assert token_client(provider_org).get(f"/api/v1/incidents/{ref}/").status_code == 200


def test_portal_list_and_detail_hide_it(client, security_incident, supplier_colleague,
                                        security_contact):
    client.force_login(supplier_colleague)
    assert security_incident.reference not in client.get("/incidents/?show=all").content.decode()
    assert client.get(security_incident.get_absolute_url()).status_code == 404
    client.force_login(security_contact)
    page = client.get(security_incident.get_absolute_url())
    assert page.status_code == 200 and b"Information security incident" in page.content


def test_the_console_hides_it_from_auditors(client, security_incident, auditor_user,
                                            desk_agent):
    change = reverse("admin:incidents_incident_change", args=[security_incident.pk])
    client.force_login(auditor_user)
    listing = client.get("/admin/incidents/incident/").content.decode()
    assert security_incident.reference not in listing
    search = client.get(f"/admin/incidents/incident/?q={security_incident.reference}")
    assert b"0 results" in search.content
    assert client.get(change).status_code in (302, 404)
    client.force_login(desk_agent)
    assert client.get(change).status_code == 200


def test_the_dashboard_lists_do_not_name_it_to_an_auditor(client, security_incident, desk_agent,
                                                          auditor_user):
    major_incidents.declare_major(incident=security_incident, by=desk_agent, manager=desk_agent,
                                  summary="Credential leak being contained.")
    client.force_login(auditor_user)
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert security_incident.reference not in page
    client.force_login(desk_agent)
    assert security_incident.reference in client.get(reverse("reporting:dashboard")).content.decode()


def test_public_status_shows_it_only_once_released(client, security_incident, desk_agent,
                                                   service, django_capture_on_commit_callbacks):
    from servicestatus.models import ServiceState

    def derived():
        state = ServiceState.objects.filter(service=service).first()
        return state.status if state else "operational"

    status = client.get("/api/v1/status/").json()
    assert status["incidents"] == []
    assert derived() == "operational"  # a Sev1 security incident marks no outage
    with django_capture_on_commit_callbacks(execute=True):
        security.release_security_incident(incident=security_incident, by=desk_agent,
                                           reason="Contained; the market may be told.")
    status = client.get("/api/v1/status/").json()
    assert [i["reference"] for i in status["incidents"]] == [security_incident.reference]
    assert derived() == "major_outage"


def test_a_major_security_incident_is_not_broadcast_to_the_market(
        security_incident, desk_agent, security_contact, other_supplier_org, supplier_colleague,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        major_incidents.declare_major(incident=security_incident, by=desk_agent,
                                      manager=desk_agent, summary="Credential leak contained.")
    addresses = {a for e in OutboundEmail.objects.filter(topic="incident.communication") for a in e.to}
    assert other_supplier_org.contact_email not in addresses
    assert security_incident.organisation.contact_email not in addresses
    assert supplier_colleague.email not in addresses
    assert security_contact.email in addresses
    assert all(security_incident.reference not in m.subject or set(m.to) <= addresses
               for m in mail.outbox)


def test_bulletins_may_not_name_an_unreleased_security_incident(security_incident, desk_agent):
    from servicestatus.bulletins import BulletinError, publish_bulletin

    text = dict(kind="incident_update", title=f"Update on {security_incident.reference}",
                body="Working on it.", audience="participants")
    with pytest.raises(BulletinError, match="not released"):
        publish_bulletin(by=desk_agent, **text)
    security.release_security_incident(incident=security_incident, by=desk_agent,
                                       reason="Agreed with the CISO forum.")
    assert publish_bulletin(by=desk_agent, **text).pk


def test_only_the_desk_and_security_contacts_raise_one(api_client, supplier_colleague,
                                                       security_contact, service):
    body = {"title": "Suspicious login", "description": "From abroad.", "severity": 2,
            "services": ["uk-link"], "kind": "security"}
    refused = api_client(supplier_colleague).post("/api/v1/incidents/", body, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["error"]["fields"]
    raised = api_client(security_contact).post("/api/v1/incidents/", body, format="json")
    assert raised.status_code == 201 and raised.json()["kind"] == "security"
    with pytest.raises(NotAllowed):
        services.raise_incident(organisation=supplier_colleague.organisation,
                                raised_by=supplier_colleague, title="x", description="y",
                                services=[service], severity=3, channel="portal",
                                kind=Incident.Kind.SECURITY)


def test_the_portal_offers_the_choice_only_to_security_contacts(client, supplier_colleague,
                                                                security_contact, service):
    client.force_login(supplier_colleague)
    assert b"information security incident" not in client.get("/incidents/raise/").content
    client.force_login(security_contact)
    assert b"information security incident" in client.get("/incidents/raise/").content
    response = client.post("/incidents/raise/", {
        "title": "Credential stuffing", "description": "Many failed logins.",
        "services": [service.pk], "severity": 3, "security": "on"})
    assert response.status_code == 302
    assert Incident.objects.get(title="Credential stuffing").kind == "security"


def test_classifying_hides_an_incident_and_leaves_a_note(api_client, make_incident, desk_agent,
                                                         supplier_user, auditor_user):
    incident = make_incident()
    ref = incident.reference
    assert api_client(supplier_user).post(f"/api/v1/incidents/{ref}/classify-security/",
                                          {"reason": "x"}).status_code in (403, 404)
    response = api_client(desk_agent).post(f"/api/v1/incidents/{ref}/classify-security/",
                                           {"reason": "Malware on an adapter"})
    assert response.status_code == 200 and response.json()["kind"] == "security"
    assert not _sees(supplier_user, incident) and not _sees(auditor_user, incident)
    assert incident.comments.filter(is_public=False, body__contains="Malware").exists()
    again = api_client(desk_agent).post(f"/api/v1/incidents/{ref}/classify-security/",
                                        {"reason": "again"})
    assert again.status_code == 409
    assert api_client(desk_agent).post(f"/api/v1/incidents/{ref}/release-security/",
                                       {}).status_code == 400


def test_only_the_desk_classifies_or_releases(security_incident, provider_user, auditor_user,
                                              make_incident):
    for user in (provider_user, auditor_user):
        with pytest.raises(NotAllowed):
            security.release_security_incident(incident=security_incident, by=user, reason="x")
    with pytest.raises(InvalidTransition):
        security.release_security_incident(incident=make_incident(), by=UserFactory(desk=True),
                                           reason="not a security incident")
    assert not isinstance(NotAllowed("x"), PermissionDenied)


def test_the_audit_trail_does_not_tell_an_auditor_about_it(client, security_incident,
                                                           make_incident, auditor_user,
                                                           desk_agent):
    from accounts.models_audit import AuditEntry

    ordinary = make_incident(title="Slow DES lookups")
    services.add_comment(incident=security_incident, author=desk_agent, body="Keys rotated")
    hidden = AuditEntry.objects.visible_to(auditor_user)
    assert not hidden.filter(object_repr__contains=security_incident.reference).exists()
    assert hidden.filter(object_repr__contains=ordinary.reference).exists()
    assert AuditEntry.objects.visible_to(desk_agent).filter(
        object_repr__contains=security_incident.reference).exists()
    client.force_login(auditor_user)
    page = client.get("/admin/accounts/auditentry/?q=Phishing").content.decode()
    assert page.count(security_incident.title) == 0
