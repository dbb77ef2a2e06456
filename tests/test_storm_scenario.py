"""The storm (issue 16): CSS Registration fails, thirty participants report it, the desk
gathers them under a master, two providers work in parallel, the market is told, the
master resolves and takes its children with it, the review closes.

Driven as the parties would: participants and providers through the API with their own
tokens or through the portal, the desk through the API. Mail is the real outbox, delivered
by the (eager) Celery task to Django's test mailbox.
"""

from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.factories import OrganisationFactory, UserFactory
from accounts.models import User
from incidents import major_incidents, reconciliation
from incidents.errors import InvalidTransition
from incidents.models import Communication, Incident, MajorIncident, ProviderTask
from notifications.models import OutboundEmail
from services.factories import ServiceFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
API = "/api/v1"


def at(hour, minute):
    return time_machine.travel(datetime(2026, 12, 1, hour, minute, tzinfo=LONDON), tick=False)


@pytest.fixture
def market(db, provider_org, other_provider_org, desk_agent):
    css = ServiceFactory(code="css-registration", name="CSS Registration",
                         provider=provider_org, used_by_market_roles=["energy_supplier"])
    participants = [OrganisationFactory(short_code=f"supplier-{n:02d}") for n in range(30)]
    people = [UserFactory(username=f"raiser{n:02d}", organisation=org)
              for n, org in enumerate(participants)]
    return css, participants, people


def _api(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_the_storm(market, desk_agent, operations_user, provider_org, other_provider_org,
                   provider_user, other_provider_user, django_capture_on_commit_callbacks):
    css, participants, people = market
    desk = _api(desk_agent)

    @contextmanager
    def step(hour, minute):
        """Act at hh:mm; what the step queues after commit (fan-outs, mail) runs then."""
        with at(hour, minute), django_capture_on_commit_callbacks(execute=True):
            yield

    # 09:00 the first report: the desk records the outage as a Sev1 and declares it major
    with step(9, 0):
        master = desk.post(f"{API}/incidents/", {
            "title": "CSS Registration not accepting switch requests",
            "description": "Switch requests rejected with timeouts since 08:55",
            "services": [css.code], "severity": 1}, format="json").json()["reference"]
        master_incident = Incident.objects.get(reference=master)
        major = major_incidents.declare_major(
            incident=master_incident, by=desk_agent, manager=desk_agent,
            summary="CSS Registration is not accepting switch requests.")
    # 09:05-09:20 twenty participants raise their own, ten join the open one instead
    raised = []
    for n, person in enumerate(people[:20]):
        with step(9, 5 + n // 2):
            response = _api(person).post(f"{API}/incidents/", {
                "title": "Switch requests rejected", "description": f"{n * 40} rejected",
                "services": [css.code], "severity": 1}, format="json",
                HTTP_IDEMPOTENCY_KEY=f"storm-{n}")
            assert response.status_code == 201
            raised.append(response.json()["reference"])
    for person in people[20:]:
        portal = Client()
        portal.force_login(person)
        with step(9, 15):
            page = portal.post("/incidents/raise/", {
                "title": "Cannot switch", "description": "All rejected",
                "services": [css.pk], "severity": 1})
            assert f"open major incident {master}" in page.content.decode()
            assert portal.post(f"/incidents/join/{master}/",
                               {"impact": "All our requests rejected"}).status_code == 302
    # 09:25 the desk gathers the twenty under the master; two providers work in parallel
    with step(9, 25):
        linked = desk.post(f"{API}/incidents/{master}/children/", {"children": raised},
                           format="json").json()
        assert linked["linked"] == raised and linked["refused"] == {}
        for group in (provider_org, other_provider_org):
            assert desk.post(f"{API}/incidents/{master}/tasks/",
                             {"resolver_group": group.short_code}).status_code == 201
    assert [t.resolver_group for t in ProviderTask.objects.open()] == [
        provider_org, other_provider_org]
    # each provider sees its own task only, and works it
    for user, group in ((provider_user, provider_org),
                        (other_provider_user, other_provider_org)):
        tasks = _api(user).get(f"{API}/provider-tasks/?open=true").json()["results"]
        assert [t["resolver_group"] for t in tasks] == [group.short_code]
    # 09:30 the first update and a workaround cascade
    with step(9, 30):
        update = desk.post(f"{API}/incidents/{master}/communications/", {
            "kind": "update", "body": "CSS database failover under way."}).json()["id"]
    with step(9, 40):
        workaround = desk.post(f"{API}/incidents/{master}/communications/", {
            "kind": "workaround", "body": "Hold switch requests; resubmit after restore."}
        ).json()["id"]
    with step(10, 10):
        for user in (provider_user, other_provider_user):
            task = _api(user).get(f"{API}/provider-tasks/?open=true").json()["results"][0]
            assert _api(user).post(f"{API}/provider-tasks/{task['id']}/complete/",
                                   {"outcome": "Done"}).status_code == 200
    # 10:15 the master resolves; its children resolve with it
    with step(10, 15):
        assert desk.post(f"{API}/incidents/{master}/transitions/", {
            "to": "resolved", "resolution_code": "fixed",
            "resolution_notes": "CSS database failed over; queue drained"}).status_code == 200
    resolved_at = datetime(2026, 12, 1, 10, 15, tzinfo=LONDON)
    for child in Incident.objects.filter(reference__in=raised):
        assert (child.status, child.resolved_at, child.resolution_code) == (
            "resolved", resolved_at, "fixed")
        assert child.comments.filter(body__contains="failover under way").count() == 1
    sent = {c.kind: c.pk for c in Communication.objects.filter(incident__reference=master)}
    assert sent == {"raise": sent["raise"], "update": update, "workaround": workaround,
                    "restore": sent["restore"]}

    # Everyone affected was told exactly once per message: each of the thirty participants'
    # duty contacts and the provider of CSS Registration, once for each of the four
    # messages; each of the twenty raisers and the other provider (its task came later)
    # once for each message after they raised or were given a task, the raise
    # announcement (09:00) not again when their incident was gathered under the master.
    for kind, communication_id in sent.items():
        rows = OutboundEmail.objects.filter(dedup_key__startswith=f"incident-comm-"
                                                                  f"{communication_id}-")
        per_address = Counter(address for row in rows for address in row.to)
        assert set(per_address.values()) == {1}, kind
        for org in (*participants, provider_org):
            assert per_address[org.contact_email] == 1, (kind, org)
        later = 0 if kind == "raise" else 1
        for person in people[:20]:
            assert per_address[person.email] == later, (kind, person)
        assert per_address[other_provider_org.contact_email] == later, kind
    # each provider was sent its task once, and the desk told once of each completed task
    for task in ProviderTask.objects.filter(incident__reference=master):
        assigned = OutboundEmail.objects.get(dedup_key=f"incident-leg-{task.pk}")
        assert assigned.to == [task.resolver_group.contact_email]
        assert OutboundEmail.objects.filter(dedup_key=f"incident-task-ended-{task.pk}").count() \
            == 1
    assert Counter(address for message in mail.outbox for address in message.to
                   if message.subject.startswith(f"[{master}] Assigned to")) == {
        provider_org.contact_email: 1, other_provider_org.contact_email: 1}
    delivered = Counter((address, message.extra_headers["Message-ID"])
                        for message in mail.outbox for address in message.to)
    assert set(delivered.values()) == {1}
    assert OutboundEmail.objects.filter(status="pending").count() == 0

    # Every affected party (the thirty participants, the two providers with tasks) has a
    # reconciliation item; the review cannot close until each one signs its item off.
    major = MajorIncident.objects.get(pk=major.pk)
    items = list(major.reconciliation_items.select_related("organisation"))
    assert {item.organisation for item in items} == {*participants, provider_org,
                                                     other_provider_org}
    review = major.review
    with pytest.raises(InvalidTransition):
        major_incidents.complete_review(review=review, by=desk_agent, findings="Too early.")
    # the first raiser reports and signs off through the API (a retried sign-off is the
    # same answer); Switching Operations waive the other provider's item in the console
    first = next(item for item in items if item.organisation == participants[0])
    raiser = _api(people[0])
    with step(15, 0):
        assert raiser.post(f"{API}/reconciliation-items/{first.pk}/progress/", {
            "backlog": 400, "unit": "delayed switch requests", "remaining": 0},
            HTTP_IDEMPOTENCY_KEY="storm-progress").status_code == 201
        for _ in range(2):
            signed = raiser.post(f"{API}/reconciliation-items/{first.pk}/sign-off/",
                                {"note": "All resubmitted"}, HTTP_IDEMPOTENCY_KEY="storm-sign-off")
            assert (signed.status_code, signed.json()["status"]) == (200, "signed_off")
    waived = next(item for item in items if item.organisation == other_provider_org)
    console = Client()
    console.force_login(operations_user)
    with step(15, 30):
        console.post("/admin/incidents/reconciliationitem/", {
            "action": "waive_selected", "_selected_action": [waived.pk],
            "reason": "No backlog: DSP queued nothing during the outage"})
    for item in (first, waived):
        item.refresh_from_db()
    assert (first.status, waived.status) == ("signed_off", "waived")
    assert OutboundEmail.objects.get(dedup_key=f"reconciliation-waived-{waived.pk}").to == [
        other_provider_org.contact_email]
    for item in items:
        if item.pk in (first.pk, waived.pk):
            continue
        party = (User.objects.filter(organisation=item.organisation, is_active=True).first()
                 or UserFactory(organisation=item.organisation,
                                provider=item.organisation.kind == "cds_provider"))
        with step(16, 0):
            reconciliation.record_progress(item=item, by=party, backlog=1200, remaining=0,
                                           unit="delayed switch requests")
            reconciliation.sign_off(item=item, by=party)

    # The post-incident review closes once every item is signed off and the findings are in.
    review.refresh_from_db()
    major_incidents.complete_review(review=review, by=desk_agent,
                                    findings="Failover took 75 minutes; automate it.")
    review.refresh_from_db()
    assert review.status == "completed"
