from datetime import timedelta

import pytest

from accounts.factories import OrganisationFactory
from incidents import services
from incidents.errors import InvalidTransition, NotAllowed
from incidents.factories import OlaTargetFactory
from notifications.models import NotificationPreference, OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db


def test_assignment_leg_has_its_own_ola_clock(clock, make_incident, desk_agent, provider_org):
    OlaTargetFactory(resolver_group=provider_org, severity=3, resolution_amount=8)
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident(severity=3)
    leg = services.assign_incident(incident=incident, resolver_group=provider_org,
                                   by=desk_agent, reason="UK Link adapter")
    assert leg.ola_due_at == london(2026, 11, 27, 18, 0)
    clock.to(london(2026, 11, 27, 19, 0))
    assert leg.time_used() == timedelta(hours=9) and leg.ola_breached()


def test_reassignment_ends_the_previous_leg(clock, make_incident, desk_agent, provider_org,
                                            other_provider_org):
    clock.to(london(2026, 11, 27, 10, 0))
    incident = make_incident()
    first = services.assign_incident(incident=incident, resolver_group=provider_org,
                                     by=desk_agent)
    clock.to(london(2026, 11, 27, 12, 0))
    second = services.assign_incident(incident=incident, resolver_group=other_provider_org,
                                      by=desk_agent)
    first.refresh_from_db()
    assert first.ended_at == london(2026, 11, 27, 12, 0)
    assert first.time_used() == timedelta(hours=2)
    assert second.ended_at is None and second.ola_target is None
    incident.refresh_from_db()
    assert incident.assigned_group == other_provider_org


def test_assignment_rules(make_incident, desk_agent, supplier_user, supplier_org, provider_org):
    incident = make_incident()
    with pytest.raises(NotAllowed):
        services.assign_incident(incident=incident, resolver_group=provider_org,
                                 by=supplier_user)
    with pytest.raises(InvalidTransition, match="not to a Market Participant"):
        services.assign_incident(incident=incident, resolver_group=supplier_org, by=desk_agent)
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    with pytest.raises(InvalidTransition, match="already with"):
        services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    services.transition_incident(incident=incident, by=desk_agent, to="cancelled", reason="x")
    with pytest.raises(InvalidTransition, match="cannot be assigned"):
        services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)


def test_assigned_provider_may_comment_and_resolve_but_not_others(
        make_incident, desk_agent, provider_user, other_provider_user, provider_org):
    incident = make_incident()
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    services.transition_incident(incident=incident, by=desk_agent, to="in_progress")
    with pytest.raises(NotAllowed):
        services.add_comment(incident=incident, author=other_provider_user, body="hi")
    with pytest.raises(NotAllowed):
        services.add_comment(incident=incident, author=provider_user, body="x", public=False)
    services.add_comment(incident=incident, author=provider_user, body="Adapter restarted")
    with pytest.raises(NotAllowed):
        services.transition_incident(incident=incident, by=provider_user, to="cancelled",
                                     reason="x")
    incident = services.transition_incident(incident=incident, by=provider_user, to="resolved",
                                            resolution_code="fixed", resolution_notes="Done")
    assert incident.status == "resolved"


def test_raiser_is_emailed_on_create_update_and_resolve(
        make_incident, desk_agent, supplier_user, mailoutbox,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(incident=incident, author=supplier_user, body="More detail")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(incident=incident, author=desk_agent, body="Looking now")
        services.transition_incident(incident=incident, by=desk_agent, to="resolved",
                                     resolution_code="fixed", resolution_notes="Fixed")
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [f"[{incident.reference}] Incident raised: {incident.title}",
                        f"[{incident.reference}] Incident updated: {incident.title}",
                        f"[{incident.reference}] Incident resolved: {incident.title}"]
    assert all(m.to == [supplier_user.email] for m in mailoutbox)
    assert mailoutbox[0].alternatives  # HTML part


def test_raiser_may_opt_out_of_updates(make_incident, desk_agent, supplier_user):
    NotificationPreference.objects.create(user=supplier_user, topic="incident.updated",
                                          email=False)
    incident = make_incident()
    services.add_comment(incident=incident, author=desk_agent, body="Looking")
    assert not OutboundEmail.objects.filter(topic="incident.updated").exists()


def test_provider_emailed_with_reference_on_assignment_but_not_the_desk(
        make_incident, desk_agent, provider_org):
    desk_org = OrganisationFactory(desk=True)
    incident = make_incident()
    services.assign_incident(incident=incident, resolver_group=desk_org, by=desk_agent)
    services.assign_incident(incident=incident, resolver_group=provider_org, by=desk_agent)
    emails = OutboundEmail.objects.filter(topic="incident.assigned")
    assert [e.to for e in emails] == [[provider_org.contact_email]]
    assert incident.reference in emails[0].subject and "Xoserve" in emails[0].subject


def test_notices_are_outbox_rows_written_in_the_same_transaction(make_incident):
    # Nothing has been delivered (no on_commit ran) but the notice is saved with the incident.
    incident = make_incident()
    row = OutboundEmail.objects.get(topic="incident.created")
    assert row.status == "pending" and incident.reference in row.subject
