"""Reporting work shared by the portal, the console, the API and the tasks (keyword-only)."""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from notifications.services import notify_users, queue_email

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
    """Move a CSI entry along its lifecycle (Switching Operations only); a provider that
    suggested it is told."""
    if not policy.may_manage_csi(by):
        raise NotAllowed("Only Switching Operations maintain the CSI register.")
    opportunity = ImprovementOpportunity.objects.select_for_update().get(pk=opportunity.pk)
    opportunity.transition(to=to, by=by, reason=reason)
    if opportunity.suggested_by_id is not None:
        _tell_suggester(opportunity, reason=reason)
    return opportunity


CSI_SUGGESTION_TOPIC = "reporting.csi_suggestion"


def _tell_suggester(opportunity, *, reason):
    """Tell whoever suggested the entry (its organisation's address if it came over the API)."""
    first = opportunity.transitions.filter(from_status="").select_related("by").first()
    suggester = first.by if first else None
    subject = (f"{opportunity.reference} is now {opportunity.get_status_display().lower()}: "
               f"{opportunity.title}")
    context = {"entry": opportunity, "event": "moved", "reason": reason}
    if suggester is None or suggester.is_system_account:
        queue_email(to=[opportunity.suggested_by.contact_email], subject=subject,
                    template="reporting/email/csi_suggestion", context=context,
                    topic=CSI_SUGGESTION_TOPIC)
        return
    notify_users(users=[suggester], topic=CSI_SUGGESTION_TOPIC, subject=subject,
                 template="reporting/email/csi_suggestion", context=context)


@transaction.atomic
def suggest_improvement(*, by, title, description, service=None, benefit=""):
    """Record a service provider's improvement recommendation (s.9.8) in the CSI register as
    proposed, for Switching Operations to triage (approve with an owner, or reject), and
    tell them. The provider follows its own suggestions; the register stays internal."""
    if not policy.may_suggest_improvement(by):
        raise NotAllowed("Only service providers suggest improvements here.")
    if not (title or "").strip() or not (description or "").strip():
        raise InvalidTransition("Give the suggestion a title and a description.")
    opportunity = ImprovementOpportunity.objects.create(
        title=title.strip(), description=description.strip(), benefit=(benefit or "").strip(),
        source=ImprovementOpportunity.Source.PROVIDER, service=service,
        source_reference=by.organisation.short_code, suggested_by_id=by.organisation_id)
    ImprovementTransition.objects.create(opportunity=opportunity, from_status="",
                                         to_status=opportunity.status, by=by,
                                         reason=f"Suggested by {by.organisation}")
    operations = Organisation.objects.filter(kind=Organisation.Kind.SWITCHING_OPERATIONS,
                                             is_active=True)
    queue_email(to=[org.contact_email for org in operations],
                subject=f"Improvement suggested by {by.organisation}: {opportunity.reference} "
                        f"{opportunity.title}",
                template="reporting/email/csi_suggestion",
                context={"entry": opportunity, "event": "suggested"},
                topic=CSI_SUGGESTION_TOPIC, dedup_key=f"reporting-csi-suggested:{opportunity.pk}")
    return opportunity
