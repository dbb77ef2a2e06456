"""One ordered history of an incident for the portal and the console."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from accounts import policy

from .models import Communication, IncidentComment, IncidentLink
from .selectors import tasks_seen_by


@dataclass
class Entry:
    at: datetime
    kind: str  # transition, severity, comment, work_note, assignment, task, link, communication
    who: str
    text: str


def _name(user):
    return user.display_name if user is not None else "System"


def timeline_for(incident, user, *, tasks=None, communications=None, transitions=None,
                 severity_changes=None):
    """Return the entries `user` may see, oldest first (work notes only for staff).

    `tasks`, `communications`, `transitions`, `severity_changes`: the rows the page already
    read (selectors.tasks_seen_by for this user, selectors.communications_of, the
    incident's selectors.HISTORY); read here when not given."""
    entries = []
    if transitions is None:
        transitions = incident.transitions.select_related("by")
    for t in transitions:
        detail = ""
        if t.pending_reason:
            detail = f" ({t.get_pending_reason_display().lower()})"
        if t.resolution_code:
            detail = f" ({t.get_resolution_code_display()})"
        text = f"{t.get_from_status_display()} → {t.get_to_status_display()}{detail}"
        entries.append(Entry(t.at, "transition", _name(t.by),
                             f"{text}. {t.reason}" if t.reason else text))
    if severity_changes is None:
        severity_changes = incident.severity_changes.select_related("by")
    for c in severity_changes:
        entries.append(Entry(c.at, "severity", _name(c.by),
                             f"Severity Sev{c.from_severity} → Sev{c.to_severity}: {c.reason}"))
    comments = IncidentComment.objects.filter(incident=incident).select_related("author")
    if not policy.may_read_work_notes(user):
        comments = comments.filter(is_public=True)
    for c in comments:
        entries.append(Entry(c.created_at, "comment" if c.is_public else "work_note",
                             _name(c.author), c.body))
    if tasks is None:  # a provider sees its own tasks only
        tasks = tasks_seen_by(incident, user)
    for task in tasks:
        entries.append(Entry(task.assigned_at, "assignment", _name(task.assigned_by),
                             f"Task for {task.resolver_group.name}. {task.reason}".strip()))
        for row in task.transitions.all():
            if not row.from_status:
                continue  # the opening row: the assignment entry above says it
            entries.append(Entry(row.at, "task", _name(row.by),
                                 f"{task.resolver_group.name} task: "
                                 f"{row.get_to_status_display().lower()}. {row.reason}".strip()))
    if policy.is_internal(user) and incident.may_have("links"):
        # Links both ways in one read: what this incident marked, and what marked it.
        for link in (IncidentLink.objects
                     .filter(Q(from_incident=incident) | Q(to_incident=incident))
                     .select_related("from_incident", "to_incident", "created_by")):
            if link.from_incident_id == incident.pk:
                text = f"{link.get_kind_display()} {link.to_incident.reference}"
            else:
                text = (f"{link.from_incident.reference} marked "
                        f"{link.get_kind_display().lower()} this incident")
            entries.append(Entry(link.created_at, "link", _name(link.created_by), text))
    if policy.is_internal(user) and incident.may_have("master_links"):
        for link in incident.child_links.select_related("master", "by"):
            entries.append(Entry(link.at, "link", _name(link.by),
                                 f"{link.get_action_display()} to master incident "
                                 f"{link.master.reference}. {link.reason}".strip()))
    if communications is None:
        communications = Communication.objects.filter(incident=incident).select_related("by")
    for update in communications:
        entries.append(Entry(update.at, "communication", _name(update.by),
                             f"{update.get_kind_display()}: {update.body}"))
    return sorted(entries, key=lambda e: e.at)
