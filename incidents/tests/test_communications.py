"""Market-wide communications: who is told, duty contacts, once per message, plan reminders."""

import pytest

from accounts.factories import OrganisationFactory, UserFactory
from incidents import communications, major_incidents, services
from incidents.factories import IncidentFactory
from incidents.models import Communication, CommunicationPlan
from notifications.models import OutboundEmail
from notifications.services import set_preference
from services.factories import ServiceFactory
from services.models import ServiceDependency

from .conftest import london

pytestmark = pytest.mark.django_db

TOPIC = communications.TOPIC


@pytest.fixture
def market(db, provider_org, other_provider_org):
    """CSS Registration (used by suppliers and shippers) and DCC's service that needs it."""
    css = ServiceFactory(code="css-registration", name="CSS Registration",
                         provider=provider_org,
                         used_by_market_roles=["energy_supplier", "gas_shipper"])
    dsp = ServiceFactory(code="dcc-dsp", name="DCC DSP", provider=other_provider_org)
    ServiceDependency.objects.create(service=dsp, depends_on=css)
    supplier = OrganisationFactory(short_code="brightwater", market_role="energy_supplier")
    shipper = OrganisationFactory(short_code="fenland", market_role="gas_shipper")
    tpi = OrganisationFactory(short_code="tpi-one", market_role="tpi")
    unrelated = OrganisationFactory(provider=True, short_code="ecoes-op")
    return {"css": css, "supplier": supplier, "shipper": shipper, "tpi": tpi,
            "unrelated": unrelated}


def _told(communication):
    return {row.dedup_key.rpartition("-")[2]: row.to
            for row in OutboundEmail.objects.filter(topic=TOPIC,
                                                    dedup_key__contains=f"comm-{communication.pk}-")}


def test_a_sev2_tells_every_participant_using_the_service_and_dependent_providers(
        clock, market, desk_agent, provider_org, other_provider_org, operations_user,
        django_capture_on_commit_callbacks):
    clock.to(london(2026, 12, 1, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                                   severity=2, services=[market["css"]])
    raise_ = Communication.objects.get(incident=incident)
    assert raise_.kind == "raise" and raise_.market_wide and raise_.by is None
    told = _told(raise_)
    expected = {market["supplier"], market["shipper"], provider_org, other_provider_org}
    assert set(told) == {str(o.pk) for o in expected} | {"operations"}
    assert told[str(market["supplier"].pk)] == [market["supplier"].contact_email]
    assert raise_.organisations_told == 4  # not the TPI, not the unrelated provider


def test_a_preference_adds_people_but_cannot_silence_the_duty_contact(
        market, desk_agent, django_capture_on_commit_callbacks):
    supplier = market["supplier"]
    keen = UserFactory(username="keen", organisation=supplier)
    quiet = UserFactory(username="quiet", organisation=supplier)
    set_preference(user=keen, topic=TOPIC, email=True)
    set_preference(user=quiet, topic=TOPIC, email=False)
    incident = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                               severity=3, services=[market["css"]])
    with django_capture_on_commit_callbacks(execute=True):
        major_incidents.declare_major(incident=incident, by=desk_agent,
                                      manager=desk_agent, summary="CSS down")
    first = incident.communications.get()
    assert sorted(_told(first)[str(supplier.pk)]) == sorted([supplier.contact_email, keen.email])


def test_later_sev1_incidents_on_the_same_service_are_not_announced_again(
        market, supplier_user, other_supplier_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                                severity=1, services=[market["css"]])
        second = IncidentFactory(organisation=other_supplier_user.organisation,
                                 raised_by=other_supplier_user, severity=1,
                                 services=[market["css"]])
    assert first.communications.count() == 1 and second.communications.count() == 0
    assert communications.announce_outages([market["css"].pk]) == []


def test_a_storm_on_one_service_costs_one_announcement_check_and_one_announcement(
        market, supplier_user, other_supplier_user, django_capture_on_commit_callbacks,
        monkeypatch):
    """Ten Sev1/Sev2 incidents on CSS Registration in one second: one task checks them
    all (kernel.coalesce), and the first raised is the one the market is told about."""
    from kernel import coalesce

    queued = []
    real = coalesce.enqueue_after_commit

    def spy(task, *args, **kwargs):
        queued.append(task)
        return real(task, *args, **kwargs)

    monkeypatch.setattr(coalesce, "enqueue_after_commit", spy)
    with django_capture_on_commit_callbacks(execute=True):
        raised = [IncidentFactory(organisation=user.organisation, raised_by=user,
                                  severity=1 + n % 2, services=[market["css"]])
                  for n, user in enumerate([supplier_user, other_supplier_user] * 5)]
    assert queued.count(communications.ANNOUNCE.task) == 1
    assert list(Communication.objects.values_list("incident", "kind")) == [
        (raised[0].pk, Communication.Kind.RAISE)]


def test_the_sweep_announces_an_outage_whose_announcement_task_was_lost(
        market, supplier_user, desk_agent):
    """The task never ran (the broker was down at commit, say): the communications sweep
    announces the incident a minute later, once, and not one changed over an hour ago."""
    import time_machine

    from incidents.tasks import communications_sweep

    with time_machine.travel("2026-11-30 09:00:00Z", tick=False):
        stale = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                                severity=1, services=[ServiceFactory(code="des")])
    with time_machine.travel("2026-11-30 11:00:00Z", tick=False):
        lost = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                               severity=2, services=[market["css"]])
        communications_sweep()
        assert not Communication.objects.exists()  # the task's minute is not over yet
    with time_machine.travel("2026-11-30 11:01:30Z", tick=False):
        communications_sweep()
        communications_sweep()
    assert list(Communication.objects.values_list("incident", "kind")) == [
        (lost.pk, Communication.Kind.RAISE)]
    assert not stale.communications.exists()


def test_a_minor_incident_announces_nothing(market, supplier_user,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                        severity=3, services=[market["css"]])
    assert not Communication.objects.exists()


def test_each_update_is_recorded_with_who_and_when_and_moves_the_plan_on(
        clock, market, desk_agent, django_capture_on_commit_callbacks):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                               severity=1, services=[market["css"]])
    with django_capture_on_commit_callbacks(execute=True):
        major = major_incidents.declare_major(incident=incident, by=desk_agent,
                                              manager=desk_agent, summary="CSS down")
    plan = CommunicationPlan.objects.get(incident=incident)
    assert plan.cadence_minutes == 30 and plan.next_update_due_at == london(2026, 12, 1, 9, 30)
    clock.to(london(2026, 12, 1, 9, 20))
    update = major_incidents.post_update(major=major, by=desk_agent, body="Failover started")
    assert (update.by, update.at) == (desk_agent, london(2026, 12, 1, 9, 20))
    plan.refresh_from_db()
    assert plan.next_update_due_at == london(2026, 12, 1, 9, 50)


def test_the_manager_is_reminded_once_when_an_update_is_due(
        clock, market, desk_agent, django_capture_on_commit_callbacks):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                               severity=1, services=[market["css"]])
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="CSS down")
    assert communications.remind_due() == 0
    clock.to(london(2026, 12, 1, 9, 31))
    assert communications.remind_due() == 1
    assert communications.remind_due() == 0  # once per due time
    reminder = OutboundEmail.objects.get(topic="incident.update_due")
    assert reminder.to == [desk_agent.email] and incident.reference in reminder.subject


def test_restoration_is_communicated_and_ends_the_plan(
        clock, market, desk_agent, django_capture_on_commit_callbacks):
    incident = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                               severity=1, services=[market["css"]])
    major_incidents.declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                                  summary="CSS down")
    with django_capture_on_commit_callbacks(execute=True):
        services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                     resolution_code="fixed", resolution_notes="Failed over")
    restore = incident.communications.get(kind="restore")
    assert "Failed over" in restore.body and restore.market_wide
    assert not CommunicationPlan.objects.get(incident=incident).is_running


def test_only_the_desk_communicates(market, make_incident, supplier_user, provider_user):
    from incidents.errors import NotAllowed

    incident = make_incident(severity=1)
    for user in (supplier_user, provider_user):
        with pytest.raises(NotAllowed):
            communications.publish(incident=incident, by=user, kind="update", body="hi")


def test_participants_read_communications_on_their_own_incidents_and_masters_only(
        market, make_incident, desk_agent, supplier_user, other_supplier_user):
    from incidents import masters

    master = IncidentFactory(organisation=desk_agent.organisation, raised_by=desk_agent,
                             severity=1, services=[market["css"]])
    child = make_incident(severity=1, services=[market["css"]])
    masters.link_child(master=master, child=child, by=desk_agent)
    communications.publish(incident=master, by=desk_agent, kind="update", body="Update 1")
    assert Communication.objects.visible_to(supplier_user).count() == 1
    assert Communication.objects.visible_to(other_supplier_user).count() == 0
