"""Parallel provider tasks: several open at once, each with its own OLA clock and lifecycle."""

from datetime import timedelta

import pytest

from incidents import provider_tasks, selectors, services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.factories import OlaTargetFactory
from incidents.models import ProviderTask, TaskStatus
from notifications.models import OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(clock, make_incident, provider_org, other_provider_org):
    clock.to(london(2026, 12, 1, 10, 0))
    OlaTargetFactory(resolver_group=provider_org, severity=1, resolution_amount=2,
                     resolution_unit="hours")
    OlaTargetFactory(resolver_group=other_provider_org, severity=1, resolution_amount=4,
                     resolution_unit="hours")
    return make_incident(severity=1)


def test_two_providers_work_one_incident_at_once_each_on_its_own_clock(
        clock, outage, desk_agent, provider_org, other_provider_org):
    first = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent,
                                    reason="CSS rejects switch requests")
    clock.to(london(2026, 12, 1, 10, 30))
    second = provider_tasks.add_task(incident=outage, resolver_group=other_provider_org,
                                     by=desk_agent, reason="DCC notifications stuck")
    assert [t.pk for t in selectors.open_tasks(outage)] == [first.pk, second.pk]
    assert first.ola_due_at == london(2026, 12, 1, 12, 0)
    assert second.ola_due_at == london(2026, 12, 1, 14, 30)
    outage.refresh_from_db()
    assert outage.assigned_group == provider_org  # the first task leads; the second runs beside
    clock.to(london(2026, 12, 1, 11, 0))
    provider_tasks.complete_task(task=first, by=desk_agent, outcome="CSS queue drained")
    first.refresh_from_db()
    assert first.status == TaskStatus.COMPLETED and first.time_used() == timedelta(hours=1)
    clock.to(london(2026, 12, 1, 13, 0))
    assert second.ola_clock().used == timedelta(hours=2.5)  # still running


def test_a_group_cannot_hold_two_open_tasks_on_one_incident(outage, desk_agent, provider_org):
    provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    with pytest.raises(InvalidTransition, match="already has an open task"):
        provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)


def test_tasks_go_to_resolver_groups_only(outage, desk_agent, supplier_org, provider_user,
                                          provider_org):
    with pytest.raises(InvalidTransition, match="not to a Market Participant"):
        provider_tasks.add_task(incident=outage, resolver_group=supplier_org, by=desk_agent)
    with pytest.raises(NotAllowed):
        provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=provider_user)


def test_rejecting_sends_the_task_back_to_the_desk_with_a_reason(
        outage, desk_agent, provider_user, provider_org):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    with pytest.raises(InvalidTransition, match="Say why"):
        provider_tasks.reject_task(task=task, by=provider_user, reason=" ")
    provider_tasks.reject_task(task=task, by=provider_user, reason="Not our system: DCC's")
    task.refresh_from_db()
    outage.refresh_from_db()
    assert (task.status, task.outcome, task.ended_because) == (
        TaskStatus.REJECTED, "Not our system: DCC's", "rejected")
    assert outage.assigned_group is None  # back with the desk
    notice = OutboundEmail.objects.get(topic="incident.task")
    assert "rejected" in notice.subject and "Not our system" in notice.body_text
    with pytest.raises(InvalidTransition, match="already rejected"):
        provider_tasks.complete_task(task=task, by=provider_user)


def test_handing_on_ends_this_task_and_starts_the_other_groups_clock(
        clock, outage, desk_agent, provider_user, provider_org, other_provider_org):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    clock.to(london(2026, 12, 1, 10, 45))
    new = provider_tasks.hand_over_task(task=task, by=provider_user, to=other_provider_org,
                                        reason="The fault is in the DSP")
    task.refresh_from_db()
    outage.refresh_from_db()
    assert task.status == TaskStatus.HANDED_OVER and task.handed_to == new
    assert task.time_used() == timedelta(minutes=45)
    assert new.resolver_group == other_provider_org and new.assigned_at == london(2026, 12, 1, 10, 45)
    assert new.ola_due_at == london(2026, 12, 1, 14, 45)
    assert outage.assigned_group == other_provider_org


def test_a_provider_works_only_its_own_groups_tasks(outage, desk_agent, provider_org,
                                                    other_provider_user):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    for act in (lambda: provider_tasks.start_task(task=task, by=other_provider_user),
                lambda: provider_tasks.complete_task(task=task, by=other_provider_user),
                lambda: provider_tasks.add_task_note(task=task, by=other_provider_user,
                                                     body="mine now")):
        with pytest.raises(NotAllowed):
            act()
    assert ProviderTask.objects.visible_to(other_provider_user).count() == 0


def test_resolving_the_incident_stops_every_open_task_at_that_moment(
        clock, outage, desk_agent, provider_org, other_provider_org):
    provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    provider_tasks.add_task(incident=outage, resolver_group=other_provider_org, by=desk_agent)
    clock.to(london(2026, 12, 1, 11, 0))
    services.transition_incident(incident=outage, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Restarted")
    tasks = list(outage.tasks.all())
    assert {(t.status, t.ended_at, t.ended_because) for t in tasks} == {
        (TaskStatus.STOPPED, london(2026, 12, 1, 11, 0), "resolved")}


def test_sequential_assignment_is_the_single_task_case(outage, desk_agent, provider_org,
                                                       other_provider_org):
    services.assign_incident(incident=outage, resolver_group=provider_org, by=desk_agent)
    services.assign_incident(incident=outage, resolver_group=other_provider_org, by=desk_agent)
    assert [(t.resolver_group, t.status) for t in outage.tasks.all()] == [
        (provider_org, TaskStatus.HANDED_OVER), (other_provider_org, TaskStatus.OPEN)]


def test_holding_up_restoration_is_the_overdue_task_else_the_last_due(
        clock, outage, desk_agent, provider_org, other_provider_org):
    assert selectors.holding_up_restoration(outage) is None
    css = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    dcc = provider_tasks.add_task(incident=outage, resolver_group=other_provider_org,
                                  by=desk_agent)
    assert selectors.holding_up_restoration(outage) == dcc  # due 14:00, after CSS's 12:00
    clock.to(london(2026, 12, 1, 12, 30))
    assert selectors.holding_up_restoration(outage) == css  # CSS is now overdue


def test_notes_are_read_by_the_desk_and_the_group_never_by_participants(
        outage, desk_agent, provider_user, supplier_user, provider_org):
    task = provider_tasks.add_task(incident=outage, resolver_group=provider_org, by=desk_agent)
    provider_tasks.add_task_note(task=task, by=provider_user, body="Failover started 10:05")
    assert task.notes.visible_to(desk_agent).count() == 1
    assert task.notes.visible_to(provider_user).count() == 1
    assert task.notes.visible_to(supplier_user).count() == 0
    assert ProviderTask.objects.visible_to(supplier_user).count() == 0
