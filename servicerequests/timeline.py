"""A request's history as one list: status moves, task moves and comments, oldest first."""

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Entry:
    at: datetime
    who: str
    text: str
    kind: str  # "status", "task" or "comment"


def _who(user):
    return user.display_name if user else "System"


def timeline_for(service_request):
    """Return the entries of a request's history; everyone who may see it sees all of it."""
    entries = []
    for row in service_request.transitions.select_related("by"):
        label = row.get_to_status_display()
        text = label if not row.reason else f"{label}: {row.reason}"
        entries.append(Entry(row.at, _who(row.by), text, "status"))
    for task in service_request.tasks.select_related("assigned_group"):
        for row in task.transitions.select_related("by"):
            label = row.get_to_status_display().lower()
            text = f"Task \u201c{task.title}\u201d ({task.assigned_group.name}) {label}"
            entries.append(Entry(row.at, _who(row.by), f"{text}: {row.reason}" if row.reason
                                 else text, "task"))
    for comment in service_request.comments.select_related("author"):
        entries.append(Entry(comment.created_at, _who(comment.author), comment.body, "comment"))
    return sorted(entries, key=lambda e: e.at)
