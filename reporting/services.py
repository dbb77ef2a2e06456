"""Reporting work shared by the portal, the console, the API and the tasks (keyword-only)."""

from django.db import transaction
from django.utils import timezone

from accounts import policy

from .errors import InvalidTransition, NotAllowed
from .models import ImprovementOpportunity, ImprovementTransition, KpiReturn, KpiReturnFigure
from .returns import due_on


@transaction.atomic
def submit_kpi_return(*, provider, by, period, figures, channel, notes="", now=None) -> KpiReturn:
    """Record a provider's return for `period` (already validated figures); a resubmission
    supersedes the provider's earlier return for the period, which is kept."""
    if not policy.may_submit_kpi_return(by, provider):
        raise NotAllowed("Only the provider itself may submit its KPI return.")
    now = now or timezone.now()
    earlier = list(KpiReturn.objects.select_for_update().filter(
        provider=provider, period=period.key, is_current=True))
    for old in earlier:
        old.is_current = False
        old.save(update_fields=["is_current"])
    kpi_return = KpiReturn.objects.create(
        provider=provider, period=period.key, channel=channel, submitted_by=by,
        submitted_at=now, due_on=due_on(period), notes=notes)
    KpiReturnFigure.objects.bulk_create([
        KpiReturnFigure(kpi_return=kpi_return, kpi=f.kpi, service=f.service, severity=f.severity,
                        value=f.value) for f in figures])
    return kpi_return


@transaction.atomic
def record_improvement(*, by, title, description, source, source_reference="", kpi="",
                       service=None, owner=None, benefit="", dedup_key=None):
    """Add an entry to the CSI register (proposed); with `dedup_key` at most once.

    Return (opportunity, created).
    """
    if by is not None and not policy.may_manage_csi(by):
        raise NotAllowed("Only Switching Operations maintain the CSI register.")
    if dedup_key:
        existing = ImprovementOpportunity.objects.filter(dedup_key=dedup_key).first()
        if existing:
            return existing, False
    if not (title or "").strip() or not (description or "").strip():
        raise InvalidTransition("Give the opportunity a title and a description.")
    opportunity = ImprovementOpportunity.objects.create(
        title=title.strip(), description=description.strip(), source=source,
        source_reference=source_reference, kpi=kpi, service=service, owner=owner,
        benefit=benefit, dedup_key=dedup_key)
    ImprovementTransition.objects.create(opportunity=opportunity, from_status="",
                                         to_status=opportunity.status, by=by,
                                         reason="Recorded")
    return opportunity, True


@transaction.atomic
def move_improvement(*, opportunity, by, to, reason=""):
    """Move a CSI entry along its lifecycle (Switching Operations only)."""
    if not policy.may_manage_csi(by):
        raise NotAllowed("Only Switching Operations maintain the CSI register.")
    opportunity = ImprovementOpportunity.objects.select_for_update().get(pk=opportunity.pk)
    opportunity.transition(to=to, by=by, reason=reason)
    return opportunity
