"""A hand-built October 2026 (the month the clocks go back) with known KPI answers.

Times are UK time. `service` (uk-link) is Xoserve's, `other_service` (ecoes) Gemserv's,
both 24x7 with a 99.5 % target. Expected figures are worked out in the comments and
asserted in test_kpis.py.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from incidents.factories import IncidentFactory
from incidents.services import transition_incident
from reporting.factories import EMERGENCY, MAJOR, NORMAL, change_with_outcome, london, status_history

AFTER = datetime(2026, 12, 1, tzinfo=UTC)  # "now" for measuring October after it is over


@pytest.fixture(autouse=True)
def _private_media_and_fresh_cache(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the dashboard shares month-to-date figures through the cache


@pytest.fixture
def october(db, supplier_user, desk_agent, service, other_service, provider_org,
            other_provider_org):
    """Build the month; return a dict of the incidents by letter."""
    # Each step runs with the clock frozen at its own moment, so whatever the incidents app
    # does with "now" (SLA figures, escalations) happens at that moment, as it would live.
    traveller = []

    def moment(at):
        if traveller:
            traveller.pop().stop()
        traveller.append(time_machine.travel(at, tick=False))
        traveller[-1].start()
        return at

    def raise_(sev, at, services=(service,)):
        return IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                               severity=sev, services=list(services), at=moment(at))

    def move(inc, to, at, by=desk_agent, **details):
        transition_incident(incident=inc, by=by, to=to, at=moment(at), **details)

    def resolve(inc, at):
        move(inc, "resolved", at, resolution_code="fixed", resolution_notes="Fixed.")

    made = {}
    # A: Sev1, response 5 min, resolved in 3 h (within 4 h).
    a = made["A"] = raise_(1, london(2026, 10, 5, 10, 0))
    move(a, "in_progress", london(2026, 10, 5, 10, 5))
    resolve(a, london(2026, 10, 5, 13, 0))
    # B: Sev1, response 20 min, resolved in 6 h: breached (one resolution escalation).
    b = made["B"] = raise_(1, london(2026, 10, 12, 9, 0))
    move(b, "in_progress", london(2026, 10, 12, 9, 20))
    resolve(b, london(2026, 10, 12, 15, 0))
    # C: Sev2, response 10 min, 24 h pending on the participant (pauses), resolved after 36 h
    # elapsed: 12 h on the clock, within 24 h.
    c = made["C"] = raise_(2, london(2026, 10, 20, 8, 0))
    move(c, "in_progress", london(2026, 10, 20, 8, 10))
    move(c, "pending", london(2026, 10, 20, 9, 0), pending_reason="awaiting_participant")
    move(c, "in_progress", london(2026, 10, 21, 9, 0))
    resolve(c, london(2026, 10, 21, 20, 0))
    # D: Sev3 raised 30 Sep 22:00 (before the period), resolved 2 Oct 10:00: 36 h.
    d = made["D"] = raise_(3, london(2026, 9, 30, 22, 0))
    move(d, "in_progress", london(2026, 9, 30, 22, 30))
    resolve(d, london(2026, 10, 2, 10, 0))
    # E: Sev3 raised 31 Oct 23:30 GMT (inside October), responded 1 Nov 00:15 (November).
    e = made["E"] = raise_(3, london(2026, 10, 31, 23, 30))
    move(e, "in_progress", london(2026, 11, 1, 0, 15))
    # F: Sev2 across the clock change, reopened: raised 24 Oct 10:00 BST, resolved 12:00,
    # reopened 25 Oct 09:00 GMT, resolved 14:00 GMT. 29 real hours; 7 h on the clock.
    f = made["F"] = raise_(2, london(2026, 10, 24, 10, 0))
    move(f, "in_progress", london(2026, 10, 24, 10, 15))
    resolve(f, london(2026, 10, 24, 12, 0))
    move(f, "in_progress", london(2026, 10, 25, 9, 0), by=supplier_user, reason="Still failing.")
    resolve(f, london(2026, 10, 25, 14, 0))
    # G: Sev4 on Gemserv's service, cancelled before a response: counts nowhere.
    g = made["G"] = raise_(4, london(2026, 10, 6, 10, 0), services=(other_service,))
    move(g, "cancelled", london(2026, 10, 6, 11, 0), reason="Raised in error.")
    # H: Sev4 on both services, response 60 min, resolved in 48 h.
    h = made["H"] = raise_(4, london(2026, 10, 7, 9, 0), services=(service, other_service))
    move(h, "in_progress", london(2026, 10, 7, 10, 0))
    resolve(h, london(2026, 10, 9, 9, 0))

    traveller.pop().stop()
    for incident in made.values():
        incident.refresh_from_db()

    # Status: uk-link 2 h planned maintenance (excluded), a 2 h major outage across the clock
    # change, and a partial outage from 31 Oct 23:00 GMT of which 1 h falls in October.
    status_history(
        service,
        ("operational", london(2026, 9, 1), london(2026, 10, 10, 2, 0)),
        ("under_maintenance", london(2026, 10, 10, 2, 0), london(2026, 10, 10, 4, 0)),
        ("operational", london(2026, 10, 10, 4, 0), london(2026, 10, 25, 0, 30)),
        ("major_outage", london(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ("operational", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), london(2026, 10, 31, 23, 0)),
        ("partial_outage", london(2026, 10, 31, 23, 0), london(2026, 11, 1, 1, 0)),
        ("operational", london(2026, 11, 1, 1, 0), None),
    )
    status_history(other_service, ("operational", london(2026, 9, 1), None))

    # Changes (Xoserve): one major in October, one in September; two emergency outcomes in
    # October (one backed out at 23:30 on the 31st), one still in progress; one normal failed.
    change_with_outcome(provider=provider_org, service=service, change_type=MAJOR,
                        outcome="implemented", outcome_at=london(2026, 10, 10, 3, 0))
    change_with_outcome(provider=provider_org, service=service, change_type=MAJOR,
                        outcome="implemented", outcome_at=london(2026, 9, 29, 3, 0))
    e1 = change_with_outcome(provider=provider_org, service=service, change_type=EMERGENCY,
                             outcome="implemented", outcome_at=london(2026, 10, 15, 3, 0))
    from changes.models import ChangeTransition

    ChangeTransition.objects.create(change_notification=e1, from_status="implemented",
                                    to_status="implemented", is_retrospective_approval=True,
                                    at=london(2026, 10, 16, 9, 0))
    change_with_outcome(provider=provider_org, service=service, change_type=EMERGENCY,
                        outcome="backed_out", outcome_at=london(2026, 10, 31, 23, 30))
    change_with_outcome(provider=provider_org, service=service, change_type=EMERGENCY)
    change_with_outcome(provider=provider_org, service=service, change_type=NORMAL,
                        outcome="failed", outcome_at=london(2026, 10, 16, 3, 0))
    return made
