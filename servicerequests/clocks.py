"""SLA clocks of requests and fulfilment tasks: their own events, fed to the one clock
engine (kernel.clocks.engine), as incidents feed theirs. No clock arithmetic lives here,
only which request event does what to which clock:

- Response clock: starts at submission; stops at the first response (approved,
  rejected or taken into fulfilment; fulfilled counts too). Waiting for approval
  does not stop it: deciding is the first response. Cancelled before a response:
  stopped and not measured.
- Fulfilment clock: starts at submission; paused while awaiting approval when
  the pinned version says so, resumed when approved or taken into fulfilment;
  stops when fulfilled (closing changes nothing more). Rejected or cancelled:
  stopped and not measured.
- Task clock: starts when the task is handed over; stops when done; cancelled:
  stopped and not measured.
"""

from dataclasses import dataclass

from django.utils import timezone

from kernel.clocks import engine
from kernel.clocks.explain import fmt_time, interval_lines, outcome_line
from kernel.clocks.serializers import clock_dict
from kernel.clocks.units import fmt_duration

from . import notify
from .models import FulfilmentTask, ServiceRequest
from .models.request import RESPONSES, Status, TaskStatus

APPROVED, AWAITING_APPROVAL, CANCELLED = Status.APPROVED, Status.AWAITING_APPROVAL, Status.CANCELLED
CLOSED, FULFILLED, IN_FULFILMENT = Status.CLOSED, Status.FULFILLED, Status.IN_FULFILMENT
REJECTED = Status.REJECTED
TASK_CANCELLED, TASK_DONE = TaskStatus.CANCELLED, TaskStatus.DONE


@dataclass
class RequestFigures:
    response: engine.Clock
    fulfilment: engine.Clock
    explanation: list

    def as_dict(self):
        return {"response": clock_dict(self.response), "fulfilment": clock_dict(self.fulfilment),
                "explanation": self.explanation}


def request_events(*, created_at, rows, response_target, fulfilment_target, calendar,
                   pause_for_approval):
    """Return (response events, fulfilment events) from the request's transition rows."""
    response = [engine.start(created_at, response_target, calendar=calendar)]
    fulfilment = [engine.start(created_at, fulfilment_target, calendar=calendar)]
    for row in rows:
        to = row.to_status
        if to in RESPONSES or to == FULFILLED:
            response.append(engine.stop(row.at, "responded"))
        elif to == CANCELLED:
            response.append(engine.stop(row.at, "cancelled", counts=False))
        if to == AWAITING_APPROVAL and pause_for_approval:
            fulfilment.append(engine.pause(row.at, "awaiting approval"))
        elif to in (APPROVED, IN_FULFILMENT):
            fulfilment.append(engine.resume(row.at, "approved" if to == APPROVED else "started"))
        elif to in (FULFILLED, CLOSED):
            fulfilment.append(engine.stop(row.at, to))
        elif to in (REJECTED, CANCELLED):
            fulfilment.append(engine.stop(row.at, to, counts=False))
    return response, fulfilment


def request_figures(request, *, now=None):
    """Return RequestFigures for `request` rebuilt from its transition rows at `now`."""
    now = now or timezone.now()
    version = request.sla_version
    maths = version.calendar.maths
    response_events, fulfilment_events = request_events(
        created_at=request.created_at, rows=request.transitions.all(),
        response_target=version.response_duration(),
        fulfilment_target=version.fulfilment_duration(), calendar=maths,
        pause_for_approval=version.pause_while_awaiting_approval)
    fraction = version.warning_percent / 100
    response = engine.run(response_events, now=now, warning_fraction=fraction, name="response")
    fulfilment = engine.run(fulfilment_events, now=now, warning_fraction=fraction,
                            name="fulfilment")
    return RequestFigures(response=response, fulfilment=fulfilment,
                          explanation=_explain(request, version, response, fulfilment))


def _explain(request, version, response, fulfilment):
    lines = [f"Policy {version.policy.name}: respond {version.response_text}, fulfil "
             f"{version.fulfilment_text} ({version.calendar.name}).",
             f"Submitted {fmt_time(request.created_at)}."]
    if response.stopped_at and response.counts:
        lines.append(f"Responded {fmt_time(response.stopped_at)}: "
                     f"{fmt_duration(response.used)} used "
                     f"({'met' if response.met else 'missed'}; due {fmt_time(response.due_at)}).")
    elif response.stopped_at is None:
        lines.append(f"Not yet responded: due {fmt_time(response.due_at)}.")
    lines.extend(interval_lines(fulfilment, "fulfilment"))
    lines.append(outcome_line(fulfilment, "fulfilment"))
    return lines


def refresh_request(request, *, now=None):
    """Store the request's live figures (due times, breaches, paused) from a replay."""
    figures = request_figures(request, now=now)
    before = {"response": request.response_breached, "fulfilment": request.fulfilment_breached}
    request.response_due_at = figures.response.due_at
    request.fulfilment_due_at = figures.fulfilment.due_at
    request.response_breached = figures.response.breached
    request.fulfilment_breached = figures.fulfilment.breached
    request.sla_paused = figures.fulfilment.paused_since is not None
    request.save(update_fields=["response_due_at", "fulfilment_due_at", "response_breached",
                                "fulfilment_breached", "sla_paused"])
    if request.is_open:
        for name, clock in (("response", figures.response), ("fulfilment", figures.fulfilment)):
            if clock.breached and not before[name]:
                notify.breached(request, name, clock.due_at)
    return figures


def task_clock(task, *, now=None):
    """Return the task's own clock (kernel.clocks.engine.Clock): handed over until done."""
    version = task.request.sla_version
    events = [engine.start(task.created_at, version.task_duration(),
                           calendar=version.calendar.maths)]
    for row in task.transitions.all():
        if row.to_status in (TASK_DONE, TASK_CANCELLED):
            events.append(engine.stop(row.at, row.to_status, counts=row.to_status == TASK_DONE))
    return engine.run(events, now=now or timezone.now(),
                      warning_fraction=version.warning_percent / 100, name="task")


def refresh_task(task, *, now=None):
    clock = task_clock(task, now=now)
    newly_breached = clock.breached and not task.breached and task.is_open
    task.due_at, task.breached = clock.due_at, clock.breached
    task.save(update_fields=["due_at", "breached"])
    if newly_breached:
        notify.task_breached(task)
    return clock


def refresh_open(*, now=None):
    """Recompute open requests' and tasks' breach flags (the beat sweep); return a count."""
    now = now or timezone.now()
    count = 0
    for request in (ServiceRequest.objects.open().filter(fulfilment_breached=False)
                    .select_related("sla_version__calendar", "sla_version__policy")):
        refresh_request(request, now=now)
        count += 1
    for task in FulfilmentTask.objects.open().filter(breached=False).select_related(
            "request__sla_version__calendar"):
        refresh_task(task, now=now)
        count += 1
    return count
