from datetime import UTC, datetime, timedelta

import pytest

from incidents import services, sla_service
from incidents.models import Escalation, Incident, SlaPolicy, SlaTarget
from notifications.models import OutboundEmail
from services.models import BusinessCalendar

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("severity, response, resolution", [
    (1, london(2026, 11, 27, 10, 10), london(2026, 11, 27, 14, 0)),
    (2, london(2026, 11, 27, 10, 20), london(2026, 11, 28, 10, 0)),
    (3, london(2026, 11, 27, 10, 45), london(2026, 11, 30, 10, 0)),
    # Sev4 on working days 08:00-18:00: one day = 10 business hours.
    (4, london(2026, 11, 30, 10, 0), london(2026, 12, 11, 10, 0)),
])
def test_each_severity_target_from_the_severity_table(clock, make_incident, severity, response,
                                                      resolution):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=severity)
    assert incident.response_due_at == response
    assert incident.resolution_due_at == resolution


def test_sev1_raised_at_ten_is_due_ten_past_and_two_pm(clock, make_incident):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    assert incident.response_due_at == london(2026, 11, 27, 10, 10)
    assert incident.resolution_due_at == london(2026, 11, 27, 14, 0)


def test_sev4_raised_friday_before_bank_holiday_monday_uses_working_days(clock, make_incident):
    # Monday 4 May 2026 is the Early May bank holiday.
    clock.to(london(2026, 5, 1, 16, 0))
    incident = make_incident(severity=4)
    # Fri 16-18 (2 h) + Tue 08-16 (8 h) = one working day.
    assert incident.response_due_at == london(2026, 5, 5, 16, 0)
    # 100 h: Fri 2 h, Tue 5 - Fri 15 May (9 days, 90 h), Mon 18 May 08-16 (8 h).
    assert incident.resolution_due_at == london(2026, 5, 18, 16, 0)


def test_sev4_raised_at_the_weekend_starts_on_monday_morning(clock, make_incident):
    clock.to(london(2026, 11, 28, 11, 0))  # Saturday
    incident = make_incident(severity=4)
    assert incident.response_due_at == london(2026, 11, 30, 18, 0)


def test_sev1_across_the_october_clock_change_is_four_real_hours(clock, make_incident):
    clock.to(datetime(2026, 10, 24, 23, 30, tzinfo=UTC))  # 00:30 BST on the 25th
    incident = make_incident(severity=1)
    assert incident.resolution_due_at - incident.created_at == timedelta(hours=4)
    assert incident.resolution_due_at == london(2026, 10, 25, 3, 30)  # 3 h on the wall clock


def test_sev4_across_the_clock_change_keeps_wall_clock_working_hours(clock, make_incident):
    clock.to(london(2026, 10, 23, 17, 0))  # Friday, BST
    incident = make_incident(severity=4)
    assert incident.response_due_at == london(2026, 10, 26, 17, 0)  # Monday, GMT


def test_pause_awaiting_participant_extends_resolution_by_exactly_the_paused_time(
        clock, make_incident, desk_agent):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 11, 27, 10, 5))
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    clock.to(london(2026, 11, 27, 11, 0))
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant", reason="Need MPRNs")
    incident.refresh_from_db()
    assert incident.sla_paused
    clock.to(london(2026, 11, 27, 12, 30))
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    incident.refresh_from_db()
    assert not incident.sla_paused
    assert incident.resolution_due_at == london(2026, 11, 27, 15, 30)
    figures = sla_service.figures_for(incident)
    assert any("Paused awaiting participant 27 Nov 2026 11:00-12:30: 1 h 30 min" in line
               for line in figures.explanation)


def test_pause_on_a_working_day_calendar_counts_only_business_time(clock, make_incident,
                                                                   desk_agent):
    clock.to(london(2026, 11, 27, 9, 0))  # Friday
    incident = make_incident(severity=4)
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant")
    clock.to(london(2026, 11, 30, 9, 0))  # Monday: paused Fri 09-18 + Mon 08-09 = 10 h
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    incident.refresh_from_db()
    # Unpaused due: Fri 27 + 100 h = Fri 11 Dec 09:00; plus 10 business hours -> Mon 14 Dec 09:00.
    assert incident.resolution_due_at == london(2026, 12, 14, 9, 0)


def test_pending_on_a_provider_does_not_pause_by_default(clock, make_incident, desk_agent):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 11, 27, 11, 0))
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_provider")
    incident.refresh_from_db()
    assert not incident.sla_paused
    assert incident.resolution_due_at == london(2026, 11, 27, 14, 0)


def test_pausing_on_a_provider_is_configurable_per_policy_version(clock, make_incident,
                                                                   desk_agent):
    SlaPolicy.objects.update(pause_awaiting_provider=True)
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 11, 27, 11, 0))
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_provider")
    clock.to(london(2026, 11, 27, 11, 20))
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    incident.refresh_from_db()
    assert incident.resolution_due_at == london(2026, 11, 27, 14, 20)


def test_severity_change_recomputes_from_the_start_on_the_new_target(clock, make_incident,
                                                                      desk_agent):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=3)
    clock.to(london(2026, 11, 27, 10, 20))
    services.change_severity(incident=incident, by=desk_agent, to=1, reason="Whole market hit")
    incident.refresh_from_db()
    assert incident.response_due_at == london(2026, 11, 27, 10, 10)
    assert incident.resolution_due_at == london(2026, 11, 27, 14, 0)
    # Already past the new response target: breached at once, escalated once.
    assert incident.response_breached
    assert incident.escalations.filter(clock="response", level="breach").count() == 1


def test_resolved_time_is_not_counted_after_a_reopen(clock, make_incident, desk_agent,
                                                     supplier_user):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 11, 27, 11, 0))
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Restarted adapter")
    clock.to(london(2026, 11, 27, 12, 0))
    services.transition_incident(incident=incident, by=supplier_user, to="in_progress",
                                 reason="Still failing")
    incident.refresh_from_db()
    assert incident.resolution_due_at == london(2026, 11, 27, 15, 0)


def test_warning_at_75_percent_and_breach_after_the_deadline_escalate_exactly_once(
        clock, make_incident, operations_user, mailoutbox, django_capture_on_commit_callbacks):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 11, 27, 10, 7, 30))  # 75 % of 10 min
    assert sla_service.sweep() == 1
    assert list(incident.escalations.values_list("clock", "level")) == [("response", "warning")]
    clock.to(london(2026, 11, 27, 10, 10))  # exactly at the deadline: still met
    sla_service.sweep()
    assert not incident.escalations.filter(level="breach").exists()
    clock.to(london(2026, 11, 27, 10, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        sla_service.sweep()
        sla_service.sweep()
    breach = Escalation.objects.get(incident=incident, clock="response", level="breach")
    assert breach.due_at == london(2026, 11, 27, 10, 10)
    assert OutboundEmail.objects.filter(topic="incident.escalation").count() == 1
    assert [m.to for m in mailoutbox if "SLA breach" in m.subject] == [[operations_user.email]]
    incident.refresh_from_db()
    assert incident.response_breached
    # Nothing is due again until the resolution warning (13:00).
    assert incident.sla_next_check_at == london(2026, 11, 27, 13, 0)
    assert sla_service.sweep() == 0


def test_sweep_skips_paused_resolution_clock(clock, make_incident, desk_agent):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=1)
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant")
    clock.to(london(2026, 11, 27, 20, 0))
    sla_service.sweep()
    assert not incident.escalations.filter(clock="resolution").exists()


def test_replay_equals_live_figures(clock, make_incident, desk_agent, supplier_user):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=2)
    steps = [
        (london(2026, 11, 27, 10, 15), dict(to="in_progress")),
        (london(2026, 11, 27, 11, 2), dict(to="pending", pending_reason="awaiting_participant")),
        (london(2026, 11, 27, 14, 2), dict(to="in_progress")),
        (london(2026, 11, 27, 15, 0), dict(to="pending", pending_reason="awaiting_provider")),
        (london(2026, 11, 27, 16, 0), dict(to="in_progress")),
    ]
    for moment, kwargs in steps:
        clock.to(moment)
        services.transition_incident(incident=incident, by=desk_agent, **kwargs)
    clock.to(london(2026, 11, 27, 17, 0))
    services.change_severity(incident=incident, by=desk_agent, to=3, reason="Workaround")
    incident.refresh_from_db()
    live = (incident.response_due_at, incident.resolution_due_at, incident.response_breached,
            incident.resolution_breached, incident.sla_paused)
    replayed = sla_service.figures_for(Incident.objects.get(pk=incident.pk))
    assert live == (replayed.response.due_at, replayed.resolution.due_at,
                    replayed.response.breached, replayed.resolution.breached, False)
    assert incident.resolution_due_at == london(2026, 11, 30, 13, 0)  # 72 h + 3 h paused


def test_a_new_policy_version_applies_to_new_incidents_only(clock, make_incident):
    clock.to(london(2026, 11, 27, 10, 0))
    old = make_incident(severity=1)
    v2 = SlaPolicy.objects.create(name="v2", effective_from=london(2026, 11, 27, 12, 0))
    for target in SlaTarget.objects.filter(policy=old.sla_policy):
        target.pk, target.policy = None, v2
        if target.severity == 1:
            target.resolution_amount = 2
        target.save()
    clock.to(london(2026, 11, 27, 12, 0))
    new = make_incident(severity=1)
    assert new.sla_policy == v2 and new.resolution_due_at == london(2026, 11, 27, 14, 0)
    sla_service.refresh_sla(old)
    assert old.resolution_due_at == london(2026, 11, 27, 14, 0)  # still 4 h from 10:00


def test_calendar_is_the_one_the_target_names(db):
    target = SlaTarget.objects.get(policy__name="Severity table v1", severity=4)
    assert target.calendar == BusinessCalendar.england_and_wales()
    assert target.resolution_duration() == timedelta(hours=100)


def test_sev4_across_the_spring_clock_change_keeps_wall_clock_working_hours(clock,
                                                                              make_incident):
    clock.to(london(2026, 3, 27, 17, 0))  # Friday, GMT; clocks go forward on Sunday 29th
    incident = make_incident(severity=4)
    assert incident.response_due_at == london(2026, 3, 30, 17, 0)  # Monday, BST


def test_sev2_across_the_spring_clock_change_is_24_real_hours(clock, make_incident):
    clock.to(london(2026, 3, 28, 12, 0))
    incident = make_incident(severity=2)
    assert incident.resolution_due_at - incident.created_at == timedelta(hours=24)
    assert incident.resolution_due_at == london(2026, 3, 29, 13, 0)  # 13:00 BST
