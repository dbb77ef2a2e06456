"""The SLA rules of issue 11, each through every path that shows or counts a figure:
stored verdict, breach escalation, the `sla/` endpoint, the console SLA panel,
`sla_replay`, the KPIs. Times are UK time, frozen."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from incidents import services, sla_service
from incidents.factories import OlaTargetFactory
from incidents.models import Escalation, ProviderTask
from kernel.periods import Period
from reporting.kpis.engine import PeriodKpis

from .conftest import london

pytestmark = pytest.mark.django_db
DECEMBER = Period.month(2026, 12)


def resolve(incident, by, at, clock):
    clock.to(at)
    return services.transition_incident(incident=incident, by=by, to="resolved",
                                        resolution_code="fixed", resolution_notes="Fixed")


def move(incident, by, at, clock, **kwargs):
    clock.to(at)
    return services.transition_incident(incident=incident, by=by, **kwargs)


def every_path(incident, *, client, api_client, desk_agent, operations_user, capsys):
    """Return the resolution verdict as each path states it."""
    incident.refresh_from_db()
    body = api_client(desk_agent).get(f"/api/v1/incidents/{incident.reference}/sla/").json()
    client.force_login(desk_agent)
    panel = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    call_command("sla_replay", incident.reference)
    replay = capsys.readouterr().out
    resolution_row = panel.content.decode().split("<th>Resolution</th>")[1].split("</tr>")[0]
    return {
        "stored": "breached" if incident.resolution_breached else "not breached",
        "api": body["resolution"]["verdict"],
        "panel": resolution_row.rsplit("<td>", 1)[1].split("</td>")[0],
        "replay": next(line for line in replay.splitlines() if line.startswith("resolution:")),
    }


def kpis_of(incident):
    results = PeriodKpis(Period.month(incident.created_at.year, incident.created_at.month)
                         if incident.resolved_at is None else
                         _month_of(incident.resolved_at)).results()
    return results["resolved_within_sla"], results["escalations"]


def _month_of(moment):
    from django.utils import timezone

    local = timezone.localtime(moment)
    return Period.month(local.year, local.month)


@pytest.fixture
def paths(client, api_client, desk_agent, operations_user, capsys):
    return lambda incident: every_path(incident, client=client, api_client=api_client,
                                       desk_agent=desk_agent, operations_user=operations_user,
                                       capsys=capsys)


def test_exactly_at_the_deadline_is_met_through_every_path(clock, make_incident, desk_agent,
                                                           paths):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=1)
    move(incident, desk_agent, london(2026, 12, 1, 10, 10), clock, to="in_progress")
    # A running clock exactly at its deadline: not breached, no breach escalation.
    clock.to(london(2026, 12, 1, 14, 0))
    sla_service.sweep()
    assert not incident.escalations.filter(clock="resolution", level="breach").exists()
    resolve(incident, desk_agent, london(2026, 12, 1, 14, 0), clock)
    clock.to(london(2026, 12, 2, 9, 0))
    said = paths(incident)
    assert said["stored"] == "not breached" and said["api"] == "met"
    assert said["panel"] == "met" and said["replay"].endswith("MET")
    incident.refresh_from_db()
    assert incident.response_due_at == london(2026, 12, 1, 10, 10)
    assert not incident.response_breached  # responded exactly at 10:10 as well
    within, escalations = kpis_of(incident)
    assert (within.value, escalations.value) == (100, 0)


def test_working_days_resolved_after_the_deadline_before_the_next_working_period_is_a_breach(
        clock, make_incident, desk_agent, paths):
    clock.to(london(2026, 11, 30, 8, 0))  # Monday
    incident = make_incident(severity=4)
    assert incident.resolution_due_at == london(2026, 12, 11, 18, 0)  # 100 business hours
    move(incident, desk_agent, london(2026, 11, 30, 9, 0), clock, to="in_progress")
    resolve(incident, desk_agent, london(2026, 12, 11, 19, 0), clock)  # Friday 19:00
    clock.to(london(2026, 12, 14, 9, 0))
    said = paths(incident)
    assert said["stored"] == "breached" and said["api"] == "breached"
    assert said["panel"] == "BREACHED" and said["replay"].endswith("BREACHED")
    # The breach escalation is recorded too (the same verdict), once.
    assert incident.escalations.filter(clock="resolution", level="breach").count() == 1
    within, escalations = kpis_of(incident)
    assert (within.value, within.population, escalations.value) == (0, 1, 1)


def test_a_running_working_days_clock_breaches_in_the_evening_after_its_deadline(
        clock, make_incident):
    clock.to(london(2026, 12, 11, 8, 0))  # Friday: the Sev4 response (10 h) is due 18:00
    incident = make_incident(severity=4)
    assert incident.response_due_at == london(2026, 12, 11, 18, 0)
    clock.to(london(2026, 12, 11, 18, 0))
    sla_service.sweep()
    assert not incident.escalations.filter(level="breach").exists()
    clock.to(london(2026, 12, 11, 18, 30))  # no business time since 18:00, but late
    sla_service.sweep()
    assert incident.escalations.filter(clock="response", level="breach").count() == 1
    incident.refresh_from_db()
    assert incident.response_breached


def test_a_zero_business_time_pause_never_moves_a_deadline(clock, make_incident, desk_agent):
    clock.to(london(2026, 11, 30, 8, 0))
    incident = make_incident(severity=4)
    move(incident, desk_agent, london(2026, 11, 30, 9, 0), clock, to="in_progress")
    move(incident, desk_agent, london(2026, 12, 11, 18, 30), clock, to="pending",
         pending_reason="awaiting_participant")
    move(incident, desk_agent, london(2026, 12, 11, 19, 0), clock, to="in_progress")
    incident.refresh_from_db()
    assert incident.resolution_due_at == london(2026, 12, 11, 18, 0)  # not Monday 08:00
    # Weekend: pending Friday 19:00 to Monday 07:30 holds no business time either.
    move(incident, desk_agent, london(2026, 12, 11, 19, 5), clock, to="pending",
         pending_reason="awaiting_participant")
    move(incident, desk_agent, london(2026, 12, 14, 7, 30), clock, to="in_progress")
    incident.refresh_from_db()
    assert incident.resolution_due_at == london(2026, 12, 11, 18, 0)
    assert incident.resolution_breached  # and the breach was not missed
    figures = sla_service.figures_for(incident)
    assert any("no business time, so the resolution due time did not move" in line
               for line in figures.explanation)


def test_a_zero_business_time_reopen_or_severity_change_never_moves_a_deadline(
        clock, make_incident, desk_agent, supplier_user):
    clock.to(london(2026, 11, 30, 8, 0))
    incident = make_incident(severity=4)
    move(incident, desk_agent, london(2026, 11, 30, 9, 0), clock, to="in_progress")
    due = london(2026, 12, 11, 18, 0)
    resolve(incident, desk_agent, london(2026, 12, 4, 18, 30), clock)  # Friday evening
    move(incident, supplier_user, london(2026, 12, 7, 7, 45), clock, to="in_progress",
         reason="Still failing")  # reopened on Monday before the working day
    incident.refresh_from_db()
    assert incident.resolution_due_at == due
    clock.to(london(2026, 12, 7, 18, 15))
    services.change_severity(incident=incident, by=desk_agent, to=3, reason="Wider impact")
    clock.to(london(2026, 12, 7, 18, 45))
    services.change_severity(incident=incident, by=desk_agent, to=4, reason="Contained")
    incident.refresh_from_db()
    assert incident.resolution_due_at == due
    explanation = " ".join(sla_service.figures_for(incident).explanation)
    assert "measured from creation" in explanation


def test_resolved_straight_from_pending_counts_the_pause_and_stops_at_resolution(
        clock, make_incident, desk_agent, api_client):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=1)
    move(incident, desk_agent, london(2026, 12, 1, 10, 5), clock, to="pending",
         pending_reason="awaiting_participant")
    resolve(incident, desk_agent, london(2026, 12, 1, 13, 0), clock)
    clock.to(london(2026, 12, 2, 10, 0))
    figures = sla_service.figures_for(incident)
    assert figures.resolution.stopped_at == london(2026, 12, 1, 13, 0)
    assert figures.resolution.paused_total == timedelta(hours=2, minutes=55)
    assert figures.resolution.used == timedelta(minutes=5)
    assert any("stopped at the resolution (01 Dec 2026 13:00), not when the incident was put "
               "pending (01 Dec 2026 10:05)" in line for line in figures.explanation)
    body = api_client(desk_agent).get(f"/api/v1/incidents/{incident.reference}/sla/").json()
    assert body["resolution"]["paused_total"] == "2 h 55 min"
    assert body["resolution"]["stopped_at"].startswith("2026-12-01T13:00")
    incident.refresh_from_db()
    assert not incident.sla_paused and not incident.resolution_breached


def test_a_cancelled_incident_is_not_measured_and_stored_api_replay_and_kpis_agree(
        clock, make_incident, desk_agent, paths):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 12, 1, 10, 11))
    sla_service.sweep()  # the response deadline (10:10) has passed: breach recorded, told
    assert incident.escalations.filter(clock="response", level="breach").count() == 1
    move(incident, desk_agent, london(2026, 12, 1, 10, 30), clock, to="in_progress")
    move(incident, desk_agent, london(2026, 12, 1, 15, 0), clock, to="cancelled",
         reason="Duplicate of another incident")
    clock.to(london(2026, 12, 3, 9, 0))
    sla_service.sweep()
    said = paths(incident)
    assert said["stored"] == "not breached" and said["api"] == "not measured"
    assert said["panel"] == "not measured (cancelled)" and said["replay"].endswith("NOT MEASURED")
    incident.refresh_from_db()
    assert not incident.response_breached and incident.sla_next_check_at is None
    # No warning or breach is recorded after the cancellation; the earlier one stays.
    assert set(incident.escalations.values_list("clock", "level")) == {
        ("response", "breach"), ("response", "warning")}
    results = PeriodKpis(DECEMBER).results()
    assert results["incidents"].value == 0 and results["response_minutes"].population == 0


def test_a_downgraded_incident_resolved_within_its_new_target_is_not_an_escalation(
        clock, make_incident, desk_agent):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = make_incident(severity=2)
    move(incident, desk_agent, london(2026, 12, 1, 9, 10), clock, to="in_progress")
    clock.to(london(2026, 12, 2, 9, 30))
    sla_service.sweep()  # the Sev2 24 h deadline passed: a breach escalation was recorded
    assert incident.escalations.filter(clock="resolution", level="breach").exists()
    services.change_severity(incident=incident, by=desk_agent, to=3, reason="Workaround")
    resolve(incident, desk_agent, london(2026, 12, 2, 12, 0), clock)
    incident.refresh_from_db()
    assert not incident.resolution_breached  # 27 h of the Sev3 72 h
    results = PeriodKpis(DECEMBER).results()
    assert results["escalations"].value == 0
    assert results["resolved_within_sla"].value == 100
    assert results["escalations"].by_severity[3] == (0, 1)


def test_escalations_are_judged_on_the_severity_in_force_at_resolution(
        clock, make_incident, desk_agent):
    clock.to(london(2026, 12, 1, 9, 0))
    incident = make_incident(severity=3)
    move(incident, desk_agent, london(2026, 12, 1, 9, 10), clock, to="in_progress")
    resolve(incident, desk_agent, london(2026, 12, 2, 15, 0), clock)  # 30 h: Sev3 met
    clock.to(london(2026, 12, 2, 16, 0))
    services.change_severity(incident=incident, by=desk_agent, to=1, reason="Re-graded late")
    incident.refresh_from_db()
    assert not incident.resolution_breached  # still judged on Sev3, the severity at resolution
    results = PeriodKpis(DECEMBER).results()
    assert results["resolved_within_sla"].by_severity[3] == (100, 1)
    assert results["escalations"].by_severity[1] == (0, 0)
    assert results["incidents"].by_severity[1] == (1, 1)  # raised: the current severity
    figures = sla_service.figures_for(incident)
    assert figures.resolution_severity == 3
    assert any("stays judged on Sev3 (the severity at resolution)" in line
               for line in figures.explanation)


def test_the_ola_leg_stops_at_resolution_and_its_time_stops_growing(
        clock, make_incident, desk_agent, provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=3, resolution_amount=8)
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=3)
    leg = services.assign_incident(incident=incident, resolver_group=provider_org,
                                   by=desk_agent)
    move(incident, desk_agent, london(2026, 12, 1, 10, 5), clock, to="in_progress")
    resolve(incident, desk_agent, london(2026, 12, 1, 16, 0), clock)
    leg.refresh_from_db()
    assert leg.ended_at == london(2026, 12, 1, 16, 0)
    assert leg.ended_because == ProviderTask.EndReason.RESOLVED
    clock.to(london(2026, 12, 9, 10, 0))  # a week later: nothing grows
    assert leg.time_used() == timedelta(hours=6) and not leg.ola_breached()


@pytest.mark.parametrize("end", ["cancelled", "closed"])
def test_cancel_and_close_end_the_open_leg(clock, make_incident, desk_agent, provider_org,
                                           supplier_user, end):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=3)
    leg = services.assign_incident(incident=incident, resolver_group=provider_org,
                                   by=desk_agent)
    if end == "cancelled":
        move(incident, desk_agent, london(2026, 12, 1, 11, 0), clock, to="cancelled",
             reason="Raised in error")
    else:
        incident.tasks.update(ended_at=None)  # a leg left open before this rule existed
        incident.refresh_from_db()
        incident.status = "resolved"
        incident.resolved_at = london(2026, 12, 1, 10, 30)
        incident.save(update_fields=["status", "resolved_at"])
        move(incident, supplier_user, london(2026, 12, 1, 11, 0), clock, to="closed")
    leg.refresh_from_db()
    assert leg.ended_at == london(2026, 12, 1, 11, 0) and leg.ended_because == end


def test_a_reopen_opens_a_new_leg_for_the_group_that_gets_it(
        clock, make_incident, desk_agent, supplier_user, provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=3, resolution_amount=8)
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=3)
    first = services.assign_incident(incident=incident, resolver_group=provider_org,
                                     by=desk_agent)
    move(incident, desk_agent, london(2026, 12, 1, 10, 5), clock, to="in_progress")
    resolve(incident, desk_agent, london(2026, 12, 1, 12, 0), clock)
    move(incident, supplier_user, london(2026, 12, 2, 9, 0), clock, to="in_progress",
         reason="Still failing")
    legs = list(incident.tasks.order_by("assigned_at"))
    assert [leg.pk for leg in legs][0] == first.pk and len(legs) == 2
    second = legs[1]
    assert second.resolver_group == provider_org and second.ended_at is None
    assert second.assigned_at == london(2026, 12, 2, 9, 0)
    assert second.ola_due_at == london(2026, 12, 2, 17, 0)  # its own fresh 8 h OLA clock
    clock.to(london(2026, 12, 2, 11, 0))
    assert legs[0].time_used() == timedelta(hours=2) and second.time_used() == timedelta(hours=2)


def test_the_console_sla_panel_links_how_sla_figures_are_computed(client, desk_agent,
                                                                   make_incident):
    incident = make_incident(severity=2)
    client.force_login(desk_agent)
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert reverse("reporting:sla_rules").encode() in page.content
    assert b"How SLA figures are computed" in page.content


def test_escalation_rows_keep_the_severity_in_force_when_recorded(clock, make_incident):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=1)
    clock.to(london(2026, 12, 1, 10, 10, 1))
    sla_service.sweep()
    assert Escalation.objects.get(incident=incident, level="breach").severity == 1
