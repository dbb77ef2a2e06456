"""Events that clear: a clear closes its event and, where nobody worked the incident the
event raised, resolves it with a note; otherwise the people working it are told."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import services as incident_services
from incidents.models import Incident
from notifications.models import OutboundEmail
from servicestatus.factories import EventRuleFactory
from servicestatus.models import Event, ServiceState, Status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
URL = "/api/v1/events/"


def body(**overrides):
    data = {"source": "nagios-eu1", "service": "uk-link", "severity": "exception",
            "dedup_key": "uk-link/api/latency", "message": "API latency above 5 s",
            "occurred_at": NOW.isoformat()}
    data.update(overrides)
    return data


def clear(minutes=30, **overrides):
    return body(severity="clear", message="API latency back to 0.4 s",
                occurred_at=(NOW + timedelta(minutes=minutes)).isoformat(), **overrides)


@pytest.fixture
def provider_api(token_client, provider_org, service):
    EventRuleFactory(service=service, incident_severity=3, degraded_hold=timedelta(hours=2))
    return token_client(provider_org)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        yield


def _post(api, data, capture):
    with capture(execute=True):
        return api.post(URL, data, format="json")


def test_a_clear_closes_the_event_ends_degraded_and_resolves_an_unworked_incident(
        provider_api, service, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    incident = Incident.objects.get()
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED

    response = _post(provider_api, clear(), django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "resolved"
    event = Event.objects.get()
    assert event.cleared_at == NOW + timedelta(minutes=30)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert "cleared" in incident.resolution_notes and "uk-link/api/latency" in \
        incident.resolution_notes and "back to 0.4 s" in incident.resolution_notes
    row = incident.transitions.get(to_status="resolved")
    assert row.by is None and row.channel == "system"
    assert ServiceState.objects.get(service=service).status == Status.OPERATIONAL


def test_a_resolved_state_in_the_same_key_clears_like_a_clear_event(
        provider_api, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    response = _post(provider_api, body(state="resolved", occurred_at=(
        NOW + timedelta(minutes=20)).isoformat()), django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert Event.objects.get().cleared_at is not None
    assert Incident.objects.get().status == "resolved"


def test_an_incident_a_person_has_worked_stays_open_and_its_assignee_is_told(
        provider_api, desk_agent, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    incident = Incident.objects.get()
    incident.assignee = desk_agent
    incident.save(update_fields=["assignee"])
    incident_services.transition_incident(incident=incident, by=desk_agent, to="in_progress")

    _post(provider_api, clear(), django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.status == "in_progress"
    told = OutboundEmail.objects.get(subject__contains="Monitoring event cleared")
    assert told.to == [desk_agent.email]
    assert "back to 0.4 s" in told.body_text


def test_a_comment_by_the_desk_counts_as_working_the_incident(
        provider_api, desk_agent, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    incident = Incident.objects.get()
    incident_services.add_comment(incident=incident, author=desk_agent, body="Looking at it.")
    _post(provider_api, clear(), django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.status == "new"
    assert OutboundEmail.objects.get(subject__contains="Monitoring event cleared").to == [
        desk_agent.email]


def test_the_incident_resolves_only_when_its_last_active_event_clears(
        provider_api, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    _post(provider_api, body(dedup_key="uk-link/db"), django_capture_on_commit_callbacks)
    incident = Incident.objects.get()  # the second event commented on the same incident

    _post(provider_api, clear(), django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.status == "new"
    _post(provider_api, clear(dedup_key="uk-link/db"), django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_after_a_clear_the_same_key_starts_a_new_event(
        provider_api, django_capture_on_commit_callbacks):
    _post(provider_api, body(severity="warning"), django_capture_on_commit_callbacks)
    _post(provider_api, clear(minutes=2), django_capture_on_commit_callbacks)
    response = _post(provider_api, body(severity="warning", occurred_at=(
        NOW + timedelta(minutes=3)).isoformat()), django_capture_on_commit_callbacks)
    assert response.status_code == 201  # inside the window, but the first event is closed
    assert Event.objects.count() == 2 and Event.objects.active().count() == 1


def test_a_clear_with_nothing_active_is_stored_and_changes_nothing(
        provider_api, django_capture_on_commit_callbacks):
    response = _post(provider_api, clear(), django_capture_on_commit_callbacks)
    assert response.status_code == 201
    event = Event.objects.get()
    assert (event.severity, event.state) == ("clear", "resolved")
    assert not Incident.objects.exists()


def test_a_provider_cannot_clear_another_providers_event(
        provider_api, token_client, other_provider_org, other_service, service,
        django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    other = token_client(other_provider_org)
    response = _post(other, clear(), django_capture_on_commit_callbacks)
    assert response.status_code == 400  # uk-link is not theirs
    assert Event.objects.get().cleared_at is None
    # Even on a service they do provide, their key never reaches this provider's event.
    _post(other, clear(service="ecoes"), django_capture_on_commit_callbacks)
    assert Event.objects.get(service=service).cleared_at is None
    assert Incident.objects.get().status == "new"


def test_a_clear_does_not_touch_an_incident_already_resolved_by_a_person(
        provider_api, desk_agent, django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    incident = Incident.objects.get()
    incident_services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                          resolution_code="fixed", resolution_notes="Restarted.")
    _post(provider_api, clear(), django_capture_on_commit_callbacks)
    incident.refresh_from_db()
    assert incident.resolution_notes == "Restarted."
    assert not OutboundEmail.objects.filter(subject__contains="Monitoring event cleared").exists()


def test_a_bad_state_is_400_with_the_field(provider_api):
    response = provider_api.post(URL, body(state="gone"), format="json")
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_the_portal_events_page_shows_which_events_have_cleared(
        provider_api, client, provider_user, other_provider_user,
        django_capture_on_commit_callbacks):
    _post(provider_api, body(), django_capture_on_commit_callbacks)
    _post(provider_api, clear(), django_capture_on_commit_callbacks)
    client.force_login(provider_user)
    page = client.get("/status/events/").content.decode()
    assert "Cleared 27 Nov 10:30" in page
    client.force_login(other_provider_user)  # another provider sees none of it
    assert "Cleared" not in client.get("/status/events/").content.decode()
