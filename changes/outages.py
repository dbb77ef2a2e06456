"""Market Participants' own outages: the functions the portal, the console and the API call.

Keyword-only and atomic; permission is checked here (accounts.policy), so no caller can skip
it. Callers first narrow what the user may see with
`ParticipantOutage.objects.visible_to(user)` (404 otherwise).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from notifications.services import queue_email

from . import checks
from .errors import InvalidTransition
from .models import MAX_WINDOW, ParticipantOutage

Kind, S = ParticipantOutage.Kind, ParticipantOutage.Status
# Fields a declaration may revise while it is live (the kind and the organisation never change).
REVISABLE_FIELDS = ["title", "description", "starts_at", "ends_at", "flows_affected", "audience",
                    "contact_name", "contact_phone", "contact_email"]
ACTIONS = {"begin": S.ONGOING, "end": S.ENDED, "cancel": S.CANCELLED}
ACTION_LABELS = {"begin": "Record that it has begun", "end": "Record that it has ended",
                 "cancel": "Cancel it"}


def _check_window(*, kind, starts_at, ends_at, now, moved_start):
    errors = {}
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    if kind == Kind.PLANNED:
        if ends_at is None:
            errors["ends_at"] = "A planned outage needs an end."
        elif ends_at - starts_at > MAX_WINDOW:
            errors["ends_at"] = f"A planned outage cannot be longer than {MAX_WINDOW.days} days."
        if moved_start and starts_at <= now:
            errors["starts_at"] = ("A planned outage starts in the future; declare one that has "
                                   "already begun as unplanned.")
    elif starts_at > now:
        errors["starts_at"] = ("An unplanned outage has already begun; declare one in the "
                               "future as planned.")
    if errors:
        raise ValidationError(errors)


def _check_scope(services, flows_affected):
    if not services and not (flows_affected or "").strip():
        raise ValidationError({"services": "Name the services or the flows the outage affects."})


def check_declaration(*, kind, starts_at, ends_at, services, flows_affected, now=None):
    """Raise ValidationError (by field) unless a new declaration's window and scope are sound."""
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose planned or unplanned."})
    errors = {}
    for check in (lambda: _check_window(kind=kind, starts_at=starts_at, ends_at=ends_at,
                                        now=now or timezone.now(), moved_start=True),
                  lambda: _check_scope(services, flows_affected)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def declare_outage(*, organisation: Organisation, by, kind: str, title: str, starts_at: datetime,
                   contact_name: str, ends_at: datetime | None = None, services=(),
                   flows_affected: str = "", description: str = "",
                   audience: str = ParticipantOutage.Audience.PROVIDERS, contact_phone: str = "",
                   contact_email: str = "") -> ParticipantOutage:
    """Record a participant's planned or unplanned outage, check its notice, tell the desk."""
    if not policy.may_declare_participant_outage(by) or (
            policy.is_participant(by) and by.organisation_id != organisation.pk):
        raise PermissionDenied("You may not declare outages for this organisation.")
    if organisation.kind != Organisation.Kind.MARKET_PARTICIPANT:
        raise ValidationError({"organisation": "Only a Market Participant declares its own "
                                               "outages here; providers raise events or changes."})
    now = timezone.now()
    services = list(services)
    check_declaration(kind=kind, starts_at=starts_at, ends_at=ends_at, services=services,
                      flows_affected=flows_affected, now=now)
    outage = ParticipantOutage.objects.create(
        organisation=organisation, declared_by=by, kind=kind,
        status=S.SCHEDULED if kind == Kind.PLANNED else S.ONGOING, title=title.strip(),
        description=(description or "").strip(), starts_at=starts_at, ends_at=ends_at,
        flows_affected=(flows_affected or "").strip(), audience=audience,
        contact_name=contact_name.strip(), contact_phone=contact_phone or "",
        contact_email=contact_email or "", notified_at=now)
    outage.services.set(services)
    outage.transitions.create(from_status="", to_status=outage.status, by=by, at=now,
                              reason="Declared")
    checks.refresh_outage_warnings([outage])
    _tell_desk(outage, event="declared")
    return outage


@transaction.atomic
def revise_outage(*, outage: ParticipantOutage, by, changes: dict, services=None):
    """Change a live declaration's fields (`changes`: field -> value) and optionally its
    services; a new start re-counts the notice from now."""
    outage = ParticipantOutage.objects.select_for_update().get(pk=outage.pk)
    if not policy.may_manage_participant_outage(by, outage):
        raise PermissionDenied("You may not change this outage.")
    if not outage.is_live:
        raise InvalidTransition(f"{outage.reference} is {outage.get_status_display().lower()}; "
                                "it can no longer be changed.")
    unknown = set(changes) - set(REVISABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    if "starts_at" in changes and outage.status == S.ONGOING and (
            changes["starts_at"] != outage.starts_at):
        raise ValidationError({"starts_at": "The outage has begun; its start cannot move."})
    moved_start = changes.get("starts_at", outage.starts_at) != outage.starts_at
    changed = [name for name, value in changes.items() if getattr(outage, name) != value]
    for name in changed:
        setattr(outage, name, changes[name])
    now = timezone.now()
    _check_window(kind=outage.kind, starts_at=outage.starts_at, ends_at=outage.ends_at, now=now,
                  moved_start=moved_start and outage.status == S.SCHEDULED)
    current = list(outage.services.all()) if services is None else list(services)
    _check_scope(current, outage.flows_affected)
    if moved_start:
        outage.notified_at = now
        changed.append("notified_at")
    if changed:
        outage.save(update_fields=[*changed, "updated_at"])
    if services is not None:
        outage.services.set(current)
    checks.refresh_outage_warnings([outage])
    if moved_start or "ends_at" in changed:
        _tell_desk(outage, event="revised")
    return outage


@transaction.atomic
def perform_outage_action(*, outage: ParticipantOutage, action: str, by, reason: str = ""):
    """Begin, end or cancel the outage (see ACTIONS); tell the desk. Return the outage."""
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action '{action}'."})
    outage = ParticipantOutage.objects.select_for_update().get(pk=outage.pk)
    if not policy.may_manage_participant_outage(by, outage):
        raise PermissionDenied("You may not change this outage.")
    reason = (reason or "").strip()
    if action == "begin":
        outage.begin(by=by, reason=reason)
    elif action == "end":
        outage.end(by=by, reason=reason)
    else:
        outage.cancel(by=by, reason=reason)
    _tell_desk(outage, event=action)
    return outage


def available_actions(user, outage):
    """Return [(action, label)] the user may take now, for buttons (the server still checks)."""
    if not policy.may_manage_participant_outage(user, outage):
        return []
    allowed = outage.allowed_targets()
    return [(name, ACTION_LABELS[name]) for name, to in ACTIONS.items() if to in allowed]


def _tell_desk(outage, *, event):
    """Email the Service Desk (the one that must know, s.12.6) through the outbox."""
    addresses = Organisation.objects.filter(
        kind=Organisation.Kind.SERVICE_DESK, is_active=True).values_list("contact_email",
                                                                          flat=True)
    queue_email(
        to=list(addresses),
        subject=f"[{outage.reference}] {outage.organisation.name}: {outage.get_kind_display()} "
                f"outage {event}: {outage.title}",
        template="changes/email/participant_outage",
        context={"outage": outage, "event": event, "warnings": list(outage.warnings.all())},
        topic="participant_outage", dedup_key=f"participant-outage-{outage.pk}-{event}-"
                                              f"{outage.updated_at:%Y%m%d%H%M%S%f}")
