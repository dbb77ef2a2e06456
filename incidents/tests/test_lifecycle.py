from datetime import timedelta

import pytest
from django.core.management import call_command

from incidents import services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.models import IncidentTransition, SeverityChange
from incidents.signals import incident_changed

from .conftest import london

pytestmark = pytest.mark.django_db


def test_reference_is_sequential_and_padded(make_incident):
    first, second = make_incident(), make_incident()
    assert first.reference == "INC-000001" and second.reference == "INC-000002"


def test_every_transition_writes_a_row_with_who_when_from_to_why(make_incident, desk_agent):
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress",
                                 reason="Looking")
    row = IncidentTransition.objects.get(incident=incident)
    assert (row.by, row.from_status, row.to_status, row.reason) == (
        desk_agent, "new", "in_progress", "Looking")
    incident.refresh_from_db()
    assert incident.responded_at == row.at


@pytest.mark.parametrize("path, bad", [
    ([], "closed"), ([], "new"), (["in_progress"], "closed"),
    (["resolved", "closed"], "in_progress"), (["cancelled"], "in_progress"),
])
def test_invalid_transitions_are_refused_with_a_readable_message(make_incident, desk_agent,
                                                                 path, bad):
    incident = make_incident()
    for to in path:
        incident = services.transition_incident(
            incident=incident, by=desk_agent, to=to, reason="x", resolution_code="fixed",
            resolution_notes="done")
    with pytest.raises(InvalidTransition, match="cannot|not"):
        services.transition_incident(incident=incident, by=desk_agent, to=bad, reason="x")


def test_resolve_needs_a_code_and_notes(make_incident, desk_agent):
    incident = make_incident()
    with pytest.raises(InvalidTransition, match="resolution code"):
        services.transition_incident(incident=incident, by=desk_agent, to="resolved")
    with pytest.raises(InvalidTransition, match="notes"):
        services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                     resolution_code="fixed")


def test_pending_needs_a_reason_it_is_waiting_for(make_incident, desk_agent):
    with pytest.raises(InvalidTransition, match="waiting for"):
        services.transition_incident(incident=make_incident(), by=desk_agent, to="pending")


def test_participant_confirms_resolution_and_cannot_resolve(make_incident, desk_agent,
                                                            supplier_colleague):
    incident = make_incident()
    with pytest.raises(NotAllowed):
        services.transition_incident(incident=incident, by=supplier_colleague, to="resolved",
                                     resolution_code="fixed", resolution_notes="x")
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    incident = services.transition_incident(incident=incident, by=supplier_colleague,
                                            to="closed")
    assert incident.status == "closed" and incident.closed_at


def test_other_participant_cannot_confirm(make_incident, desk_agent, other_supplier_user):
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    with pytest.raises(NotAllowed):
        services.transition_incident(incident=incident, by=other_supplier_user, to="closed")


def test_reopen_only_within_the_window(clock, make_incident, desk_agent, supplier_user):
    clock.to(london(2026, 11, 2, 10, 0))
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    clock.to(london(2026, 11, 13, 10, 0))  # 11 days later; window is 10
    with pytest.raises(InvalidTransition, match="reopen window"):
        services.transition_incident(incident=incident, by=supplier_user, to="in_progress",
                                     reason="Back again")
    clock.to(london(2026, 11, 12, 9, 0))
    with pytest.raises(InvalidTransition, match="why"):
        services.transition_incident(incident=incident, by=supplier_user, to="in_progress")
    incident = services.transition_incident(incident=incident, by=supplier_user,
                                            to="in_progress", reason="Back again")
    assert incident.status == "in_progress" and incident.resolved_at is None


def test_auto_close_after_configured_days_is_idempotent(clock, make_incident, desk_agent):
    clock.to(london(2026, 11, 2, 10, 0))
    incident = make_incident()
    services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    clock.to(london(2026, 11, 6, 10, 0))
    assert services.auto_close() == 0
    clock.to(london(2026, 11, 7, 10, 0))
    assert services.auto_close() == 1
    assert services.auto_close() == 0
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert incident.transitions.last().by is None


def test_cancel_as_duplicate_links_the_original(make_incident, desk_agent):
    original, duplicate = make_incident(), make_incident()
    services.transition_incident(incident=duplicate, by=desk_agent, to="cancelled",
                                 reason="Duplicate", duplicate_of=original)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original
    assert duplicate.links_out.get().kind == "duplicate"
    with pytest.raises(InvalidTransition, match="itself"):
        services.transition_incident(incident=original, by=desk_agent, to="cancelled",
                                     reason="x", duplicate_of=original)


def test_severity_change_needs_a_reason_and_the_desk(make_incident, desk_agent, supplier_user):
    incident = make_incident(severity=3)
    with pytest.raises(InvalidTransition, match="reason"):
        services.change_severity(incident=incident, by=desk_agent, to=2, reason=" ")
    with pytest.raises(NotAllowed):
        services.change_severity(incident=incident, by=supplier_user, to=1, reason="Urgent")
    with pytest.raises(InvalidTransition, match="1, 2, 3 or 4"):
        services.change_severity(incident=incident, by=desk_agent, to=7, reason="x")
    services.change_severity(incident=incident, by=desk_agent, to=2, reason="Wider impact")
    assert SeverityChange.objects.get(incident=incident).reason == "Wider impact"


def test_incident_changed_is_sent_after_commit(make_incident, desk_agent,
                                               django_capture_on_commit_callbacks):
    seen = []

    def receiver(sender, incident, **kwargs):
        seen.append(incident.status)

    incident_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            incident = make_incident()
        assert seen == ["new"]
        with django_capture_on_commit_callbacks(execute=True):
            services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
            services.change_severity(incident=incident, by=desk_agent, to=2, reason="x")
        assert len(seen) == 3
    finally:
        incident_changed.disconnect(receiver)


def test_open_excludes_resolved_closed_cancelled(make_incident, desk_agent):
    from incidents.models import Incident

    keep, gone = make_incident(), make_incident()
    services.transition_incident(incident=gone, by=desk_agent, to="cancelled", reason="x")
    assert list(Incident.objects.open()) == [keep]


def test_sla_replay_command_explains_the_figures(clock, make_incident, desk_agent, capsys):
    clock.to(london(2026, 11, 27, 14, 2))
    incident = make_incident(severity=1)
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant")
    clock.to(london(2026, 11, 27, 15, 10))
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    clock.to(london(2026, 11, 27, 15, 10) + timedelta(minutes=5))
    call_command("sla_replay", incident.reference)
    out = capsys.readouterr().out
    assert "Paused awaiting participant 27 Nov 2026 14:02-15:10" in out
    assert "resolution: elapsed" in out
