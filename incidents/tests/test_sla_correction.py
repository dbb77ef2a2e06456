"""`sla_replay --all` corrects figures stored under the old rules and says how many changed."""

import pytest
from django.core.management import call_command

from incidents import services, sla_correction
from incidents.factories import OlaTargetFactory
from incidents.models import Escalation, Incident, ProviderTask
from notifications.models import OutboundEmail

from .conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy(clock, make_incident, desk_agent, supplier_user, provider_org):
    """Two incidents whose stored figures and legs are as the old rules left them."""
    OlaTargetFactory(resolver_group=provider_org, severity=4, resolution_amount=20)
    clock.to(london(2026, 11, 30, 8, 0))
    sev4 = make_incident(severity=4)
    services.assign_incident(incident=sev4, resolver_group=provider_org, by=desk_agent)
    clock.to(london(2026, 12, 11, 19, 0))
    services.transition_incident(incident=sev4, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    # The old rules: Friday 19:00 against an 18:00 deadline was "within target", and the
    # leg ran on after the resolution.
    Incident.objects.filter(pk=sev4.pk).update(resolution_breached=False)
    sev4.tasks.update(ended_at=None, ended_because="")

    clock.to(london(2026, 12, 1, 10, 0))
    reopened = make_incident(severity=3)
    services.assign_incident(incident=reopened, resolver_group=provider_org, by=desk_agent)
    clock.to(london(2026, 12, 1, 12, 0))
    services.transition_incident(incident=reopened, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed")
    clock.to(london(2026, 12, 2, 9, 0))
    services.transition_incident(incident=reopened, by=supplier_user, to="in_progress",
                                 reason="Still failing")
    clock.to(london(2026, 12, 2, 10, 0))
    services.transition_incident(incident=reopened, by=desk_agent, to="resolved",
                                 resolution_code="fixed", resolution_notes="Fixed again")
    # The old rules kept one leg running across both resolutions and the reopen.
    first = reopened.tasks.order_by("assigned_at").first()
    reopened.tasks.exclude(pk=first.pk).delete()
    reopened.tasks.update(ended_at=None, ended_because="")
    Incident.objects.filter(pk=reopened.pk).update(resolution_due_at=london(2026, 12, 5, 9, 0))
    clock.to(london(2026, 12, 14, 9, 0))
    return sev4, reopened


def test_sla_replay_all_corrects_stored_figures_and_legs_and_reports_how_many_changed(
        legacy, capsys, provider_org):
    sev4, reopened = legacy
    emails, escalations = OutboundEmail.objects.count(), Escalation.objects.count()
    call_command("sla_replay", "--all")
    out = capsys.readouterr().out
    assert "Replayed 2 incidents: 5 figures changed on 2 incidents" in out
    assert "resolution_breached 1" in out and "resolution_due_at 1" in out
    assert "ended at resolution, cancellation or closure: 2" in out
    assert "legs opened for reopens: 1" in out
    sev4.refresh_from_db()
    assert sev4.resolution_breached
    leg = sev4.tasks.get()
    assert (leg.ended_at, leg.ended_because) == (london(2026, 12, 11, 19, 0), "resolved")
    reopened.refresh_from_db()
    assert reopened.resolution_due_at == london(2026, 12, 5, 7, 0)  # 72 h + 21 h stopped
    legs = list(reopened.tasks.order_by("assigned_at"))
    assert [(leg.assigned_at, leg.ended_at, leg.ended_because) for leg in legs] == [
        (london(2026, 12, 1, 10, 0), london(2026, 12, 1, 12, 0), "resolved"),
        (london(2026, 12, 2, 9, 0), london(2026, 12, 2, 10, 0), "resolved")]
    assert legs[1].resolver_group == provider_org
    # A correction, not news: nobody is emailed and no escalation is recorded.
    assert (OutboundEmail.objects.count(), Escalation.objects.count()) == (emails, escalations)
    # Running it again finds nothing to change.
    call_command("sla_replay", "--all")
    assert "0 figures changed on 0 incidents" in capsys.readouterr().out


def test_a_dry_run_counts_and_writes_nothing(legacy, capsys):
    sev4, _ = legacy
    call_command("sla_replay", "--all", "--dry-run")
    assert "Dry run (nothing written). Replayed 2 incidents: 5 figures changed" in \
        capsys.readouterr().out
    sev4.refresh_from_db()
    assert not sev4.resolution_breached
    assert ProviderTask.objects.filter(ended_at__isnull=True).count() == 2
    assert ProviderTask.objects.count() == 2


def test_the_correction_is_in_the_audit_trail(legacy):
    from accounts.models_audit import AuditEntry

    sev4, _ = legacy
    sla_correction.correct_all(batch=1)
    from django.contrib.contenttypes.models import ContentType

    entry = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Incident),
                                      object_id=str(sev4.pk), action="update").latest("pk")
    assert entry.changes["resolution_breached"] == [False, True]
    assert entry.actor_label == "system"


def test_sla_replay_needs_a_reference_or_all():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="or --all"):
        call_command("sla_replay")


def test_a_paused_clocks_due_time_moving_on_is_not_counted_as_a_correction(
        clock, make_incident, desk_agent, capsys):
    clock.to(london(2026, 12, 1, 10, 0))
    incident = make_incident(severity=1)
    services.transition_incident(incident=incident, by=desk_agent, to="pending",
                                 pending_reason="awaiting_participant")
    clock.to(london(2026, 12, 3, 10, 0))
    call_command("sla_replay", "--all")
    assert "0 figures changed on 0 incidents" in capsys.readouterr().out
