"""A provider's side of a problem investigation (s.8.12, s.9.7): findings, known error,
evidence, and the change notification that fixes the cause.

Providers keep their own problem tools and feed the CSMS (Option 3, s.7.44) through the
portal or the API; both call these functions, which check permission (accounts.policy),
so no caller can skip it. Switching Operations and the desk are told of each step that
needs them; co-ordination across providers stays on the problem's console page.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policy
from changes.models import ChangeNotification

from . import problems
from .errors import InvalidTransition
from .models import InvestigationEvidence, Problem, ProviderInvestigation

# A change in one of these states can no longer fix anything.
DEAD_CHANGE_STATUSES = {ChangeNotification.Status.REJECTED, ChangeNotification.Status.WITHDRAWN,
                        ChangeNotification.Status.FAILED, ChangeNotification.Status.BACKED_OUT}


def _locked(investigation, by, *, rule=policy.may_work_investigation):
    locked = (ProviderInvestigation.objects.select_for_update()
              .select_related("problem", "provider").get(pk=investigation.pk))
    if not rule(by, locked):
        raise PermissionDenied("You may not work on this investigation.")
    return locked


@transaction.atomic
def record_investigation(*, investigation: ProviderInvestigation, by, status: str = "",
                         findings: str | None = None, root_cause: str | None = None,
                         workaround: str | None = None,
                         reason: str = "") -> ProviderInvestigation:
    """Record the provider's findings, root cause and workaround, and move its status on.

    Texts left as None stay as they are. Concluding needs findings. The desk and
    Switching Operations are told when a provider concludes.
    """
    locked = _locked(investigation, by)
    if locked.problem.status == Problem.Status.CLOSED:
        raise InvalidTransition(f"{locked.problem.reference} is closed.")
    locked.record_findings(findings=findings, root_cause=root_cause, workaround=workaround)
    if status and status != locked.status:
        locked.update(status=status, by=by, reason=reason)
        if status == ProviderInvestigation.Status.CONCLUDED:
            problems.tell_coordinators(
                subject=f"{locked.provider} concluded its investigation of "
                        f"{locked.problem.reference}",
                template="knowledge/email/investigation_update",
                context={"investigation": locked, "problem": locked.problem,
                         "event": "concluded"})
    return locked


@transaction.atomic
def record_known_error(*, investigation: ProviderInvestigation, by) -> Problem:
    """Make the problem a known error with the workaround (and root cause) this investigation
    found. Only the owning provider (or the desk) may; the desk then publishes the article."""
    locked = _locked(investigation, by, rule=policy.may_record_known_error)
    problem = locked.problem
    if not locked.workaround.strip():
        raise InvalidTransition("Record the workaround first: a known error needs one.")
    if problem.status not in (Problem.Status.NEW, Problem.Status.INVESTIGATING):
        raise InvalidTransition(
            f"{problem.reference} is {problem.get_status_display().lower()}; only a new or "
            "investigating problem becomes a known error.")
    problems.record_known_error(problem=problem, by=by, workaround=locked.workaround,
                                root_cause=locked.root_cause)
    problems.tell_coordinators(
        subject=f"Known error: {problem.reference} (workaround from {locked.provider})",
        template="knowledge/email/investigation_update",
        context={"investigation": locked, "problem": problem, "event": "known_error"})
    return problem


@transaction.atomic
def add_evidence(*, investigation: ProviderInvestigation, upload, by,
                 description: str = "") -> InvestigationEvidence:
    """Store a file as evidence on the investigation, after checking its type and size."""
    locked = _locked(investigation, by)
    evidence = InvestigationEvidence(investigation=locked, uploaded_by=by,
                                     description=(description or "").strip()[:200])
    try:
        evidence.take(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    evidence.save()
    return evidence


@transaction.atomic
def propose_fixing_change(*, investigation: ProviderInvestigation, change_notification, by):
    """Propose the provider's own change notification as the fix for the problem's cause.

    The first live proposal becomes the problem's fixing change (the problem then
    resolves once the change is implemented and verified); a later one is kept on the
    investigation for Switching Operations to choose on the problem's page.
    """
    locked = _locked(investigation, by)
    change = change_notification
    if change.provider_id != locked.provider_id:
        raise ValidationError({"change": "Propose one of your own organisation's change "
                                         "notifications."})
    if change.status in DEAD_CHANGE_STATUSES:
        raise ValidationError({"change": f"{change.reference} is "
                                         f"{change.get_status_display().lower()}: it cannot "
                                         "fix the problem."})
    problem = Problem.objects.select_for_update().get(pk=locked.problem_id)
    if problem.status in (Problem.Status.RESOLVED, Problem.Status.CLOSED):
        raise InvalidTransition(f"{problem.reference} is already "
                                f"{problem.get_status_display().lower()}.")
    locked.proposed_change = change
    locked.save(update_fields=["proposed_change", "updated_at"])
    current = problem.fixing_change
    adopted = current is None or current.pk == change.pk or current.status in DEAD_CHANGE_STATUSES
    if adopted and (current is None or current.pk != change.pk):
        problems.link_fixing_change(problem=problem, change_notification=change, by=by)
    problems.tell_coordinators(
        subject=f"Fix proposed for {problem.reference}: {change.reference} by {locked.provider}",
        template="knowledge/email/investigation_update",
        context={"investigation": locked, "problem": problem, "event": "change_proposed",
                 "change": change, "adopted": adopted})
    return locked
