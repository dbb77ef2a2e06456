"""One ordered history of an incident for the portal and the console."""

from dataclasses import dataclass
from datetime import datetime

from accounts import policy

from .models import IncidentComment


@dataclass
class Entry:
    at: datetime
    kind: str  # transition, severity, comment, work_note, assignment, major_update
    who: str
    text: str


def _name(user):
    return user.display_name if user is not None else "System"


def timeline_for(incident, user):
    """Return the entries `user` may see, oldest first (work notes only for staff)."""
    entries = []
    for t in incident.transitions.select_related("by"):
        detail = ""
        if t.pending_reason:
            detail = f" ({t.get_pending_reason_display().lower()})"
        if t.resolution_code:
            detail = f" ({t.get_resolution_code_display()})"
        text = f"{t.get_from_status_display()} → {t.get_to_status_display()}{detail}"
        entries.append(Entry(t.at, "transition", _name(t.by),
                             f"{text}. {t.reason}" if t.reason else text))
    for c in incident.severity_changes.select_related("by"):
        entries.append(Entry(c.at, "severity", _name(c.by),
                             f"Severity Sev{c.from_severity} → Sev{c.to_severity}: {c.reason}"))
    comments = IncidentComment.objects.filter(incident=incident).select_related("author")
    if not policy.may_read_work_notes(user):
        comments = comments.filter(is_public=True)
    for c in comments:
        entries.append(Entry(c.created_at, "comment" if c.is_public else "work_note",
                             _name(c.author), c.body))
    if policy.is_internal(user) or policy.is_provider(user):
        for leg in incident.legs.select_related("resolver_group", "assigned_by"):
            entries.append(Entry(leg.assigned_at, "assignment", _name(leg.assigned_by),
                                 f"Assigned to {leg.resolver_group.name}. {leg.reason}".strip()))
    if policy.is_internal(user):
        for link in incident.links_out.select_related("to_incident", "created_by"):
            entries.append(Entry(link.created_at, "link", _name(link.created_by),
                                 f"{link.get_kind_display()} {link.to_incident.reference}"))
    major = getattr(incident, "major", None) if incident.is_major else None
    if major:
        for update in major.updates.select_related("by"):
            entries.append(Entry(update.at, "major_update", _name(update.by), update.body))
    return sorted(entries, key=lambda e: e.at)
