"""Property tests over real incident histories (the lifecycle, the database, the SLA code).

Random histories of responses, pauses, resolutions, reopens, cancellations,
closures, severity changes and reassignments, raised near the clock changes and
bank holidays (Sev4 on working days, the others 24x7), are played through the
services as the desk would; then the stored figures must equal a fresh replay,
verdicts must follow "done at or before the deadline", and OLA legs must stop.
"""

import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents import services, sla_service
from incidents.errors import IncidentError
from incidents.factories import IncidentFactory

from .conftest import london

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
STARTS = [london(2026, 3, 27, 16, 0), london(2026, 4, 2, 15, 0), london(2026, 10, 23, 17, 0),
          london(2026, 12, 23, 11, 0), london(2026, 5, 1, 9, 0)]
ACTIONS = ["respond", "pend_participant", "pend_provider", "resume", "resolve", "reopen",
           "cancel", "close", "severity", "assign"]

steps = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 3000),
                           st.integers(1, 4), st.booleans()), max_size=9)


def _act(incident, action, severity, flag, *, desk, raiser, groups):
    moves = {
        "respond": dict(to="in_progress"), "resume": dict(to="in_progress"),
        "pend_participant": dict(to="pending", pending_reason="awaiting_participant"),
        "pend_provider": dict(to="pending", pending_reason="awaiting_provider"),
        "resolve": dict(to="resolved", resolution_code="fixed", resolution_notes="Fixed"),
        "cancel": dict(to="cancelled", reason="Duplicate"),
        "close": dict(to="closed"),
    }
    if action == "reopen":
        return services.transition_incident(incident=incident, by=raiser, to="in_progress",
                                            reason="Still failing")
    if action == "severity":
        return services.change_severity(incident=incident, by=desk, to=severity,
                                        reason="Re-graded")
    if action == "assign":
        return services.assign_incident(incident=incident, by=desk,
                                        resolver_group=groups[flag])
    return services.transition_incident(incident=incident, by=desk, **moves[action])


@settings(max_examples=int(os.environ.get("SLA_PROPERTY_EXAMPLES", "40")))
@given(start=st.sampled_from(STARTS), offset=st.integers(0, 2880),
       severity=st.integers(1, 4), history=steps)
def test_replay_equals_live_met_follows_the_deadline_and_ola_legs_stop(
        supplier_user, desk_agent, service, provider_org, other_provider_org, start, offset,
        severity, history):
    at = start + timedelta(minutes=offset)
    with time_machine.travel(at, tick=False):
        incident = IncidentFactory(organisation=supplier_user.organisation,
                                   raised_by=supplier_user, severity=severity,
                                   services=[service], at=at)
    refreshed = at  # when the stored figures were last computed
    for action, gap, new_severity, flag in history:
        at += timedelta(minutes=gap)
        with time_machine.travel(at, tick=False):
            try:
                _act(incident, action, new_severity, flag, desk=desk_agent, raiser=supplier_user,
                     groups=(provider_org, other_provider_org))
            except IncidentError:
                continue  # not allowed from this status: the lifecycle refused, nothing changed
        if action != "assign":
            refreshed = at
        incident.refresh_from_db()

    # Replay == live: the stored figures are exactly what a replay at that moment gives.
    figures = sla_service.figures_for(incident, now=refreshed)
    recorded = {(e.clock, e.level) for e in incident.escalations.all()}
    stored = {name: getattr(incident, name) for name in sla_service.stored_fields(
        figures, recorded)}
    assert stored == sla_service.stored_fields(figures, recorded)

    # Met iff done at or before the deadline, checked the plainest way on the stored rows.
    if incident.status == "cancelled":
        assert not incident.response_breached and not incident.resolution_breached
    elif incident.resolved_at is not None:
        assert incident.resolution_breached == (incident.resolved_at > incident.resolution_due_at)
    elif not incident.sla_paused:
        assert incident.resolution_breached == (refreshed > incident.resolution_due_at)

    # OLA legs: at most one open; none once resolved, cancelled or closed; time stops.
    legs = list(incident.tasks.all())
    assert sum(leg.ended_at is None for leg in legs) <= (1 if incident.is_open else 0)
    for leg in legs:
        if leg.ended_at is not None:
            assert leg.time_used(at + timedelta(days=3)) == leg.time_used(at + timedelta(days=30))
