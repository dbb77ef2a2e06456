"""What the incident workspace shows: the SLA countdowns, the provider tasks, the allowed
moves, the linked records and one timeline. Read-only: every figure comes from the
stored fields and rows the services keep."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import policy
from incidents.models import Incident, Status
from incidents.timeline import Entry, timeline_for
from kernel.clocks.units import fmt_duration
from knowledge.models import ProblemIncident, WorkaroundApplication
from knowledge.problems import matching_known_errors
from notifications.models import OutboundEmail

from .forms import CONFIRM_MOVES

NEW, IN_PROGRESS, PENDING = Status.NEW, Status.IN_PROGRESS, Status.PENDING
RESOLVED, CLOSED, CANCELLED = Status.RESOLVED, Status.CLOSED, Status.CANCELLED


@dataclass
class Countdown:
    """One clock in the header: what it is, when it is due and how it stands now."""

    name: str
    due_at: datetime | None
    state: str  # running, paused, met, breached, untimed (no target), stopped
    note: str = ""

    @property
    def text(self):
        if self.state == "running":
            seconds = (self.due_at - timezone.now()).total_seconds()
            whole_minutes = timedelta(minutes=int(abs(seconds) // 60))
            return f"{fmt_duration(whole_minutes)} left" if seconds >= 0 \
                else f"breached {fmt_duration(whole_minutes)} ago"
        return self.note

    @property
    def urgent(self):
        if self.state == "breached":
            return True
        return self.state == "running" and (self.due_at - timezone.now()).total_seconds() < 1800


def sla_countdowns(incident):
    """Return the response and resolution countdowns from the incident's stored SLA fields."""
    if incident.responded_at:
        response = Countdown("Response", incident.response_due_at,
                             "breached" if incident.response_breached else "met",
                             "responded late" if incident.response_breached else "met")
    elif not incident.is_open:
        response = Countdown("Response", incident.response_due_at, "stopped", "not measured")
    else:
        response = Countdown("Response", incident.response_due_at,
                             "breached" if incident.response_breached else "running",
                             "breached")
    if incident.status in (RESOLVED, CLOSED):
        state = "breached" if incident.resolution_breached else "met"
        resolution = Countdown("Resolution", incident.resolution_due_at, state,
                               "resolved late" if incident.resolution_breached else "met")
    elif incident.status == CANCELLED:
        resolution = Countdown("Resolution", None, "stopped", "not measured (cancelled)")
    elif incident.sla_paused:
        resolution = Countdown("Resolution", incident.resolution_due_at, "paused",
                               "paused (awaiting participant)")
    else:
        resolution = Countdown("Resolution", incident.resolution_due_at,
                               "running" if incident.resolution_due_at else "stopped",
                               "no target")
    return [response, resolution]


@dataclass
class Task:
    """One provider task on the incident (several may be open at once) and its OLA clock."""

    provider: str
    started_at: datetime
    countdown: Countdown
    ended_because: str = ""
    holds_up: bool = False  # the open task restoration waits for (selectors rule)


def provider_tasks(incident, holding_up, *, legs):
    """Return the incident's provider tasks, open ones first, each with its OLA countdown;
    `holding_up` is the open task restoration waits for (marked); `legs`: the task rows
    already read for the page (selectors.tasks_seen_by)."""
    tasks = []
    for leg in legs:
        if leg.ended_at is None:
            clock = leg.ola_clock()
            state = "breached" if clock.breached else ("running" if leg.ola_due_at else "untimed")
            countdown = Countdown(f"OLA {leg.resolver_group.name}", leg.ola_due_at, state,
                                  "OLA missed" if clock.breached else "no OLA target")
        else:
            countdown = Countdown(f"OLA {leg.resolver_group.name}", leg.ola_due_at, "stopped",
                                  f"ended {timezone.localtime(leg.ended_at):%d %b %H:%M}")
        tasks.append(Task(leg.resolver_group.name, leg.assigned_at, countdown,
                          leg.get_ended_because_display() if leg.ended_at else "",
                          holds_up=holding_up is not None and leg.pk == holding_up.pk))
    return sorted(tasks, key=lambda task: (task.countdown.state == "stopped",
                                           task.started_at))


@dataclass
class Move:
    """A button for one move the lifecycle allows now."""

    to: str
    label: str
    shortcut: str = ""
    pending: bool = False  # asks what the incident waits for
    resolution: bool = False  # asks for a resolution code and notes
    reason_required: bool = False
    confirm: str = ""  # the verb the confirmation tick names (final moves)


def _move(incident, to):
    if to == IN_PROGRESS:
        label, key = {NEW: ("Respond (start work)", "g"), PENDING: ("Resume", "g"),
                      RESOLVED: ("Reopen", "")}[incident.status]
        return Move(to, label, key, reason_required=incident.status == RESOLVED)
    if to == PENDING:
        return Move(to, "Put on hold", "h", pending=True)
    if to == RESOLVED:
        return Move(to, "Resolve", "r", resolution=True, confirm=CONFIRM_MOVES[to])
    if to == CLOSED:
        return Move(to, "Close", "", confirm=CONFIRM_MOVES[to])
    return Move(to, "Cancel incident", "", reason_required=True, confirm=CONFIRM_MOVES[to])


ORDER = [IN_PROGRESS, PENDING, RESOLVED, CLOSED, CANCELLED]


def allowed_moves(incident):
    """Return the moves the incident's lifecycle (Incident.MOVES) allows from its status."""
    targets = incident.allowed_targets()
    return [_move(incident, to) for to in ORDER if to in targets]


def linked_problems(incident):
    if not incident.may_have("problem_links"):
        return []
    return list(ProblemIncident.objects.filter(incident=incident)
                .select_related("problem__owning_provider", "problem__known_error_article"))


def workarounds_applied(incident):
    if not incident.may_have("workarounds_applied"):
        return []
    return list(WorkaroundApplication.objects.filter(incident=incident).select_related(
        "article", "applied_by"))


def known_errors_for(incident, user, *, applied):
    """Return live known errors matching the incident whose workaround is not yet applied."""
    if not incident.is_open:
        return []
    done = {application.article_id for application in applied}
    return [article for article in matching_known_errors(incident=incident, user=user)
            if article.pk not in done]


def messages_sent(incident):
    """Return the outbox rows about the incident (their subjects carry its reference)."""
    return OutboundEmail.objects.filter(subject__startswith=f"[{incident.reference}]") \
        .only("subject", "to", "status", "created_at", "sensitive").order_by("created_at")[:200]


def _people(emails):
    return ", ".join(emails[:3]) + (f" and {len(emails) - 3} more" if len(emails) > 3 else "")


def full_timeline(incident, user, *, problem_links, applied, outbox, tasks=None,
                  communications=None):
    """Return one history, newest first: the incident's own entries (comments, work notes,
    moves, severity, assignments, links, major updates), the problems it was linked to, the
    workarounds applied and the messages sent."""
    entries = list(timeline_for(incident, user, tasks=tasks, communications=communications))
    for link in problem_links:
        entries.append(Entry(link.linked_at, "linked", link.linked_by.display_name,
                             f"Linked to problem {link.problem.reference}: {link.problem.title}"))
    for application in applied:
        entries.append(Entry(application.applied_at, "linked",
                             application.applied_by.display_name,
                             f"Workaround {application.article.reference} applied"))
    for email in outbox:
        entries.append(Entry(email.created_at, "message", "System",
                             f"Email to {_people(email.to)}: {email.subject} "
                             f"({email.get_status_display().lower()})"))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def parties(incident):
    """Return (label, value) pairs: who raised it, who holds it, what it affects."""
    rows = [("Raised by", f"{incident.raised_by.display_name}, {incident.organisation.name}"),
            ("Resolver group", incident.assigned_group.name if incident.assigned_group
             else "Unassigned"),
            ("Assignee", incident.assignee.display_name if incident.assignee else "Nobody"),
            ("Services", ", ".join(service.name for service in incident.services.all())
             or "None named")]
    major = getattr(incident, "major", None) if incident.is_major else None
    if major is not None:
        rows.append(("Major incident manager", major.manager.display_name))
    return rows


def may_apply(user):
    return policy.may_author_knowledge(user)


def incident_for(user, reference):
    """Return the incident with `reference` that `user` may see, or None; with whether it
    has any links, children, problems or applied workarounds (Incident.may_have), so the
    page reads only those it has."""
    incident = OuterRef("pk")
    return Incident.objects.visible_to(user).for_detail_page().annotate(
        has_problem_links=Exists(ProblemIncident.objects.filter(incident=incident)),
        has_workarounds_applied=Exists(WorkaroundApplication.objects.filter(incident=incident)),
    ).filter(reference=reference).first()
