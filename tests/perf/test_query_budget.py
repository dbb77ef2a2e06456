"""Query budgets of the hot request paths: no request issues more than 15 queries, and
neither does any worker task a request queues, except the market-wide announcement of an
outage and the delivery of its emails, whose work grows with the organisations told (one
outbox row and one email each), never with the incidents table: the storm scenario
(tests/test_storm_scenario.py) and bench/storm_bench.py measure those.

Counted are the SQL statements sent to the database (transaction statements included)
with `connection.execute_wrapper`, request and task apart (conftest.Phases). A path whose
count grew with the table, or an N+1, shows here as soon as a test adds rows.
"""

import pytest
from django.utils import timezone

from incidents.factories import IncidentFactory
from servicestatus.models import ServiceState, Status
from servicestatus.services import recompute_status

pytestmark = pytest.mark.django_db
BUDGET = 15
URL = "/api/v1/incidents/"


def _body(service, severity, n=0):
    return {"title": f"Registration responses delayed ({n})", "description": "No responses.",
            "services": [service.code], "severity": severity}


AUDIENCE_TASKS = {"incidents.tasks.announce_outages", "incidents.tasks.fan_out_communication",
                  "notifications.tasks.deliver_email"}


def _within_budget(phases):
    assert len(phases.request) <= BUDGET, "\n".join(phases.request)
    for name, statements in phases.by_task.items():
        if name not in AUDIENCE_TASKS:
            assert len(statements) <= BUDGET, f"{name}:\n" + "\n".join(statements)


@pytest.mark.parametrize("severity", [3, 4])
def test_a_minor_incident_is_raised_in_a_few_queries_and_queues_no_status_work(
        token_client, supplier_org, service, queries, severity):
    client = token_client(supplier_org)
    client.post(URL, _body(service, severity), format="json")  # first use of the token
    response, phases = queries(lambda: client.post(URL, _body(service, severity, 1),
                                                   format="json"))
    assert response.status_code == 201, response.content
    assert len(phases.request) <= 10, "\n".join(phases.request)
    # a just-raised incident has no provider tasks: the answer says so without asking
    assert response.json()["tasks"] == []
    assert not [sql for sql in phases.request if "incidents_providertask" in sql]
    assert phases.tasks == []


@pytest.mark.parametrize("severity,status", [(1, Status.MAJOR_OUTAGE), (2, Status.DEGRADED)])
def test_a_service_affecting_incident_changes_the_status_within_budget(
        token_client, supplier_org, service, queries, severity, status):
    recompute_status([service.pk])  # the service has its state row (the sweep makes them)
    client = token_client(supplier_org)
    client.post(URL, _body(service, 4), format="json")  # first use of the token
    response, phases = queries(lambda: client.post(URL, _body(service, severity, 1),
                                                   format="json"))
    assert response.status_code == 201, response.content
    assert ServiceState.objects.get(service=service).status == status
    _within_budget(phases)
    # The next one on the same service changes only the reason ("+1 more").
    response, phases = queries(lambda: client.post(URL, _body(service, severity, 2),
                                                   format="json"))
    assert response.status_code == 201
    assert "(+1 more)" in ServiceState.objects.get(service=service).reason
    _within_budget(phases)


def test_the_create_query_count_does_not_grow_with_the_table(token_client, supplier_org,
                                                             supplier_user, service, queries):
    client = token_client(supplier_org)
    client.post(URL, _body(service, 3), format="json")
    _, few = queries(lambda: client.post(URL, _body(service, 3, 1), format="json"))
    for n in range(30):
        IncidentFactory(organisation=supplier_org, raised_by=supplier_user, services=[service],
                        severity=(n % 4) + 1)
    client.post(URL, _body(service, 3, 2), format="json")  # users were saved: token re-read
    _, many = queries(lambda: client.post(URL, _body(service, 3, 3), format="json"))
    assert len(many.request) == len(few.request)


def _event(n, severity="info"):
    return {"source": "bench", "service": "uk-link", "severity": severity,
            "dedup_key": f"bench/{n}", "message": f"Synthetic event {n}",
            "occurred_at": timezone.now().isoformat()}


@pytest.mark.parametrize("severity", ["info", "warning"])
def test_an_event_is_stored_within_the_budget(token_client, provider_org, service, queries,
                                              severity):
    client = token_client(provider_org)
    client.post("/api/v1/events/", _event(0, severity), format="json")
    response, phases = queries(lambda: client.post("/api/v1/events/", _event(1, severity),
                                                   format="json"))
    assert response.status_code == 201, response.content
    _within_budget(phases)
    response, phases = queries(lambda: client.post("/api/v1/events/", _event(1, severity),
                                                   format="json"))
    assert response.status_code == 200 and response.json()["count"] == 2  # folded
    _within_budget(phases)


def test_an_exception_event_raises_its_incident_within_the_budget(
        token_client, provider_org, service, queries):
    from servicestatus.factories import EventRuleFactory

    EventRuleFactory(service=service)
    recompute_status([service.pk])
    IncidentFactory(organisation=provider_org, services=[service])  # a warm process
    client = token_client(provider_org)
    client.post("/api/v1/events/", _event(0), format="json")
    response, phases = queries(lambda: client.post("/api/v1/events/", _event(1, "exception"),
                                                   format="json"))
    assert response.status_code == 201, response.content
    assert response.json()["incident_reference"].startswith("INC-")
    assert ServiceState.objects.get(service=service).status == Status.DEGRADED
    _within_budget(phases)
