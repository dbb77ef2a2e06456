"""Service reviews with providers (s.5.7 "conduct service reviews"; s.9.4 supplier and
contract reviews): an agenda drawn from the month's KPIs, minutes, and actions with owners
and due dates. Portal, console and API call these functions."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import policy
from kernel.periods import Period
from notifications.services import notify_users

from .errors import InvalidTransition, NotAllowed
from .kpis import definitions
from .kpis.engine import PeriodKpis, Scope
from .models_providers import ReviewAction, ServiceReview
from .reconciliation import current_returns, reconcile


def _figure(result):
    kpi = result.definition
    if result.value is None:
        return f"{kpi.title}: no data ({result.population} records)"
    unit = "%" if kpi.unit == "%" else f" {kpi.unit}"
    target = "" if result.target is None else (
        f" against a target of {result.target}{unit}: "
        f"{'met' if result.met else 'missed'}")
    return f"{kpi.title}: {result.value}{unit}{target}"


def build_agenda(*, provider, period, now=None) -> str:
    """Return the review's agenda: the provider's KPIs for `period` (the same figures as the
    monthly report's per-provider section), its KPI return, and open actions."""
    kpis = PeriodKpis(period, now=now)
    results = kpis.results(Scope(provider=provider))
    lines = [f"Service review with {provider.name}: {period.label}", "",
             "1. Service performance (measured by the CSMS; definitions in the monthly report)"]
    families = {}
    for result in results.values():
        families.setdefault(result.definition.family, []).append(result)
    for family, rows in families.items():
        lines.append(f"   {definitions.FAMILIES[family]}")
        lines += [f"   - {_figure(r)}" for r in rows]
    missed = [r.definition.title for r in results.values() if r.met is False]
    lines += ["", "2. Targets missed: " + (", ".join(missed) if missed else "none")]
    kpi_return = current_returns(period).filter(provider=provider).first()
    lines += ["", "3. The provider's KPI return"]
    if kpi_return is None:
        lines.append("   - No return received for the month.")
    else:
        differences = [line for line in reconcile(kpis, returns=[kpi_return]) if line.flagged]
        lines.append(f"   - Received; {len(differences)} figure(s) outside tolerance.")
        lines += [f"   - {d.kpi.title}: reported {d.reported}, measured {d.measured}"
                  for d in differences]
    open_actions = ReviewAction.objects.open().filter(review__provider=provider)
    lines += ["", "4. Open actions from earlier reviews"]
    lines += [f"   - {a.description} ({a.owner.display_name}, due {a.due_on:%d %b %Y})"
              for a in open_actions.select_related("owner")] or ["   - none"]
    lines += ["", "5. Contract and agreement matters; any other business"]
    return "\n".join(lines)


@transaction.atomic
def plan_review(*, provider, period, meeting_on, by, now=None) -> ServiceReview:
    """Plan the review of `period` (a month) with `provider`, its agenda generated now."""
    if not policy.may_manage_provider_records(by):
        raise NotAllowed("Only Switching Operations plan service reviews.")
    if period.kind != "month":
        raise InvalidTransition("A service review covers one calendar month.")
    if not provider.services_provided.exists():
        raise InvalidTransition(f"{provider.name} provides no service to review.")
    try:
        with transaction.atomic():
            review = ServiceReview.objects.create(
                provider=provider, period_start=period.first, meeting_on=meeting_on,
                agenda=build_agenda(provider=provider, period=period, now=now), created_by=by)
    except IntegrityError:
        raise InvalidTransition(f"{provider.name} already has a review of "
                                f"{period.label}.") from None
    review.transitions.create(from_status="", to_status=review.status, by=by,
                              reason="Review planned")
    return review


@transaction.atomic
def refresh_agenda(*, review, by, now=None) -> ServiceReview:
    """Draw the agenda again from the month's KPIs (e.g. after a late KPI return)."""
    if not policy.may_manage_provider_records(by):
        raise NotAllowed("Only Switching Operations change service reviews.")
    review = ServiceReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ServiceReview.Status.PLANNED:
        raise InvalidTransition("The review has been held; its agenda is kept as it was.")
    review.agenda = build_agenda(provider=review.provider, now=now,
                                 period=Period.month(review.period_start.year,
                                                     review.period_start.month))
    review.agenda_generated_at = timezone.now()
    review.save(update_fields=["agenda", "agenda_generated_at"])
    return review


@transaction.atomic
def record_review_held(*, review, by, minutes) -> ServiceReview:
    if not policy.may_manage_provider_records(by):
        raise NotAllowed("Only Switching Operations record service reviews.")
    if not (minutes or "").strip():
        raise InvalidTransition("Record the minutes of the review.")
    review = ServiceReview.objects.select_for_update().get(pk=review.pk)
    review.minutes = minutes.strip()
    review.record_move(ServiceReview.Status.HELD, by=by, reason="Review held",
                       update_fields=["minutes"])
    return review


@transaction.atomic
def add_review_action(*, review, by, description, owner, due_on) -> ReviewAction:
    """Agree an action at a review: its owner (staff, or the provider's people) is told."""
    if not policy.may_manage_provider_records(by):
        raise NotAllowed("Only Switching Operations record review actions.")
    if not (description or "").strip():
        raise InvalidTransition("Describe the action.")
    if not owner.is_active or owner.is_system_account or not (
            policy.is_internal(owner) or owner.organisation_id == review.provider_id):
        raise InvalidTransition("The owner must be an active member of staff or of "
                                f"{review.provider.name}.")
    action = ReviewAction.objects.create(review=review, description=description.strip(),
                                         owner=owner, due_on=due_on)
    notify_users(users=[owner], topic="reporting.review_action",
                 subject=f"Service review action, due {due_on:%d %b %Y}: {action.description}"
                 [:300], template="reporting/email/review_action", context={"action": action},
                 dedup_key=f"review-action-{action.pk}")
    return action


@transaction.atomic
def complete_review_action(*, action, by) -> ReviewAction:
    if not policy.may_complete_review_action(by, action):
        raise NotAllowed("Only the action's owner or Switching Operations complete it.")
    action = ReviewAction.objects.select_for_update().get(pk=action.pk)
    action.complete()
    return action
