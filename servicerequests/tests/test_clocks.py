"""Request and task clocks come from the shared SLA engine (incidents.sla.replay)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from servicerequests import clocks, services
from servicerequests.factories import raise_request
from servicerequests.models import RequestSlaPolicy, RequestSlaVersion
from services.models import BusinessCalendar

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # GMT, a working day


@pytest.fixture(autouse=True)
def _groups(desk_org, operations_org):
    pass


@pytest.fixture
def fast_policy(db):
    """A 24x7 version of the standard policy: respond 1 h, fulfil 8 h, tasks 2 h."""
    return RequestSlaVersion.objects.create(
        policy=RequestSlaPolicy.objects.get(code="standard"),
        effective_from=datetime(2026, 1, 1, tzinfo=UTC), response_amount=1,
        response_unit="hours", fulfilment_amount=8, fulfilment_unit="hours", task_amount=2,
        task_unit="hours", calendar=BusinessCalendar.twenty_four_seven())


def test_the_request_pins_the_version_in_force_when_raised(supplier_user, fast_policy):
    with time_machine.travel(datetime(2025, 6, 2, 9, tzinfo=UTC), tick=False):
        old = raise_request(by=supplier_user)
    with time_machine.travel(MONDAY_9, tick=False):
        new = raise_request(by=supplier_user)
    assert old.sla_version != fast_policy and new.sla_version == fast_policy


def test_clocks_run_on_working_hours_of_the_pinned_calendar(supplier_user):
    with time_machine.travel(datetime(2026, 3, 6, 17, 0, tzinfo=UTC), tick=False):  # a Friday
        sr = raise_request(by=supplier_user)
    # standard: respond within 1 working day (10 h on Mon-Fri 08-18), fulfil within 5.
    assert sr.response_due_at == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    assert sr.fulfilment_due_at == datetime(2026, 3, 13, 17, 0, tzinfo=UTC)


def test_response_stops_at_the_first_action_and_fulfilment_runs_on(supplier_user, desk_agent,
                                                                   fast_policy):
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
    with time_machine.travel(MONDAY_9 + timedelta(minutes=90), tick=False):
        services.start_fulfilment(service_request=sr, by=desk_agent)
    sr.refresh_from_db()
    assert sr.response_breached  # 90 min against 1 h
    figures = clocks.request_figures(sr, now=MONDAY_9 + timedelta(hours=3))
    assert figures.response.stopped_at == MONDAY_9 + timedelta(minutes=90)
    assert figures.fulfilment.elapsed == timedelta(hours=3)
    assert not figures.fulfilment.breached
    assert any("Responded" in line for line in figures.explanation)


def test_the_fulfilment_clock_is_paused_while_awaiting_approval(supplier_user, operations_user,
                                                                fast_policy):
    fast_policy.policy = RequestSlaPolicy.objects.get(code="connection")
    fast_policy.save()
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(code="switching-network-connection", by=supplier_user)
    sr.refresh_from_db()
    assert sr.sla_paused
    with time_machine.travel(MONDAY_9 + timedelta(hours=5), tick=False):
        services.decide(service_request=sr, by=operations_user, approve=True)
    sr.refresh_from_db()
    assert not sr.sla_paused
    # 5 h awaiting approval do not count: fulfilment due 8 h after approval.
    assert sr.fulfilment_due_at == MONDAY_9 + timedelta(hours=13)
    # ...but deciding is the response, so the response clock used all 5 h.
    assert sr.response_breached


def test_without_the_pause_approval_time_counts(supplier_user, operations_user, fast_policy):
    fast_policy.policy = RequestSlaPolicy.objects.get(code="connection")
    fast_policy.pause_while_awaiting_approval = False
    fast_policy.save()
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(code="switching-network-connection", by=supplier_user)
    sr.refresh_from_db()
    assert not sr.sla_paused and sr.fulfilment_due_at == MONDAY_9 + timedelta(hours=8)


def test_each_task_has_its_own_clock(supplier_user, desk_agent, provider_org, fast_policy):
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
        services.start_fulfilment(service_request=sr, by=desk_agent)
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        late = services.add_task(service_request=sr, by=desk_agent, group=provider_org,
                                 title="Provider extract")
    first = sr.tasks.order_by("pk").first()
    assert first.due_at == MONDAY_9 + timedelta(hours=2)
    assert late.due_at == MONDAY_9 + timedelta(hours=3)
    with time_machine.travel(MONDAY_9 + timedelta(hours=2, minutes=30), tick=False):
        services.move_task(task=first, by=desk_agent, to="done", notes="Done")
        assert clocks.refresh_open() >= 1
    first.refresh_from_db()
    late.refresh_from_db()
    assert first.breached and not late.breached
    assert clocks.task_clock(first, now=MONDAY_9 + timedelta(hours=9)).stopped_at is not None


def test_the_sweep_flags_a_breach_of_an_untouched_request(supplier_user, fast_policy):
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
    clocks.refresh_open(now=MONDAY_9 + timedelta(hours=8, minutes=1))
    sr.refresh_from_db()
    assert sr.response_breached and sr.fulfilment_breached


def test_the_sweep_task_runs(supplier_user):
    from servicerequests.tasks import sla_sweep

    raise_request(by=supplier_user)
    assert sla_sweep.delay().get() == 1


def test_a_breach_is_told_to_the_desk_and_operations_once(supplier_user, desk_agent,
                                                          operations_user, fast_policy):
    from notifications.models import OutboundEmail

    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
    later = MONDAY_9 + timedelta(hours=9)
    clocks.refresh_open(now=later)
    clocks.refresh_request(sr, now=later + timedelta(hours=1))
    breaches = OutboundEmail.objects.filter(subject__contains="target missed")
    assert sorted(e.subject for e in breaches) == [
        f"{sr.reference}: fulfilment target missed", f"{sr.reference}: response target missed"]
    assert all(set(e.to) == {desk_agent.email, operations_user.email} for e in breaches)


def test_an_overdue_task_is_told_to_its_group(supplier_user, desk_agent, provider_org,
                                             provider_user, fast_policy):
    from notifications.models import OutboundEmail

    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
        services.start_fulfilment(service_request=sr, by=desk_agent)
        services.add_task(service_request=sr, by=desk_agent, group=provider_org, title="Extract")
    clocks.refresh_open(now=MONDAY_9 + timedelta(hours=3))
    clocks.refresh_open(now=MONDAY_9 + timedelta(hours=4))
    overdue = OutboundEmail.objects.filter(subject__contains="task overdue at Xoserve")
    assert overdue.count() == 1 and provider_user.email in overdue.get().to


def test_a_rejected_request_is_not_measured_and_deciding_was_the_response(
        supplier_user, operations_user, fast_policy):
    fast_policy.policy = RequestSlaPolicy.objects.get(code="connection")
    fast_policy.save()
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(code="switching-network-connection", by=supplier_user)
    with time_machine.travel(MONDAY_9 + timedelta(minutes=30), tick=False):
        services.decide(service_request=sr, by=operations_user, approve=False,
                        comment="Not eligible")
    figures = clocks.request_figures(sr, now=MONDAY_9 + timedelta(days=2))
    assert figures.response.verdict == "met"  # decided in 30 min of 1 h
    assert figures.fulfilment.verdict == "not measured" and not figures.fulfilment.breached
    sr.refresh_from_db()
    assert not sr.fulfilment_breached


def test_a_request_fulfilled_exactly_at_its_deadline_is_met(supplier_user, desk_agent,
                                                            fast_policy):
    with time_machine.travel(MONDAY_9, tick=False):
        sr = raise_request(by=supplier_user)
        services.start_fulfilment(service_request=sr, by=desk_agent)
    deadline = MONDAY_9 + timedelta(hours=8)
    with time_machine.travel(deadline, tick=False):
        for task in sr.tasks.all():
            services.move_task(task=task, by=desk_agent, to="done", notes="Done")
        sr.refresh_from_db()
        services.fulfil(service_request=sr, by=desk_agent, outcome="Access granted")
    sr.refresh_from_db()
    assert sr.fulfilment_due_at == deadline and not sr.fulfilment_breached
    assert clocks.request_figures(sr, now=deadline + timedelta(days=1)).fulfilment.met
