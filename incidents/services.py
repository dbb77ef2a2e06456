"""Incident work that views, the API, email and other apps share (keyword-only, atomic).

Each function checks the policy, locks the incident where two people can race,
calls the model method that enforces the rule, recomputes the SLA figures from
the rows (`after_change`) and queues the notices.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts import audit, policy

from . import communications, notify, ola, reconciliation, sla_service
from .errors import IncidentError, InvalidTransition, NotAllowed
from .models import (
    Channel,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentLink,
    Kind,
    PendingReason,
    ProviderTask,
    ReferenceCounter,
    ResolutionCode,
    SlaPolicy,
    Status,
    TaskStatus,
)

_KEEP = object()  # "leave this field as it is"


def _locked(incident):
    return Incident.objects.select_for_update().select_related("sla_policy").get(pk=incident.pk)


def after_change(incident, *, at=None):
    """Recompute the SLA figures from the incident's rows and announce the change after commit.

    Every function here that moves an incident or changes its severity calls this last.
    """
    ola.follow_status(incident)  # SLA rule: tasks stop at resolve/cancel/close, reopen opens one
    sla_service.refresh_sla(incident, now=at)
    incident.announce()


@transaction.atomic
def raise_incident(*, organisation, raised_by, title, description, services, severity, channel,
                   proposed_severity=None, at=None, kind=Kind.SERVICE) -> Incident:
    """Record a new incident under the SLA policy in force, start its clocks, tell the raiser.

    A security incident (`kind`) is raised only for a raiser who may then see it."""
    if severity not in (1, 2, 3, 4):
        raise InvalidTransition("Severity must be 1, 2, 3 or 4.")
    if channel not in Channel.values:
        raise InvalidTransition(f"Unknown channel '{channel}'.")
    if kind == Kind.SECURITY and not policy.may_raise_security_incident(raised_by):
        raise NotAllowed("Only the desk and an organisation's security contacts raise "
                         "security incidents.")
    at = at or timezone.now()
    sla_policy = sla_service.policy_in_force(at)
    if sla_policy is None:
        raise IncidentError("No SLA policy is in force; Switching Operations must add one.")
    number = ReferenceCounter.next("incident")
    incident = Incident(
        reference=f"INC-{number:06d}", organisation=organisation, raised_by=raised_by,
        title=title.strip(), description=description.strip(), severity=severity,
        proposed_severity=proposed_severity, channel=channel, sla_policy=sla_policy,
        created_at=at, kind=kind)
    for name, value in sla_service.initial_fields(incident).items():
        setattr(incident, name, value)
    incident.save(force_insert=True)
    services = list({service.pk: service for service in services}.values())
    # A new incident has no services yet: one insert, not set()'s read-then-write.
    Incident.services.through.objects.bulk_create(
        [Incident.services.through(incident_id=incident.pk, service_id=service.pk)
         for service in services])
    incident.know_new_relations(services)
    if incident.sla_next_check_at and incident.sla_next_check_at <= timezone.now():
        sla_service.refresh_sla(incident)  # raised with a past time: catch up at once
    incident.announce(created=True, service_ids=[service.pk for service in services])
    notify.raised(incident)
    communications.on_raised(incident)  # Sev1/Sev2: the market is told after commit
    return incident


@transaction.atomic
def add_comment(*, incident, author, body, public=True, via=Channel.PORTAL):
    """Add a public comment or (staff only) a work note.

    A participant's reply to an incident pending on the participant resumes it.
    """
    incident = _locked(incident)
    if not policy.may_comment_on_incident(author, incident):
        raise NotAllowed("You may not comment on this incident.")
    if not public and not policy.may_read_work_notes(author):
        raise NotAllowed("Only the desk may add work notes.")
    if not (body or "").strip():
        raise InvalidTransition("A comment cannot be empty.")
    if incident.status in (Status.CLOSED, Status.CANCELLED):
        raise InvalidTransition(f"{incident.reference} is {incident.get_status_display().lower()}"
                                "; raise a new incident instead.")
    comment = IncidentComment.objects.create(incident=incident, author=author, body=body.strip(),
                                             is_public=public, via=via)
    if public:
        if (incident.status == Status.PENDING
                and incident.pending_reason == PendingReason.AWAITING_PARTICIPANT
                and policy.same_organisation(author, incident.organisation_id)):
            incident.resume(by=author, reason="The participant replied.")
            after_change(incident)
        notify.updated(incident, by=author, what="a new comment was added.")
    return comment


@transaction.atomic
def transition_incident(*, incident, by, to, reason="", pending_reason="", resolution_code="",
                        resolution_notes="", duplicate_of=None, at=None):
    """Move the incident to status `to` if `by` may and the lifecycle allows it.

    `at` records a move made earlier (a call logged after the fact); default now.
    """
    incident = _locked(incident)
    if not policy.may_transition_incident(by, incident, to):
        raise NotAllowed("You may not make this change to the incident.")
    incident.transition(to, by=by, reason=reason, pending_reason=pending_reason,
                        resolution_code=resolution_code, resolution_notes=resolution_notes,
                        duplicate_of=duplicate_of, at=at)
    after_change(incident, at=at)
    if duplicate_of is not None:
        IncidentLink.objects.get_or_create(
            from_incident=incident, to_incident=duplicate_of,
            defaults={"kind": IncidentLink.Kind.DUPLICATE, "created_by": by})
    if incident.status == Status.RESOLVED:
        # Communicated about, or a master: the restore communication tells everyone (the
        # raiser included, once) and resolves the children; otherwise the usual notice.
        if communications.on_restored(incident, by=by) is None:
            notify.resolved(incident)
        if incident.is_major:
            # Every affected party now has a backlog to reconcile (s.8: after restoration).
            reconciliation.open_reconciliation(major=incident.major, at=at)
    else:
        notify.updated(incident, by=by, what=f"status is now {incident.get_status_display()}.")
    return incident


class EventClearOutcome:
    RESOLVED = "resolved"  # nobody had worked it: resolved by the system with the note
    TOLD = "told"  # a person had: they were told the event cleared, the incident left open
    NOT_OPEN = "not_open"  # already resolved, closed or cancelled: nothing done


@transaction.atomic
def event_cleared(*, incident, note, at=None):
    """Act on the clearing of the monitoring event(s) that raised `incident`; return an
    EventClearOutcome.

    Where no person has worked the incident (incidents.models.Incident.people_who_worked_it)
    it is resolved by the system with `note`, and the raiser is told as for any resolution.
    Otherwise it stays with the people working it: its assignee, or else those who worked
    it, are told the event cleared, so they can confirm the fix and resolve it themselves.
    Called by the servicestatus app, which sits above this one.
    """
    incident = _locked(incident)
    if incident.status not in (Status.NEW, Status.IN_PROGRESS, Status.PENDING):
        return EventClearOutcome.NOT_OPEN
    people = list(incident.people_who_worked_it())
    if not people:
        with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
            incident.resolve(by=None, resolution_code=ResolutionCode.FIXED, notes=note, at=at)
            after_change(incident, at=at)
        notify.resolved(incident)
        return EventClearOutcome.RESOLVED
    notify.event_cleared(incident, note=note,
                         people=[incident.assignee] if incident.assignee_id else people)
    return EventClearOutcome.TOLD


@transaction.atomic
def change_severity(*, incident, by, to, reason):
    """Set a new severity with a reason (desk only); the SLA restarts on the new target."""
    if not policy.may_work_incident(by):
        raise NotAllowed("Only the desk may set the severity.")
    incident = _locked(incident)
    incident.change_severity(to=to, by=by, reason=reason)
    after_change(incident)
    notify.updated(incident, by=by, what=f"severity is now Sev{to} ({reason}).")
    communications.on_raised(incident)
    return incident


@transaction.atomic
def assign_incident(*, incident, resolver_group, by, reason=""):
    """Hand the incident to a resolver group: the sequential case of provider tasks. Every
    open task is handed over, the group's task starts with its OLA clock, the group is
    emailed with the reference. (Tasks that run beside others: incidents.provider_tasks.)"""
    if not policy.may_work_incident(by):
        raise NotAllowed("Only the desk may assign incidents.")
    if resolver_group.kind == resolver_group.Kind.MARKET_PARTICIPANT:
        raise InvalidTransition("Incidents are assigned to the desk, Switching Operations or a "
                                "CDS provider, not to a Market Participant.")
    incident = _locked(incident)
    if not incident.is_open:
        raise InvalidTransition(f"{incident.reference} is {incident.get_status_display().lower()}"
                                "; it cannot be assigned.")
    if incident.assigned_group_id == resolver_group.pk:
        raise InvalidTransition(f"{incident.reference} is already with {resolver_group}.")
    now = timezone.now()
    ola.end_open_tasks(incident=incident, at=now, because=ProviderTask.EndReason.REASSIGNED,
                       by=by, to=TaskStatus.HANDED_OVER,
                       outcome=f"The desk handed the incident to {resolver_group}.")
    task = ola.open_task(incident=incident, resolver_group=resolver_group, by=by,
                         reason=reason, at=now)
    incident.assigned_group = resolver_group
    incident.save(update_fields=["assigned_group", "updated_at"])
    notify.assigned(task)
    incident.announce()
    return task


@transaction.atomic
def add_attachment(*, incident, by, upload, public=True):
    """Store an uploaded file after checking its size and type."""
    incident = _locked(incident)
    if not policy.may_comment_on_incident(by, incident):
        raise NotAllowed("You may not add files to this incident.")
    if not public and not policy.may_read_work_notes(by):
        raise NotAllowed("Only the desk may add internal files.")
    attachment = IncidentAttachment(incident=incident, is_public=public, uploaded_by=by)
    attachment.take(upload)
    attachment.save()
    return attachment


@transaction.atomic
def link_incidents(*, from_incident, to_incident, kind, by):
    """Record that two incidents are related, or that one duplicates the other."""
    if not policy.may_work_incident(by):
        raise NotAllowed("Only the desk may link incidents.")
    if from_incident.pk == to_incident.pk:
        raise InvalidTransition("An incident cannot be linked to itself.")
    if kind not in IncidentLink.Kind.values:
        raise InvalidTransition("Choose 'related' or 'duplicate'.")
    link, _ = IncidentLink.objects.get_or_create(
        from_incident=from_incident, to_incident=to_incident,
        defaults={"kind": kind, "created_by": by})
    return link


@transaction.atomic
def update_details(*, incident, by, title=None, description=None, services=None, assignee=_KEEP):
    """Edit the descriptive fields and the assignee (callers check who may); the audit trail
    records the diff. Pass assignee=None to clear it."""
    incident = _locked(incident)
    fields = []
    if assignee is not _KEEP:
        incident.assignee = assignee
        fields.append("assignee")
    if title is not None:
        if not title.strip():
            raise InvalidTransition("Enter a title.")
        incident.title = title.strip()
        fields.append("title")
    if description is not None:
        incident.description = description.strip()
        fields.append("description")
    if fields:
        incident.save(update_fields=[*fields, "updated_at"])
    if services is not None:
        incident.services.set(services)
    return incident


def auto_close(*, now=None):
    """Close incidents resolved longer ago than their policy's auto-close days."""
    now = now or timezone.now()
    closed = 0
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
        for sla_policy in SlaPolicy.objects.all():
            cutoff = now - timedelta(days=sla_policy.auto_close_days)
            ids = Incident.objects.filter(sla_policy=sla_policy, status=Status.RESOLVED,
                                          resolved_at__lte=cutoff).values_list("pk", flat=True)
            for pk in list(ids):
                with transaction.atomic():
                    incident = Incident.objects.select_for_update().get(pk=pk)
                    if incident.status != Status.RESOLVED:
                        continue
                    incident.close(by=None, at=now, reason=f"Closed automatically "
                                   f"{sla_policy.auto_close_days} days after resolution")
                    after_change(incident, at=now)
                    closed += 1
    return closed
