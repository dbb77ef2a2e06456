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


class Outage:
    """A Sev1 worked by the desk with every kind of history a page shows: provider tasks,
    comments and work notes, communications, a severity change, a linked incident, and two
    children gathered under it (one unlinked again); `grow()` adds more of each."""

    def __init__(self, *, supplier_user, desk_agent, service):
        from accounts.factories import OrganisationFactory

        self.supplier_user, self.desk_agent, self.service = supplier_user, desk_agent, service
        self.master = self._raise(1)
        self.groups = [OrganisationFactory(provider=True, name=f"Provider {n}",
                                           short_code=f"prov{n}") for n in range(4)]
        self.linked = self._raise(3)
        self.children = [self._raise(2), self._raise(2)]
        self._added = 0
        self.grow(first=True)

    def _raise(self, severity):
        return IncidentFactory(organisation=self.supplier_user.organisation,
                               raised_by=self.supplier_user, services=[self.service],
                               severity=severity)

    def grow(self, *, first=False):
        from incidents import communications, masters, provider_tasks, services

        desk, master = self.desk_agent, self.master
        if first:
            services.transition_incident(incident=master, by=desk, to="in_progress")
            services.change_severity(incident=master, by=desk, to=2, reason="Fewer affected")
            services.link_incidents(from_incident=self.linked, to_incident=master,
                                    kind="related", by=desk)
            masters.link_children(master=master, children=self.children, by=desk)
            masters.unlink_child(child=self.children[1], by=desk, reason="Another fault")
        for n in range(3):
            services.add_comment(incident=master, author=desk, body=f"Note {self._added}.",
                                 public=bool(n % 2))
            communications.publish(incident=master, by=desk, kind="update",
                                   body=f"Update {self._added}.")
            self._added += 1
        provider_tasks.add_task(incident=master, resolver_group=self.groups.pop(), by=desk)


PAGES = {  # who opens what: the desk's console and API, Operations' dashboard, the portal
    "staff queue": ("desk", lambda o: "/admin/incidents/incident/?status__exact=in_progress"),
    "incident workspace": ("desk", lambda o: f"/admin/workspace/incident/{o.master.reference}/"),
    "child's workspace": ("desk",
                          lambda o: f"/admin/workspace/incident/{o.children[1].reference}/"),
    "stock change form": ("desk", lambda o: f"/admin/incidents/incident/{o.master.pk}/change/"),
    "child's change form": ("desk",
                            lambda o: f"/admin/incidents/incident/{o.children[1].pk}/change/"),
    "console home": ("desk", lambda o: "/admin/"),
    "API list": ("desk", lambda o: "/api/v1/incidents/"),
    "API detail": ("desk", lambda o: f"/api/v1/incidents/{o.master.reference}/"),
    "dashboard": ("operations", lambda o: "/reports/dashboard/"),
    "portal list": ("participant", lambda o: "/incidents/?show=all"),
    "portal detail": ("participant", lambda o: f"/incidents/{o.master.reference}/"),
    "portal home": ("participant", lambda o: "/"),
    "status page": (None, lambda o: "/status/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_within_the_budget_however_long_the_history(
        client, desk_agent, operations_user, supplier_user, service, queries, name):
    """The pages the desk, Operations and participants open all day, on an incident with
    every kind of history: each within 15 queries, and no more once the history grows."""
    who, url = PAGES[name]
    outage = Outage(supplier_user=supplier_user, desk_agent=desk_agent, service=service)
    user = {"desk": desk_agent, "operations": operations_user,
            "participant": supplier_user}.get(who)
    if user is not None:
        client.force_login(user)

    def count():
        client.get(url(outage))  # the process's lists and caches are warm, as in service
        response, phases = queries(lambda: client.get(url(outage)))
        assert response.status_code == 200, name
        return phases.request

    before = count()
    assert len(before) <= BUDGET, "\n".join(before)
    outage.grow()
    after = count()
    assert len(after) == len(before), "\n".join(after)
