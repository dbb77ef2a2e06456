"""Workspace pages for service requests, change notifications and problems: the incident
workspace's pattern (header with clocks and parties, the tasks handed out, one timeline,
a button for each move the lifecycle and the policy allow now, each with a small form and
a confirmation for the final ones). Each kind is a `Desk` saying where its records, moves
and rows are; one view pair serves all three, calling the kind's own service."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import policy
from changes import services as change_services
from changes.models import ChangeNotification
from kernel.transitions import InvalidTransition
from knowledge import problems
from knowledge.errors import KnowledgeError
from knowledge.models import Problem
from servicerequests import services as request_services
from servicerequests.errors import RequestError
from servicerequests.models import ServiceRequest
from servicerequests.timeline import timeline_for as request_timeline

from .panels import Countdown


@dataclass
class Move:
    action: str
    label: str
    reason: str = ""  # the reason box's label; "" for none
    reason_required: bool = False
    confirm: str = ""  # the verb of the confirmation tick (final moves)


@dataclass
class Row:
    at: datetime
    kind: str
    who: str
    text: str


@dataclass
class Sheet:
    """What a record's workspace page shows."""

    reference: str
    title: str
    status: str
    badges: list = field(default_factory=list)
    clocks: list = field(default_factory=list)
    parties: list = field(default_factory=list)
    tasks: list = field(default_factory=list)  # (who, what, state)
    links: list = field(default_factory=list)  # (text, url)
    timeline: list = field(default_factory=list)
    moves: list = field(default_factory=list)


def _who(user):
    return user.display_name if user is not None else "System"


def _transitions(record):
    return [Row(t.at, "transition", _who(t.by), f"{t.get_from_status_display()} → "
                f"{t.get_to_status_display()}" + (f". {t.reason}" if t.reason else ""))
            for t in record.transitions.select_related("by")]


def _due(name, due_at, *, done_at=None, breached=False, paused=False):
    if done_at is not None:
        return Countdown(name, due_at, "breached" if breached else "met",
                         "late" if breached else "met")
    if paused:
        return Countdown(name, due_at, "paused", "paused")
    if due_at is None:
        return Countdown(name, None, "stopped", "no target")
    return Countdown(name, due_at, "breached" if breached else "running", "breached")


# --- service requests ------------------------------------------------------------
SR = ServiceRequest.Status
REQUEST_MOVES = {
    SR.IN_FULFILMENT: Move("in_fulfilment", "Start fulfilment"),
    SR.APPROVED: Move("approved", "Approve", "Comment"),
    SR.REJECTED: Move("rejected", "Reject", "Why (the requester sees it)", True, "reject"),
    SR.FULFILLED: Move("fulfilled", "Mark fulfilled", "What was done (the requester sees it)",
                       True, "fulfil"),
    SR.CLOSED: Move("closed", "Close", "Note", confirm="close"),
    SR.CANCELLED: Move("cancelled", "Cancel request", "Why", True, "cancel"),
}


class RequestDesk:
    kind = "request"
    label = "Service requests"
    list_url = "admin:servicerequests_servicerequest_changelist"

    def find(self, user, pk):
        return ServiceRequest.objects.visible_to(user).select_related(
            "item", "organisation", "requester").filter(pk=pk).first()

    def may_act(self, user, record):
        return policy.may_work_service_requests(user)

    def moves(self, user, record):
        moves = []
        for to in [SR.IN_FULFILMENT, SR.APPROVED, SR.REJECTED, SR.FULFILLED, SR.CLOSED,
                   SR.CANCELLED]:
            if to not in record.allowed_targets():
                continue
            if to in (SR.APPROVED, SR.REJECTED) and not policy.may_approve_service_request(
                    user, record):
                continue
            moves.append(REQUEST_MOVES[to])
        return moves

    def sheet(self, user, record):
        tasks = [(task.assigned_group.name, task.title, task.get_status_display())
                 for task in record.tasks.select_related("assigned_group")]
        return Sheet(
            record.reference, record.item.name, record.get_status_display(),
            clocks=[_due("Response", record.response_due_at, done_at=record.responded_at,
                         breached=record.response_breached),
                    _due("Fulfilment", record.fulfilment_due_at, done_at=record.fulfilled_at,
                         breached=record.fulfilment_breached, paused=record.sla_paused)],
            parties=[("For", f"{record.requester.display_name}, {record.organisation.name}"),
                     ("Channel", record.get_channel_display())],
            tasks=tasks,
            links=[("Answers and tasks (work page)", record.get_absolute_url())],
            timeline=sorted([Row(e.at, e.kind, e.who, e.text) for e in request_timeline(record)],
                            key=lambda row: row.at, reverse=True),
            moves=self.moves(user, record) if self.may_act(user, record) else [])

    def perform(self, user, record, move, reason):
        done = request_services.transition(service_request=record, by=user, to=move.action,
                                           reason=reason)
        return f"{done.reference} is now {done.get_status_display().lower()}."


# --- change notifications --------------------------------------------------------
CHANGE_LABELS = {"submit": "Submit", "withdraw": "Withdraw", "start": "Start",
                 "complete": "Complete", "fail": "Record as failed", "back_out": "Backed out",
                 "assess": "Start assessment", "approve": "Approve", "reject": "Reject",
                 "review": "Record review", "close": "Close",
                 "approve_retrospectively": "Approve retrospectively"}
CHANGE_CONFIRM = {"withdraw": "withdraw", "fail": "record as failed", "back_out": "back out",
                  "reject": "reject", "close": "close"}


class ChangeDesk:
    kind = "change"
    label = "Change notifications"
    list_url = "admin:changes_changenotification_changelist"

    def find(self, user, pk):
        return ChangeNotification.objects.visible_to(user).select_related("provider").filter(
            pk=pk).first()

    def may_act(self, user, record):
        return policy.may_change_in_console(user)

    def moves(self, user, record):
        return [Move(action, CHANGE_LABELS.get(action, action.replace("_", " ").capitalize()),
                     "Reason", action in change_services.REASON_REQUIRED,
                     CHANGE_CONFIRM.get(action, ""))
                for action in change_services.available_actions(user, record)]

    def sheet(self, user, record):
        return Sheet(
            record.reference or "(draft)", record.title, record.get_status_display(),
            badges=[record.get_change_type_display()],
            clocks=[Countdown("Starts", record.planned_start,
                              "running" if record.status in ("approved", "submitted",
                                                             "under_assessment") else "stopped",
                              f"{record.planned_start:%d %b %H:%M}"),
                    Countdown("Ends", record.planned_end, "stopped",
                              f"{record.planned_end:%d %b %H:%M}")],
            parties=[("Provider", record.provider.name),
                     ("Services", ", ".join(f"{i.service.name} ({i.get_impact_display()})"
                                            for i in record.impacts.select_related("service"))
                      or "None named")],
            links=[("Description, risk and back-out plan",
                    reverse("changes:notification", args=[record.reference]))]
            if record.reference else [],
            timeline=sorted(_transitions(record), key=lambda row: row.at, reverse=True),
            moves=self.moves(user, record) if self.may_act(user, record) else [])

    def perform(self, user, record, move, reason):
        try:
            done = change_services.perform_action(change_notification=record, action=move.action,
                                                  by=user, reason=reason)
        except ValidationError as exc:
            raise InvalidTransition(" ".join(exc.messages)) from exc
        return f"{done.reference} is now {done.get_status_display().lower()}."


# --- problems ------------------------------------------------------------------
class ProblemDesk:
    kind = "problem"
    label = "Problems"
    list_url = "admin:knowledge_problem_changelist"

    def find(self, user, pk):
        return Problem.objects.visible_to(user).select_related("owning_provider").filter(
            pk=pk).first()

    def may_act(self, user, record):
        return policy.may_author_knowledge(user)

    def moves(self, user, record):
        return [Move(action, Problem.ACTION_LABELS[action], "Reason",
                     confirm="close" if action == "close" else "")
                for action in record.allowed_actions()]

    def sheet(self, user, record):
        incident_url = reverse("admin:workspace_incident", args=["REFERENCE"])
        links = [(f"{link.incident.reference} {link.incident.title}",
                  incident_url.replace("REFERENCE", link.incident.reference))
                 for link in record.incident_links.select_related("incident")]
        return Sheet(
            record.reference, record.title, record.get_status_display(),
            parties=[("Owning provider", record.owning_provider.name),
                     ("Workaround", record.workaround or "None recorded yet"),
                     ("Root cause", record.root_cause or "Not known yet")],
            tasks=[(task.provider.name, task.get_role_display(), task.get_status_display())
                   for task in record.provider_tasks.select_related("provider")],
            links=[*links, ("Record the workaround (known error)",
                            reverse("admin:knowledge_problem_known_error", args=[record.pk]))],
            timeline=sorted(_transitions(record), key=lambda row: row.at, reverse=True),
            moves=self.moves(user, record) if self.may_act(user, record) else [])

    def perform(self, user, record, move, reason):
        row = problems.transition_problem(problem=record, action=move.action, by=user,
                                          reason=reason)
        return f"{record.reference} is now {row.get_to_status_display().lower()}."


DESKS = {desk.kind: desk for desk in (RequestDesk(), ChangeDesk(), ProblemDesk())}


def _record_or_404(request, kind, pk):
    desk = DESKS.get(kind)
    record = desk.find(request.user, pk) if desk else None
    if record is None:
        raise Http404("No such record.")
    return desk, record


def record_workspace(request, kind, pk, *, site):
    desk, record = _record_or_404(request, kind, pk)
    sheet = desk.sheet(request.user, record)
    return TemplateResponse(request, "admin/workspace/record.html", {
        **site.each_context(request), "title": f"{sheet.reference} {sheet.title}",
        "sheet": sheet, "desk": desk, "record": record,
        "act_url": reverse("admin:workspace_record_act", args=[kind, record.pk])})


@require_POST
def record_act(request, kind, pk, *, site):
    """Take one move on the record through its app's service; say what changed or why not."""
    desk, record = _record_or_404(request, kind, pk)
    back = redirect(reverse("admin:workspace_record", args=[kind, record.pk]))
    if not desk.may_act(request.user, record):
        raise PermissionDenied
    move = next((m for m in desk.moves(request.user, record)
                 if m.action == request.POST.get("action")), None)
    reason = request.POST.get("reason", "").strip()[:5000]
    if move is None:
        messages.error(request, "That move is not open to you now.")
    elif move.reason_required and not reason:
        messages.error(request, f"{move.label}: say why.")
    elif move.confirm and not request.POST.get("confirm"):
        messages.error(request, f"Tick the box to confirm: {move.confirm}.")
    else:
        try:
            messages.success(request, desk.perform(request.user, record, move, reason))
        except (InvalidTransition, PermissionDenied, RequestError, KnowledgeError) as exc:
            messages.error(request, str(exc) or "You may not do this.")
    return back
