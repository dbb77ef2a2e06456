"""An incident's SLA clocks: its own events, fed to the one clock engine (kernel.clocks).

Pure (no database): from the incident's creation, severity history and status
transitions, the pinned policy version's targets and `now`, to SlaFigures. The
figures stored on the incident, the breach escalations, the `sla/` endpoint, the
console SLA panel, `sla_replay` and so the KPIs all come from `replay()`; the
verdicts come from the engine's one `met()` rule.

Which incident events drive the clocks (the engine's own rules are in
kernel/clocks/engine.py):
- Response clock: starts at creation; stops at the first move out of New (in
  progress, pending or resolved). Never paused.
- Resolution clock: starts at creation; pauses while Pending for a reason the
  pinned policy version pauses on; resumes when it leaves Pending or is
  reopened; stops at resolution (closing afterwards changes nothing). Resolved
  straight from Pending: the pause runs until the resolution, counts as paused
  time, and the clock stops at the resolution.
- Cancelled: both clocks stop at the cancellation and are not measured (never
  breached, never met), the response clock even if the response came before;
  the sweep records nothing after it; KPIs leave cancelled incidents out.
- A severity change re-targets both clocks to the new severity's targets (and
  calendar), measured from creation. A clock that has already stopped keeps the
  verdict judged on the severity in force when it stopped.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from kernel.clocks import engine
from kernel.clocks.explain import fmt_time, interval_lines, outcome_line
from kernel.clocks.serializers import clock_dict
from kernel.clocks.units import fmt_duration

NEW, IN_PROGRESS, PENDING = "new", "in_progress", "pending"
RESOLVED, CLOSED, CANCELLED = "resolved", "closed", "cancelled"
RESPONDED_STATUSES = {IN_PROGRESS, PENDING, RESOLVED, CLOSED}


@dataclass(frozen=True)
class Transition:
    """A status transition as the clocks need it (IncidentTransition rows fit too)."""

    at: datetime
    to_status: str
    from_status: str = ""
    pending_reason: str = ""


@dataclass(frozen=True)
class SeverityEvent:
    at: datetime
    from_severity: int
    to_severity: int
    reason: str = ""


@dataclass(frozen=True)
class Target:
    """A severity's targets: business time on `calendar` (kernel.clocks.calendar.CalendarMaths)."""

    severity: int
    response: timedelta
    resolution: timedelta
    calendar: object
    description: str


@dataclass
class SlaFigures:
    response: engine.Clock
    resolution: engine.Clock
    responded_at: datetime | None
    response_severity: int  # the severity whose target the response clock is judged on
    resolution_severity: int  # likewise the resolution clock (at resolution once resolved)
    context: dict = field(default_factory=dict, repr=False)  # what the explanation needs

    @cached_property
    def explanation(self):
        """Return the figures in plain words, one line per step (built when first read: a
        replay of a whole history never needs them)."""
        return _explain(self, **self.context)

    def as_dict(self):
        return {"response": clock_dict(self.response), "resolution": clock_dict(self.resolution),
                "response_severity": self.response_severity,
                "resolution_severity": self.resolution_severity,
                "explanation": self.explanation}


def _reason_label(reason):
    return reason.replace("_", " ")


def clock_events(*, created_at, first_severity, transitions, severity_events, targets,
                 pausing_reasons):
    """Return (response events, resolution events) for the engine, from the incident's own
    history. No arithmetic here: only which event does what to which clock."""
    first = targets[first_severity]
    response = [engine.start(created_at, first.response, f"Sev{first_severity}",
                             calendar=first.calendar)]
    resolution = [engine.start(created_at, first.resolution, f"Sev{first_severity}",
                               calendar=first.calendar)]
    for change in severity_events:
        new = targets[change.to_severity]
        label = f"Sev{change.from_severity} -> Sev{change.to_severity}"
        response.append(engine.retarget(change.at, new.response, label, calendar=new.calendar))
        resolution.append(engine.retarget(change.at, new.resolution, label,
                                          calendar=new.calendar))
    responded = False
    for row in transitions:
        to = row.to_status
        if to in RESPONDED_STATUSES and not responded:
            response.append(engine.stop(row.at, "responded"))
            responded = True
        if to == PENDING and row.pending_reason in pausing_reasons:
            resolution.append(engine.pause(row.at, _reason_label(row.pending_reason)))
        elif to == IN_PROGRESS:
            resolution.append(engine.resume(row.at, "reopened" if row.from_status == RESOLVED
                                            else "resumed"))
        elif to in (RESOLVED, CLOSED):
            resolution.append(engine.stop(row.at, "resolved" if to == RESOLVED else "closed"))
        elif to == CANCELLED:
            response.append(engine.stop(row.at, "cancelled", counts=False))
            resolution.append(engine.stop(row.at, "cancelled", counts=False))
    return response, resolution


def _severity_at(first_severity, severity_events, moment):
    severity = first_severity
    for change in severity_events:
        if change.at <= moment:
            severity = change.to_severity
    return severity


def replay(*, created_at, severity, transitions, severity_events, targets, pausing_reasons,
           warning_percent, now, policy_name=""):
    """Return SlaFigures rebuilt from the incident's history at `now`.

    `severity` is the incident's current severity, `targets` {severity: Target} of its
    pinned policy version, `transitions` and `severity_events` its rows (any order).
    """
    transitions = sorted((t for t in transitions if t.at <= now), key=lambda t: t.at)
    severity_events = sorted((c for c in severity_events if c.at <= now), key=lambda c: c.at)
    first_severity = severity_events[0].from_severity if severity_events else severity
    response_events, resolution_events = clock_events(
        created_at=created_at, first_severity=first_severity, transitions=transitions,
        severity_events=severity_events, targets=targets, pausing_reasons=pausing_reasons)
    fraction = warning_percent / 100
    response = engine.run(response_events, now=now, warning_fraction=fraction, name="response")
    resolution = engine.run(resolution_events, now=now, warning_fraction=fraction,
                            name="resolution")
    responded_at = next((t.at for t in transitions if t.to_status in RESPONDED_STATUSES), None)
    return SlaFigures(
        response=response, resolution=resolution, responded_at=responded_at,
        response_severity=_severity_at(first_severity, severity_events, response.done_at),
        resolution_severity=_severity_at(first_severity, severity_events, resolution.done_at),
        context={"created_at": created_at, "targets": targets,
                 "severity_events": severity_events, "policy_name": policy_name})


def _explain(figures, *, created_at, targets, severity_events, policy_name):
    response, resolution = figures.response, figures.resolution
    described = targets[figures.resolution_severity].description
    lines = [f"Policy {policy_name}: {described}." if policy_name else f"{described}.",
             f"Raised {fmt_time(created_at)}."]
    for change, r_change, s_change in zip(severity_events, response.target_changes,
                                          resolution.target_changes, strict=True):
        line = (f"Severity changed Sev{change.from_severity} -> Sev{change.to_severity} at "
                f"{fmt_time(change.at)} ({change.reason}): both clocks re-targeted on the "
                f"Sev{change.to_severity} targets, measured from creation "
                f"({fmt_time(created_at)}), not from the change.")
        if not r_change.applies:
            line += (f" The response clock had already stopped, so it stays judged on "
                     f"Sev{figures.response_severity}.")
        if not s_change.applies:
            line += (f" The resolution clock had already stopped, so it stays judged on "
                     f"Sev{figures.resolution_severity} (the severity at resolution) unless "
                     "the incident is reopened.")
        lines.append(line)
    if not response.counts and figures.responded_at:
        lines.append(f"Responded {fmt_time(figures.responded_at)}; the incident was then "
                     f"cancelled, so the response clock is not measured.")
    elif not response.counts:
        lines.append(f"Cancelled {fmt_time(response.stopped_at)} before a response: the "
                     "response clock is not measured.")
    elif response.stopped_at:
        lines.append(f"Responded {fmt_time(response.stopped_at)}: "
                     f"{fmt_duration(response.used)} of {fmt_duration(response.target)} used "
                     f"({'met' if response.met else 'breached'}; due {fmt_time(response.due_at)}).")
    else:
        lines.append(f"Not yet responded: {fmt_duration(response.used)} of "
                     f"{fmt_duration(response.target)} used, due {fmt_time(response.due_at)}"
                     f" ({'breached' if response.breached else 'within target'}).")
    lines.extend(interval_lines(resolution, "resolution"))
    if resolution.stopped_at and not resolution.counts:
        lines.append(outcome_line(resolution, "resolution", stopped_words="stopped at "
                                  "cancellation"))
        lines.append("A cancelled incident is not measured: it is never counted as breached "
                     "or as met, and KPIs leave it out.")
    elif resolution.stopped_at:
        at = {"closed": "closure"}.get(resolution.stop_label, "resolution")
        lines.append(outcome_line(resolution, "resolution", stopped_words=f"stopped at {at}"))
        last = resolution.intervals[-1] if resolution.intervals else None
        if last is not None and last.ended_by_stop:
            lines.append(f"Resolved straight from Pending: the clock stopped at the resolution "
                         f"({fmt_time(resolution.stopped_at)}), not when the incident was put "
                         f"pending ({fmt_time(last.start)}); the time pending until then counts "
                         "as paused.")
    else:
        lines.append(outcome_line(resolution, "resolution"))
    return lines
