"""SLA clocks for requests and fulfilment tasks, from the shared engine (incidents.sla).

The engine replays a history of status moves against a target. It speaks the
incident vocabulary (a response clock stopped by the first move out of "new";
a resolution clock paused by "pending" with a pausing reason and stopped by
resolved/closed/cancelled), so request moves are translated into it here:

- Response clock ("respond"): from submission until the request is approved,
  rejected or taken into fulfilment. Waiting for approval does not stop it:
  deciding is the first response.
- Fulfilment clock: from submission until fulfilled (or rejected/cancelled);
  paused while awaiting approval when the pinned version says so.

The two clocks need different translations of the same rows, so the engine is
run twice and one clock taken from each run. No clock arithmetic lives here.
"""

from dataclasses import dataclass

from django.utils import timezone

from incidents.sla import ClockEvent, Target, fmt_duration, fmt_time, replay

from . import notify

AWAITING_APPROVAL = "awaiting_approval"  # the engine's pending reason for approval waits

# Request status -> (engine status, pending reason) for each clock.
RESPONSE_VOCABULARY = {
    "submitted": ("new", ""), "awaiting_approval": ("new", ""),
    "approved": ("in_progress", ""), "rejected": ("in_progress", ""),
    "in_fulfilment": ("in_progress", ""), "fulfilled": ("resolved", ""),
    "closed": ("closed", ""), "cancelled": ("cancelled", ""),
}
FULFILMENT_VOCABULARY = {
    **RESPONSE_VOCABULARY,
    "awaiting_approval": ("pending", AWAITING_APPROVAL),
    "rejected": ("cancelled", ""),
}
TASK_VOCABULARY = {
    "open": ("new", ""), "in_progress": ("in_progress", ""),
    "done": ("resolved", ""), "cancelled": ("cancelled", ""),
}


@dataclass
class RequestFigures:
    response: object  # incidents.sla.Clock
    fulfilment: object  # incidents.sla.Clock
    explanation: list

    def as_dict(self):
        def clock(c):
            return {"target": fmt_duration(c.target), "due_at": c.due_at,
                    "elapsed": fmt_duration(c.elapsed), "remaining": fmt_duration(c.remaining),
                    "percent_used": c.percent_used, "breached": c.breached,
                    "running": c.running, "paused": c.paused_since is not None}

        return {"response": clock(self.response), "fulfilment": clock(self.fulfilment),
                "explanation": self.explanation}


def _events(rows, vocabulary):
    events = []
    for row in rows:
        status, reason = vocabulary[row.to_status]
        events.append(ClockEvent(at=row.at, to_status=status, pending_reason=reason))
    return events


def _target(version, response, resolution, description):
    return Target(severity=0, response=response, resolution=resolution,
                  calendar=version.calendar.maths, description=description)


def request_figures(request, *, now=None):
    """Return RequestFigures for `request` rebuilt from its transition rows at `now`."""
    now = now or timezone.now()
    version = request.sla_version
    rows = [t for t in request.transitions.all() if t.from_status]  # skip the "raised" row
    target = _target(version, version.response_duration(), version.fulfilment_duration(),
                     f"respond {version.response_text}, fulfil {version.fulfilment_text}")
    pausing = {AWAITING_APPROVAL} if version.pause_while_awaiting_approval else set()
    common = {"created_at": request.created_at, "target": target, "now": now,
              "warning_percent": version.warning_percent, "policy_name": version.policy.name}
    response = replay(events=_events(rows, RESPONSE_VOCABULARY), pausing_reasons=set(),
                      **common).response
    fulfilment = replay(events=_events(rows, FULFILMENT_VOCABULARY), pausing_reasons=pausing,
                        **common).resolution
    return RequestFigures(response=response, fulfilment=fulfilment,
                          explanation=_explain(request, version, response, fulfilment))


def _explain(request, version, response, fulfilment):
    lines = [f"Policy {version.policy.name}: respond {version.response_text}, fulfil "
             f"{version.fulfilment_text} ({version.calendar.name}).",
             f"Submitted {fmt_time(request.created_at)}."]
    state = "missed" if response.breached else "met"
    if response.stopped_at and request.responded_at:
        lines.append(f"Responded {fmt_time(request.responded_at)}: "
                     f"{fmt_duration(response.elapsed)} used ({state}).")
    elif response.stopped_at is None:
        lines.append(f"Not yet responded: due {fmt_time(response.due_at)}.")
    if fulfilment.paused_total or fulfilment.paused_since:
        lines.append(f"Fulfilment clock paused for approval: "
                     f"{fmt_duration(fulfilment.paused_total)} business time.")
    state = "breached" if fulfilment.breached else "within target"
    if fulfilment.stopped_at:
        lines.append(f"Fulfilment clock stopped {fmt_time(fulfilment.stopped_at)}: "
                     f"{fmt_duration(fulfilment.elapsed)} used ({state}).")
    else:
        lines.append(f"Fulfilment due {fmt_time(fulfilment.due_at)}: "
                     f"{fmt_duration(fulfilment.remaining)} remaining ({state}).")
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
    """Return the task's own clock (incidents.sla.Clock): handed over until done."""
    version = task.request.sla_version
    duration = version.task_duration()
    target = _target(version, duration, duration, f"complete within {version.task_text}")
    return replay(created_at=task.created_at, events=_events(task.transitions.all(),
                                                               TASK_VOCABULARY),
                  target=target, pausing_reasons=set(), now=now or timezone.now(),
                  warning_percent=version.warning_percent).resolution


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
    from .models import FulfilmentTask, ServiceRequest

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
