"""Event ingestion through the API: permissions, bad input, folding, rules, auto-incident."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from servicestatus.factories import EventRuleFactory
from servicestatus.models import Event, ServiceState, Status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
URL = "/api/v1/events/"


def body(**overrides):
    data = {"source": "nagios-eu1", "service": "uk-link", "severity": "warning",
            "dedup_key": "uk-link/api/latency", "message": "API latency above 5 s",
            "occurred_at": NOW.isoformat()}
    data.update(overrides)
    return data


@pytest.fixture
def provider_api(token_client, provider_org, service):
    return token_client(provider_org)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_provider_posts_an_event_for_its_service(provider_api):
    response = provider_api.post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    assert (event.severity, event.count, event.service.code) == ("warning", 1, "uk-link")


def test_repeat_within_window_is_folded(provider_api):
    provider_api.post(URL, body(), format="json")
    later = (NOW + timedelta(minutes=4)).isoformat()
    response = provider_api.post(URL, body(occurred_at=later, message="still slow"),
                                 format="json")
    assert response.status_code == 200
    assert response.json()["count"] == 2
    event = Event.objects.get()
    assert event.last_seen == NOW + timedelta(minutes=4) and event.message == "still slow"


def test_repeat_after_window_is_a_new_event(provider_api):
    provider_api.post(URL, body(occurred_at=(NOW - timedelta(hours=1)).isoformat()),
                      format="json")
    assert provider_api.post(URL, body(), format="json").status_code == 201
    assert Event.objects.count() == 2


def test_a_repeat_folds_into_the_newest_active_event_of_its_key_service_and_organisation(
        provider_api, provider_org, other_provider_org, service, other_service):
    from servicestatus.factories import EventFactory

    def event(minutes_ago, **fields):
        seen = NOW - timedelta(minutes=minutes_ago)
        return EventFactory(**{"organisation": provider_org, "service": service,
                               "dedup_key": body()["dedup_key"], "occurred_at": seen,
                               "last_seen": seen, **fields})

    not_this_one = [event(1, organisation=other_provider_org), event(1, service=other_service),
                    event(1, dedup_key="uk-link/api/errors"), event(1, cleared_at=NOW),
                    event(11), event(8)]  # 11: outside the 10-minute window; 8: older
    newest = event(2)
    response = provider_api.post(URL, body(), format="json")
    assert response.status_code == 200 and response.json()["id"] == newest.pk
    counts = dict(Event.objects.values_list("pk", "count"))
    assert counts.pop(newest.pk) == 2 and set(counts.values()) == {1}
    assert set(counts) == {e.pk for e in not_this_one}


def test_provider_cannot_post_for_another_providers_service(token_client, provider_org,
                                                            other_service):
    response = token_client(provider_org).post(URL, body(service="ecoes"), format="json")
    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]
    assert not Event.objects.exists()


def test_participant_cannot_post_events(token_client, supplier_org, service):
    assert token_client(supplier_org).post(URL, body(), format="json").status_code == 400
    assert not Event.objects.exists()


def test_anonymous_post_is_401(client, service):
    assert client.post(URL, body(), content_type="application/json").status_code in (401, 403)


@pytest.mark.parametrize("bad", [
    {"severity": "catastrophic"},
    {"service": "no-such-service"},
    {"occurred_at": "yesterday"},
    {"occurred_at": (NOW + timedelta(hours=1)).isoformat()},
    {"dedup_key": ""},
    {"message": None},
])
def test_bad_input_is_400(provider_api, bad):
    response = provider_api.post(URL, body(**bad), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_malformed_json_is_400(provider_api):
    response = provider_api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_exception_without_rule_is_only_stored(provider_api, service):
    provider_api.post(URL, body(severity="exception"), format="json")
    assert not ServiceState.objects.filter(service=service, status=Status.DEGRADED).exists()


def test_exception_degrades_service_and_raises_incident(
        provider_api, service, django_capture_on_commit_callbacks, client):
    from incidents.models import Incident

    EventRuleFactory(service=None, incident_severity=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_api.post(URL, body(severity="exception"), format="json")
    assert response.status_code == 201
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED
    incident = Incident.objects.get()
    assert incident.severity == 3 and list(incident.services.all()) == [service]
    assert response.json()["incident_reference"] == incident.reference
    status = client.get("/api/v1/status/").json()
    assert status["components"][0]["status"] == "degraded"


def test_second_exception_comments_on_the_open_event_incident(provider_api, service):
    from incidents.models import Incident

    EventRuleFactory(service=service)
    provider_api.post(URL, body(severity="exception"), format="json")
    provider_api.post(URL, body(severity="exception", dedup_key="uk-link/db"), format="json")
    incident = Incident.objects.get()
    assert incident.comments.filter(body__contains="uk-link/db").exists()
    assert set(Event.objects.values_list("incident_id", flat=True)) == {incident.pk}


def test_folded_repeats_do_not_comment_again(provider_api, service):
    from incidents.models import Incident

    EventRuleFactory(service=service)
    for _ in range(3):
        provider_api.post(URL, body(severity="exception"), format="json")
    assert Incident.objects.get().comments.count() == 0
    assert Event.objects.get().count == 3


def test_degraded_hold_expires(provider_api, service, django_capture_on_commit_callbacks):
    from servicestatus.services import recompute_all

    EventRuleFactory(service=service, raise_incident=False, degraded_hold=timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):  # the worker's recompute
        provider_api.post(URL, body(severity="exception"), format="json")
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        recompute_all()
    assert ServiceState.objects.get(service=service).status == Status.OPERATIONAL


def test_warning_escalating_to_exception_acts(provider_api, service,
                                              django_capture_on_commit_callbacks):
    EventRuleFactory(service=service, raise_incident=False)
    provider_api.post(URL, body(), format="json")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's recompute
        provider_api.post(URL, body(severity="exception"), format="json")
    assert Event.objects.get().severity == "exception"
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED


def test_warnings_are_listed_for_review(provider_api, desk_agent):
    from servicestatus.events import review_event

    provider_api.post(URL, body(), format="json")
    provider_api.post(URL, body(severity="info", dedup_key="k2"), format="json")
    assert Event.objects.for_review().count() == 1
    review_event(event=Event.objects.for_review().get(), by=desk_agent)
    assert Event.objects.for_review().count() == 0


def test_provider_lists_only_its_own_events(provider_api, api_client, other_provider_user,
                                            desk_agent):
    provider_api.post(URL, body(), format="json")
    assert api_client(other_provider_user).get(URL).json()["count"] == 0
    assert api_client(desk_agent).get(URL).json()["count"] == 1


def test_event_trends_page(provider_api, client, desk_agent, supplier_user):
    provider_api.post(URL, body(), format="json")
    client.force_login(desk_agent)
    page = client.get("/status/events/").content.decode()
    assert "UK Link" in page and "0/1/0" in page
    client.force_login(supplier_user)
    assert client.get("/status/events/").status_code == 404
