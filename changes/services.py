"""Change Co-ordination work: the functions the portal, the admin console and the API call.

Every function is keyword-only and atomic. Permission is checked here too
(`accounts.policy`), so no caller can skip it; callers first narrow what the
user can see with `ChangeNotification.objects.visible_to(user)` (404 otherwise).
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from kernel.periods import LONDON as UK
from notifications.services import notify_users, queue_email
from services.models import BusinessCalendar, Service, ServiceDependency

from . import checks
from .errors import InvalidTransition
from .models import (
    MAX_WINDOW,
    AgendaItem,
    ChangeAttachment,
    ChangeImpact,
    ChangeNotification,
    ChangeReview,
    ConsultationRequest,
    ScheduleSubscription,
)
from .signals import send_changed_on_commit

S = ChangeNotification.Status

# action -> the status it leads to (who may take each is accounts.policy's
# may_take_change_action: the provider's steps, or Change Co-ordination's).
ACTIONS = {
    "submit": S.SUBMITTED,
    "withdraw": S.WITHDRAWN,
    "start": S.IN_PROGRESS,
    "complete": S.IMPLEMENTED,
    "fail": S.FAILED,
    "back_out": S.BACKED_OUT,
    "assess": S.UNDER_ASSESSMENT,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "review": S.REVIEWED,
    "close": S.CLOSED,
    "approve_retrospectively": None,
}
REASON_REQUIRED = {"reject", "fail", "back_out"}
EDITABLE_FIELDS = ["title", "change_type", "description", "risk", "back_out_plan",
                   "planned_start", "planned_end", "contact"]
CONSULTATION_WORKING_DAYS = 3


def available_actions(user, change_notification):
    """Return the actions `user` may take now, for buttons (the server still checks)."""
    allowed = change_notification.allowed_next()
    names = []
    for action, to in ACTIONS.items():
        if not policy.may_take_change_action(user, change_notification, action):
            continue
        if to is None:
            if change_notification.needs_retrospective_approval:
                names.append(action)
        elif to in allowed or (action in ("approve", "reject") and
                               change_notification.status == S.SUBMITTED):
            names.append(action)
    return names


def _after_change(change_notification):
    checks.refresh_warnings(change_notification=change_notification)
    send_changed_on_commit(change_notification)


def _set_impacts(change_notification, impacts):
    """Replace the notification's impacts with `impacts`: [(Service, impact), ...]."""
    seen = set()
    for service, _ in impacts:
        if service.pk in seen:
            raise ValidationError({"impacts": f"{service.name} is listed twice."})
        seen.add(service.pk)
    change_notification.impacts.all().delete()
    ChangeImpact.objects.bulk_create([
        ChangeImpact(change_notification=change_notification, service=service, impact=impact)
        for service, impact in impacts])


def _check_window(planned_start, planned_end):
    if planned_end <= planned_start:
        raise ValidationError({"planned_end": "The planned end must be after the planned start."})
    if planned_end - planned_start > MAX_WINDOW:
        raise ValidationError({"planned_end": f"A change window cannot be longer than "
                                              f"{MAX_WINDOW.days} days."})


@transaction.atomic
def create_change_notification(*, provider: Organisation, by, title: str, change_type: str,
                               description: str, risk: str, back_out_plan: str,
                               planned_start: datetime, planned_end: datetime,
                               impacts: list, contact=None) -> ChangeNotification:
    """Create a draft notification for `provider` with its impacts; return it."""
    if not policy.may_submit_change_notifications(by) or (
            policy.is_provider(by) and by.organisation_id != provider.pk):
        raise PermissionDenied("You may not raise change notifications for this provider.")
    if provider.kind != Organisation.Kind.CDS_PROVIDER:
        raise ValidationError({"provider": "Only a Service Provider submits change notifications."})
    _check_window(planned_start, planned_end)
    if contact is None and not by.is_system_account and by.organisation_id == provider.pk:
        contact = by
    change = ChangeNotification.objects.create(
        provider=provider, created_by=by, contact=contact, title=title, change_type=change_type,
        description=description, risk=risk, back_out_plan=back_out_plan,
        planned_start=planned_start, planned_end=planned_end)
    _set_impacts(change, impacts)
    _after_change(change)
    return change


@transaction.atomic
def update_draft(*, change_notification: ChangeNotification, by, changes: dict,
                 impacts: list | None = None) -> ChangeNotification:
    """Edit a draft's fields (`changes`: field -> value) and optionally replace its impacts."""
    change = ChangeNotification.objects.select_for_update().get(pk=change_notification.pk)
    if not policy.may_work_change_notification(by, change):
        raise PermissionDenied("You may not edit this change notification.")
    if change.status != S.DRAFT:
        raise InvalidTransition(
            f"{change.reference} is {change.get_status_display().lower()}: only a draft can be "
            "edited. Withdraw it and raise a new notification to change it.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be edited." for name in unknown})
    for name, value in changes.items():
        setattr(change, name, value)
    _check_window(change.planned_start, change.planned_end)
    if changes:
        change.save(update_fields=[*changes, "updated_at"])
    if impacts is not None:
        _set_impacts(change, impacts)
    _after_change(change)
    return change


@transaction.atomic
def perform_action(*, change_notification: ChangeNotification, action: str, by,
                   reason: str = "") -> ChangeNotification:
    """Take a lifecycle step (see ACTIONS) and do what follows it; return the notification.

    Locks the row, so two people acting at once are serialised and the second
    sees the state the first left. Raise PermissionDenied, ValidationError (a
    missing reason) or InvalidTransition.
    """
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action '{action}'."})
    change = ChangeNotification.objects.select_for_update().get(pk=change_notification.pk)
    if not policy.may_take_change_action(by, change, action):
        raise PermissionDenied("You may not do this to this change notification.")
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": "Say why."})
    target = ACTIONS[action]
    was_scheduled = change.status in (S.APPROVED, S.IN_PROGRESS)
    if target is None:
        change.approve_retrospectively(by=by, reason=reason)
    else:
        if action in ("approve", "reject") and change.status == S.SUBMITTED:
            change.transition(S.UNDER_ASSESSMENT, by=by, reason="Assessed by Change Co-ordination")
        change.transition(target, by=by, reason=reason)
    if action == "submit":
        _open_consultation(change)
        _tell_operations(change)
    if action in ("approve", "reject"):
        _tell_submitter(change, decision=action, rationale=reason)
    if action == "approve" or (was_scheduled and action == "withdraw"):
        _tell_subscribers(change, event=action)
    _after_change(change)
    return change


# --- consultation -----------------------------------------------------------
def consultation_deadline(change, now=None):
    """Return 17:00 UK on the third working day after today, but no later than the start."""
    now = now or timezone.now()
    calendar = BusinessCalendar.england_and_wales()
    day = calendar.add_working_days(now.astimezone(UK).date(), CONSULTATION_WORKING_DAYS)
    deadline = datetime.combine(day, time(17, 0), tzinfo=UK)
    deadline = min(deadline, change.planned_start)
    return deadline if deadline > now else now + timedelta(hours=2)


def _open_consultation(change):
    """Ask the providers of affected and dependent services (other than the submitter)."""
    affected = set(change.impacts.values_list("service_id", flat=True))
    consulted = affected | ServiceDependency.objects.graph().downstream(affected)
    by_org = {}
    for service in Service.objects.filter(pk__in=consulted, is_active=True).select_related(
            "provider"):
        if service.provider_id != change.provider_id:
            by_org.setdefault(service.provider, []).append(service)
    deadline = consultation_deadline(change)
    for organisation, services in by_org.items():
        request, created = ConsultationRequest.objects.get_or_create(
            change_notification=change, organisation=organisation,
            defaults={"deadline": deadline})
        request.services.set(services)
        if created:
            people = organisation.users.people().filter(is_active=True, role="provider")
            addresses = [organisation.contact_email] + [u.email for u in people]
            queue_email(
                to=addresses, subject=f"Consultation: {change.reference} {change.title}",
                template="changes/email/consultation",
                context={"change": change, "request": request, "services": services},
                topic="change.consultation", dedup_key=f"change-consultation-{request.pk}")


@transaction.atomic
def respond_to_consultation(*, consultation: ConsultationRequest, by, response: str,
                            comment: str = "") -> ConsultationRequest:
    """Record a provider's answer (no impact, or impact with a comment)."""
    request = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    if not policy.may_answer_consultation(by, request):
        raise PermissionDenied("You may not answer this consultation.")
    if response not in (ConsultationRequest.Response.NO_IMPACT,
                        ConsultationRequest.Response.IMPACT):
        raise ValidationError({"response": "Choose 'no impact' or 'impact'."})
    comment = (comment or "").strip()
    if response == ConsultationRequest.Response.IMPACT and not comment:
        raise ValidationError({"comment": "Describe the impact you expect."})
    request.response, request.comment = response, comment
    request.responded_by, request.responded_at = by, timezone.now()
    request.save(update_fields=["response", "comment", "responded_by", "responded_at"])
    return request


# --- notices ----------------------------------------------------------------
def _submitter_addresses(change):
    people = [u for u in (change.contact, change.created_by) if u is not None]
    return [change.provider.contact_email] + [u.email for u in people
                                               if u.is_active and not u.is_system_account]


def _tell_submitter(change, *, decision, rationale):
    queue_email(
        to=_submitter_addresses(change),
        subject=f"{change.reference} {decision.replace('_', ' ')}: {change.title}",
        template="changes/email/decision",
        context={"change": change, "decision": decision, "rationale": rationale},
        topic=f"change.{decision}")


def _tell_operations(change):
    addresses = Organisation.objects.filter(
        kind=Organisation.Kind.SWITCHING_OPERATIONS).values_list("contact_email", flat=True)
    queue_email(to=list(addresses), subject=f"Submitted: {change.reference} {change.title}",
                template="changes/email/submitted", context={"change": change},
                topic="change.submitted", dedup_key=f"change-submitted-{change.pk}")


def _tell_subscribers(change, *, event):
    services = change.impacts.values_list("service_id", flat=True)
    users = {s.user for s in ScheduleSubscription.objects.filter(
        service_id__in=services).select_related("user")}
    subject = {"approve": "Scheduled", "withdraw": "Withdrawn"}[event]
    notify_users(users=sorted(users, key=lambda u: u.pk), topic="change.schedule",
                 subject=f"{subject}: {change.reference} {change.title}",
                 template="changes/email/schedule", context={"change": change, "event": event},
                 dedup_key=f"change-schedule-{event}-{change.pk}")


# --- Change Co-ordination Group --------------------------------------------
@transaction.atomic
def build_agenda(*, meeting, by) -> int:
    """Add every notification awaiting decision not already on this agenda; return how many."""
    if not policy.may_coordinate_changes(by):
        raise PermissionDenied("Only Switching Operations prepares the agenda.")
    on_agenda = set(meeting.items.values_list("change_notification_id", flat=True))
    position = meeting.items.count()
    added = 0
    for change in ChangeNotification.objects.awaiting_decision().order_by("planned_start"):
        if change.pk in on_agenda:
            continue
        position += 1
        AgendaItem.objects.create(meeting=meeting, change_notification=change, position=position)
        added += 1
    return added


@transaction.atomic
def move_agenda_item(*, item: AgendaItem, position: int, by) -> AgendaItem:
    """Put an agenda item at `position` (its other fields are left as stored)."""
    if not policy.may_coordinate_changes(by):
        raise PermissionDenied("Only Switching Operations prepares the agenda.")
    stored = AgendaItem.objects.select_for_update().get(pk=item.pk)
    stored.position = position
    stored.save(update_fields=["position"])
    return stored


@transaction.atomic
def record_decision(*, item: AgendaItem, decision: str, rationale: str, by) -> AgendaItem:
    """Record the group's decision and perform it (approve or reject); tell the submitter."""
    item = AgendaItem.objects.select_for_update().select_related("change_notification").get(
        pk=item.pk)
    if not policy.may_coordinate_changes(by):
        raise PermissionDenied("Only Switching Operations records decisions.")
    if item.decision != AgendaItem.Decision.PENDING:
        raise InvalidTransition("This item has already been decided.")
    if decision not in (AgendaItem.Decision.APPROVE, AgendaItem.Decision.REJECT,
                        AgendaItem.Decision.DEFER):
        raise ValidationError({"decision": "Choose approve, reject or defer."})
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": "Record the rationale for the decision."})
    if decision == AgendaItem.Decision.DEFER:
        _tell_submitter(item.change_notification, decision="defer", rationale=rationale)
    else:
        perform_action(change_notification=item.change_notification, action=decision, by=by,
                       reason=rationale)
    item.decision, item.rationale = decision, rationale
    item.decided_by, item.decided_at = by, timezone.now()
    item.save(update_fields=["decision", "rationale", "decided_by", "decided_at"])
    return item


@transaction.atomic
def add_review(*, change_notification, kind: str, summary: str, by,
               recommendation: str = "") -> ChangeReview:
    """Record an evaluation (before approval) or a post-implementation review."""
    if not policy.may_coordinate_changes(by):
        raise PermissionDenied("Only Switching Operations records evaluations and reviews.")
    return ChangeReview.objects.create(change_notification=change_notification, kind=kind,
                                       summary=summary, recommendation=recommendation, author=by)


# --- attachments and subscriptions -----------------------------------------
@transaction.atomic
def add_attachment(*, change_notification, upload, by) -> ChangeAttachment:
    """Store an uploaded file against the notification after checking its type and size."""
    if not policy.may_work_change_notification(by, change_notification):
        raise PermissionDenied("You may not add files to this change notification.")
    attachment = ChangeAttachment(change_notification=change_notification, uploaded_by=by)
    try:
        attachment.take(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    attachment.save()
    return attachment


@transaction.atomic
def set_subscriptions(*, user, services) -> None:
    """Make `user`'s schedule subscriptions exactly `services`."""
    if not policy.may_read_change_schedule(user):
        raise PermissionDenied("Sign in to subscribe.")
    wanted = {s.pk for s in services}
    ScheduleSubscription.objects.filter(user=user).exclude(service_id__in=wanted).delete()
    have = set(ScheduleSubscription.objects.filter(user=user).values_list("service_id", flat=True))
    ScheduleSubscription.objects.bulk_create(
        [ScheduleSubscription(user=user, service_id=pk) for pk in wanted - have])
