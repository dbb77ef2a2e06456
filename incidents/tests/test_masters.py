"""Master incidents: link, unlink, cascade once per child, resolve the children with the master."""

import pytest

from accounts.factories import OrganisationFactory, UserFactory
from incidents import communications, masters, selectors, services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.factories import IncidentFactory
from incidents.models import (
    AffectedOrganisation,
    CascadedUpdate,
    Communication,
    Incident,
    IncidentComment,
    MasterLink,
)
from incidents.tasks import communications_sweep, fan_out_communication
from notifications.models import OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def master(clock, desk_agent, service):
    clock.to(london(2026, 12, 1, 9, 0))
    desk_org = desk_agent.organisation
    return IncidentFactory(organisation=desk_org, raised_by=desk_agent, severity=1,
                           services=[service], title="CSS Registration not accepting requests")


@pytest.fixture
def child(make_incident):
    return make_incident(severity=1)


@pytest.fixture
def other_child(other_supplier_user, service):
    return IncidentFactory(organisation=other_supplier_user.organisation,
                           raised_by=other_supplier_user, severity=2, services=[service])


def test_desk_links_a_child_and_the_link_is_recorded(master, child, desk_agent, supplier_user):
    masters.link_child(master=master, child=child, by=desk_agent, reason="Same CSS outage")
    child.refresh_from_db()
    assert child.master == master and list(selectors.children_of(master)) == [child]
    link = MasterLink.objects.get()
    assert (link.action, link.by, link.reason) == ("linked", desk_agent, "Same CSS outage")
    assert child.comments.filter(body__contains=master.reference).exists()
    with pytest.raises(NotAllowed):
        masters.link_child(master=master, child=child, by=supplier_user)


def test_links_that_make_no_sense_are_refused(master, child, other_child, desk_agent):
    with pytest.raises(InvalidTransition, match="its own master"):
        masters.link_child(master=master, child=master, by=desk_agent)
    masters.link_child(master=master, child=child, by=desk_agent)
    with pytest.raises(InvalidTransition, match="already a child"):
        masters.link_child(master=master, child=child, by=desk_agent)
    with pytest.raises(InvalidTransition, match="itself a child"):
        masters.link_child(master=child, child=other_child, by=desk_agent)
    with pytest.raises(InvalidTransition, match="is a master itself"):
        masters.link_child(master=other_child, child=master, by=desk_agent)


def test_bulk_linking_links_what_it_can_and_says_why_not_for_the_rest(
        master, child, other_child, desk_agent):
    linked, refusals = masters.link_children(master=master, children=[child, other_child, master],
                                             by=desk_agent)
    assert len(linked) == 2 and list(refusals) == [master.reference]


def test_unlinking_needs_a_reason_and_is_recorded(master, child, desk_agent):
    masters.link_child(master=master, child=child, by=desk_agent)
    with pytest.raises(InvalidTransition, match="Say why"):
        masters.unlink_child(child=child, by=desk_agent, reason="")
    masters.unlink_child(child=child, by=desk_agent, reason="Different fault: UK Link")
    child.refresh_from_db()
    assert child.master is None
    assert list(MasterLink.objects.values_list("action", flat=True)) == ["linked", "unlinked"]


def test_an_update_on_the_master_reaches_each_child_once_and_each_raiser_once(
        master, child, other_child, desk_agent, supplier_user, other_supplier_user,
        django_capture_on_commit_callbacks):
    masters.link_children(master=master, children=[child, other_child], by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        update = communications.publish(incident=master, by=desk_agent, kind="update",
                                        body="CSS failover under way; next update 10:30")
    fan_out_communication(update.pk)  # run again (a worker restart): nothing more is sent
    for row in (child, other_child):
        comments = IncidentComment.objects.filter(incident=row, body__contains="failover")
        assert comments.count() == 1 and comments.get().is_public
    mail = OutboundEmail.objects.filter(topic=communications.TOPIC)
    for raiser in (supplier_user, other_supplier_user):
        assert sum(raiser.email in m.to for m in mail) == 1
    own = next(m for m in mail if supplier_user.email in m.to)
    assert own.subject.startswith(f"[{child.reference}]")  # in its own organisation's view


def test_resolving_the_master_resolves_the_children_at_the_same_instant(
        clock, master, child, other_child, desk_agent, django_capture_on_commit_callbacks):
    masters.link_children(master=master, children=[child, other_child], by=desk_agent)
    clock.to(london(2026, 12, 1, 11, 15))
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_incident(incident=master, by=desk_agent, to="resolved",
                                     resolution_code="fixed",
                                     resolution_notes="CSS database failed over")
    for row in (child, other_child):
        row.refresh_from_db()
        assert row.status == "resolved" and row.resolved_at == london(2026, 12, 1, 11, 15)
        assert row.resolution_code == "fixed" and "CSS database failed over" in row.resolution_notes
        assert row.transitions.filter(to_status="resolved").count() == 1
    restore = Communication.objects.get(incident=master, kind="restore")
    assert CascadedUpdate.objects.filter(communication=restore).count() == 2
    # the raisers hear of it once: in the restore communication, not a second resolved notice
    assert not OutboundEmail.objects.filter(topic="incident.resolved").exists()


def test_a_cascade_stopped_half_way_finishes_without_repeating_anyone(
        master, child, other_child, desk_agent, django_capture_on_commit_callbacks):
    masters.link_children(master=master, children=[child, other_child], by=desk_agent)
    update = communications.publish(incident=master, by=desk_agent, kind="workaround",
                                    body="Resubmit rejected requests after 10:00")
    # a worker died after one child and one organisation's email
    masters._cascade_to(update, master, child.pk, desk_agent)
    assert CascadedUpdate.objects.count() == 1
    fan_out_communication(update.pk)
    fan_out_communication(update.pk)
    assert CascadedUpdate.objects.count() == 2
    keys = list(OutboundEmail.objects.filter(topic=communications.TOPIC)
                .values_list("dedup_key", flat=True))
    assert len(keys) == len(set(keys))
    assert Communication.objects.get(pk=update.pk).fanned_out_at is not None


def test_a_participant_sees_only_its_own_children(master, child, other_child, desk_agent,
                                                  supplier_user, api_client):
    masters.link_children(master=master, children=[child, other_child], by=desk_agent)
    assert list(Incident.objects.visible_to(supplier_user)) == [child]
    client = api_client(supplier_user)
    assert client.get(f"/api/v1/incidents/{other_child.reference}/").status_code == 404
    assert client.get(f"/api/v1/incidents/{master.reference}/").status_code == 404
    children = client.get(f"/api/v1/incidents/{master.reference}/children/")
    assert children.status_code == 404


def test_a_participant_joins_an_open_major_incident_instead_of_raising(
        master, supplier_user, other_supplier_user, service):
    assert list(masters.joinable_incidents([service])) == [master]
    joined = masters.join_incident(incident=master, by=supplier_user,
                                   impact="1,200 switch requests rejected since 09:00")
    assert joined.organisation == supplier_user.organisation
    with pytest.raises(InvalidTransition, match="already joined"):
        masters.join_incident(incident=master, by=supplier_user, impact="again")
    with pytest.raises(InvalidTransition, match="impact"):
        masters.join_incident(incident=master, by=other_supplier_user, impact="")
    assert AffectedOrganisation.objects.visible_to(other_supplier_user).count() == 0


def test_a_sev3_cannot_be_joined(make_incident, supplier_user, other_supplier_user, service):
    minor = make_incident(severity=3)
    with pytest.raises(InvalidTransition, match="cannot be joined"):
        masters.join_incident(incident=minor, by=other_supplier_user, impact="x")


def test_affected_parties_names_raisers_joiners_and_providers(
        master, child, desk_agent, supplier_user, other_supplier_user, provider_org):
    from incidents import provider_tasks

    masters.link_child(master=master, child=child, by=desk_agent)
    masters.join_incident(incident=master, by=other_supplier_user, impact="Gas switches stuck")
    provider_tasks.add_task(incident=master, resolver_group=provider_org, by=desk_agent)
    third = UserFactory(organisation=OrganisationFactory())
    parties = selectors.affected_parties(master)
    assert [(p.organisation, p.how) for p in parties] == [
        (supplier_user.organisation, "raised"), (other_supplier_user.organisation, "joined"),
        (provider_org, "provider")]
    assert parties[0].incidents == [child] and len(parties[2].tasks) == 1
    assert third.organisation not in [p.organisation for p in parties]


def test_a_child_linked_after_an_update_catches_up_once(
        master, child, other_child, desk_agent, supplier_user,
        django_capture_on_commit_callbacks):
    masters.link_child(master=master, child=other_child, by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        update = communications.publish(incident=master, by=desk_agent, kind="update",
                                        body="Failover under way")
    with django_capture_on_commit_callbacks(execute=True):
        masters.link_child(master=master, child=child, by=desk_agent)
    assert CascadedUpdate.objects.filter(child=child, communication=update).count() == 1
    assert masters.children_behind() == []
    masters.catch_up(child.pk)  # the sweep running it again adds nothing
    assert CascadedUpdate.objects.filter(child=child).count() == 1
    # the market-wide fan-out told the organisation's duty contact already: not again
    org_key = f"incident-comm-{update.pk}-org-{supplier_user.organisation_id}"
    assert OutboundEmail.objects.filter(dedup_key=org_key).count() == 1


def test_a_late_child_of_a_minor_master_is_told_the_latest_update_once(
        make_incident, other_child, desk_agent, supplier_user, django_capture_on_commit_callbacks):
    master = make_incident(severity=3)
    late = IncidentFactory(organisation=other_child.organisation, raised_by=other_child.raised_by,
                           severity=3, services=list(other_child.services.all()))
    with django_capture_on_commit_callbacks(execute=True):
        communications.publish(incident=master, by=desk_agent, kind="update", body="Looking")
    with django_capture_on_commit_callbacks(execute=True):
        masters.link_child(master=master, child=late, by=desk_agent)
    masters.catch_up(late.pk)
    told = [m for m in OutboundEmail.objects.filter(topic=communications.TOPIC)
            if late.raised_by.email in m.to]
    assert len(told) == 1 and told[0].subject.startswith(f"[{late.reference}]")


def test_a_child_relinked_to_another_master_is_caught_up_by_the_sweep(
        master, child, desk_agent, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        masters.link_child(master=master, child=child, by=desk_agent)
    for body in ("Failover under way", "Failover done; queue draining"):
        with django_capture_on_commit_callbacks(execute=True):
            communications.publish(incident=master, by=desk_agent, kind="update", body=body)
    masters.unlink_child(child=child, by=desk_agent, reason="A different fault: UK Link")
    second = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                             severity=1, services=[service], title="UK Link not responding")
    with django_capture_on_commit_callbacks(execute=True):
        communications.publish(incident=second, by=desk_agent, kind="update",
                               body="UK Link gateway restarting")
    masters.link_child(master=second, child=child, by=desk_agent)  # its catch-up task is lost
    assert masters.children_behind() == [child.pk]
    communications_sweep()
    assert child.comments.filter(body__contains="UK Link gateway restarting").count() == 1
    assert masters.children_behind() == []
