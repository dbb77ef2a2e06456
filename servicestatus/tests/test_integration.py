"""With the real incidents and changes apps: derivation through their signals, and the
issue's acceptance scenario (exception event -> Degraded, incident, email, signed webhook)."""

import json

import pytest
from django.core import mail
from django.utils import timezone

from accounts.factories import UserFactory
from services.factories import ServiceDependencyFactory, ServiceFactory
from servicestatus import webhooks
from servicestatus.factories import EventRuleFactory, WebhookEndpointFactory
from servicestatus.models import ServiceState, Status, StatusInterval, Subscription
from servicestatus.tests.test_webhooks import Receiver

incidents_services = pytest.importorskip("incidents.services")
changes_signals = pytest.importorskip("changes.signals")


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def raise_incident(service, severity, by):
    return incidents_services.raise_incident(
        organisation=by.organisation, raised_by=by, title="Registrations failing",
        description="Every switch request is rejected.", services=[service], severity=severity,
        channel="portal")


def state(service):
    return ServiceState.objects.get(service=service)


def test_open_sev1_incident_marks_service_and_dependents(
        service, supplier_user, django_capture_on_commit_callbacks):
    from incidents.models import Incident

    dependent = ServiceFactory(code="des", name="DES")
    ServiceDependencyFactory(service=dependent, depends_on=service)
    with django_capture_on_commit_callbacks(execute=True):
        incident = raise_incident(service, 1, supplier_user)
    assert state(service).status == Status.MAJOR_OUTAGE
    assert StatusInterval.objects.current().get(service=service).cause_reference == \
        incident.reference
    assert state(dependent).at_risk

    Incident.objects.filter(pk=incident.pk).update(status="resolved")
    from incidents.signals import incident_changed

    with django_capture_on_commit_callbacks(execute=True):  # the recompute is queued
        incident_changed.send(sender=Incident, incident=Incident.objects.get(pk=incident.pk))
    assert state(service).status == Status.OPERATIONAL
    assert not state(dependent).at_risk


def test_sev3_incident_does_not_change_status(service, supplier_user,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_incident(service, 3, supplier_user)
    assert not ServiceState.objects.filter(service=service).exclude(
        status=Status.OPERATIONAL).exists()


def test_sev1_incident_appears_on_the_public_page(client, service, supplier_user,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = raise_incident(service, 1, supplier_user)
        incidents_services.add_comment(incident=incident, author=supplier_user,
                                       body="Seen at 09:00", public=True)
    data = client.get("/api/v1/status/").json()
    [shown] = data["incidents"]
    assert shown["reference"] == incident.reference
    assert [u["body"] for u in shown["updates"]] == ["Seen at 09:00"]
    assert "Brightwater" not in json.dumps(data)  # the raising organisation is not shown


def test_in_progress_outage_change_means_under_maintenance(service, provider_org):
    from changes.factories import ChangeImpactFactory

    impact = ChangeImpactFactory(service=service, impact="outage",
                                 change_notification__provider=provider_org,
                                 change_notification__status="in_progress")
    changes_signals.change_notification_changed.send(
        sender=type(impact.change_notification), change_notification=impact.change_notification)
    assert state(service).status == Status.UNDER_MAINTENANCE
    assert StatusInterval.objects.current().get(service=service).cause == "change"


def test_approved_change_is_listed_as_upcoming_maintenance(client, service, provider_org):
    from changes.factories import ChangeImpactFactory

    impact = ChangeImpactFactory(service=service, change_notification__provider=provider_org,
                                 change_notification__status="approved")
    data = client.get("/api/v1/status/").json()
    assert [m["reference"] for m in data["maintenance"]] == [
        impact.change_notification.reference]
    assert state_or_none(service) in (None, Status.OPERATIONAL)


def state_or_none(service):
    found = ServiceState.objects.filter(service=service).first()
    return found.status if found else None


def test_acceptance_exception_event_end_to_end(
        client, token_client, provider_org, service, supplier_user, receiver,
        django_capture_on_commit_callbacks):
    """A provider posts an exception event: the service shows Degraded on the status page, an
    incident exists, subscribers are emailed and webhooks called with a valid signature."""
    from incidents.models import Incident

    EventRuleFactory(service=service, incident_severity=3, set_degraded=True)
    Subscription.objects.create(user=supplier_user, service=service)
    admin = UserFactory(username="amina", organisation=supplier_user.organisation,
                        is_org_admin=True)
    endpoint = WebhookEndpointFactory(organisation=admin.organisation, url=receiver.url,
                                      topics=["status"])
    client.get("/status/")  # warm the cache: the change must invalidate it

    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(provider_org).post("/api/v1/events/", {
            "source": "nagios", "service": "uk-link", "severity": "exception",
            "dedup_key": "uk-link/api", "message": "API timing out",
            "occurred_at": timezone.now().isoformat()}, format="json")
    assert response.status_code == 201

    assert "Degraded" in client.get("/status/").content.decode()
    assert Incident.objects.filter(services=service, channel="event").exists()
    assert any(supplier_user.email in m.to and "Degraded" in m.subject for m in mail.outbox)
    [(headers, body)] = receiver.requests
    assert webhooks.verify(endpoint.secret, headers["X-SSM-Timestamp"], body,
                           headers["X-SSM-Signature"])
    assert json.loads(body)["data"]["status"] == "degraded"


def test_an_emergency_change_is_listed_apart_from_planned_maintenance(client, service,
                                                                      provider_org):
    from changes.factories import ChangeImpactFactory

    planned = ChangeImpactFactory(service=service, change_notification__provider=provider_org,
                                  change_notification__status="approved").change_notification
    urgent = ChangeImpactFactory(service=service, change_notification__provider=provider_org,
                                 change_notification__status="approved",
                                 change_notification__change_type="emergency"
                                 ).change_notification
    data = client.get("/api/v1/status/").json()
    assert [m["reference"] for m in data["maintenance"]] == [planned.reference]
    assert [m["reference"] for m in data["emergency_changes"]] == [urgent.reference]
    page = client.get("/status/").content.decode()
    emergency, maintenance = page.index("Emergency changes"), page.index("Planned maintenance")
    assert emergency < page.index(urgent.reference) < maintenance < page.index(planned.reference)
    assert service.name in page[maintenance:]  # services by name, not code


def test_the_status_page_leads_with_the_overall_status_and_explains_every_state(client,
                                                                                service):
    from servicestatus.factories import BulletinFactory
    from servicestatus.models import Bulletin

    BulletinFactory(title="Sunday maintenance", audience=Bulletin.Audience.PUBLIC)
    page = client.get("/status/").content.decode()
    overall = page.index('aria-labelledby="overall-heading"')
    assert overall < page.index("Sunday maintenance")
    legend = page[page.index("What the states mean"):]
    for label in [s.label for s in Status] + ["At risk"]:
        assert label in legend


def test_a_storm_of_incidents_lists_the_most_severe_and_says_how_many_are_open(
        client, service, supplier_user, monkeypatch, django_capture_on_commit_callbacks):
    from servicestatus import snapshot

    monkeypatch.setattr(snapshot, "INCIDENTS_SHOWN", 3)
    with django_capture_on_commit_callbacks(execute=True):
        sev2 = [raise_incident(service, 2, supplier_user) for _ in range(3)]
        sev1 = [raise_incident(service, 1, supplier_user) for _ in range(2)]
    data = client.get("/api/v1/status/").json()
    assert data["incidents_open"] == 5
    # Sev1 first, newest first within a severity
    assert [i["reference"] for i in data["incidents"]] == [
        sev1[1].reference, sev1[0].reference, sev2[2].reference]
    page = client.get("/status/").content.decode()
    assert "5 service-affecting incidents are open; the 3 most severe, newest first, are shown." \
        in page
    assert sev2[0].reference not in page
