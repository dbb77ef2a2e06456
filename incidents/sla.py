"""The SLA engine: rebuild an incident's clocks from its history, and explain each figure.

A pure function of (creation time, status transitions, the pinned target, the
calendar, now). The live figures stored on the incident and the `sla_replay`
command both come from `replay()`, so "replay equals live" holds by
construction rather than by two implementations agreeing.

Rules:
- Response clock: from creation to the first move out of New; never paused.
- Resolution clock: from creation to resolution; stopped while Pending for a
  pausing reason (per policy version) and while Resolved before a reopen.
  Each stop extends the due time by exactly the stopped business time.
- A severity change recomputes both clocks from creation on the new target.
- Breach at 100 % of the target (a running clock breaches when it reaches the
  due time; a stopped clock breached if it used more than the target).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

STOPPING_STATUSES = {"resolved", "closed", "cancelled"}
RESPONDED_STATUSES = {"in_progress", "pending", "resolved", "closed"}


@dataclass(frozen=True)
class ClockEvent:
    """A status transition as the engine needs it."""

    at: datetime
    to_status: str
    pending_reason: str = ""


@dataclass(frozen=True)
class SeverityEvent:
    at: datetime
    from_severity: int
    to_severity: int
    reason: str


@dataclass(frozen=True)
class Target:
    """The target in force: durations are business time on `calendar` (CalendarMaths)."""

    severity: int
    response: timedelta
    resolution: timedelta
    calendar: object
    description: str


@dataclass
class Clock:
    name: str
    target: timedelta
    due_at: datetime
    warn_at: datetime
    elapsed: timedelta
    stopped_at: datetime | None = None  # responded/resolved/cancelled: the clock no longer runs
    paused_since: datetime | None = None
    paused_total: timedelta = timedelta(0)

    @property
    def running(self):
        return self.stopped_at is None and self.paused_since is None

    @property
    def remaining(self):
        return self.target - self.elapsed

    @property
    def percent_used(self):
        if not self.target:
            return 100.0
        return round(100 * self.elapsed / self.target, 1)

    @property
    def breached(self):
        if self.stopped_at is None:
            return self.elapsed >= self.target
        return self.elapsed > self.target

    def reached(self, fraction):
        return self.elapsed >= self.target * fraction


@dataclass
class SlaFigures:
    response: Clock
    resolution: Clock
    responded_at: datetime | None
    explanation: list[str] = field(default_factory=list)

    def as_dict(self):
        def clock(c):
            return {"target": fmt_duration(c.target), "due_at": c.due_at, "warn_at": c.warn_at,
                    "elapsed": fmt_duration(c.elapsed), "remaining": fmt_duration(c.remaining),
                    "percent_used": c.percent_used, "breached": c.breached,
                    "running": c.running, "paused": c.paused_since is not None,
                    "paused_total": fmt_duration(c.paused_total)}

        return {"response": clock(self.response), "resolution": clock(self.resolution),
                "explanation": self.explanation}


def fmt_duration(td):
    """Return '1 h 8 min' style text; negative durations get a minus sign."""
    sign = "-" if td < timedelta(0) else ""
    seconds = int(abs(td).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} d")
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    if secs and not days:
        parts.append(f"{secs} s")
    return sign + " ".join(parts)


def fmt_time(moment):
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def _hhmm(moment):
    return timezone.localtime(moment).strftime("%H:%M")


def _stopped_intervals(events, pausing_reasons, now):
    """Return [(start, end or None, label)] when the resolution clock stood still."""
    intervals, start, label = [], None, ""
    for event in events:
        if event.at > now:
            break
        pausing = event.to_status == "pending" and event.pending_reason in pausing_reasons
        stopping = pausing or event.to_status in STOPPING_STATUSES
        if stopping and start is None:
            start = event.at
            label = event.pending_reason.replace("_", " ") if pausing else event.to_status
        elif stopping and start is not None and not pausing:
            label = event.to_status  # e.g. resolved -> closed: still stopped
        elif not stopping and start is not None:
            intervals.append((start, event.at, label))
            start = None
    if start is not None:
        intervals.append((start, None, label))
    return intervals


def replay(*, created_at, events, target, pausing_reasons, warning_percent, now,
           severity_events=(), policy_name=""):
    """Return SlaFigures for an incident rebuilt from its history at `now`."""
    cal = target.calendar
    events = sorted(events, key=lambda e: e.at)
    lines = [f"Policy {policy_name}: {target.description}." if policy_name
             else f"{target.description}.", f"Raised {fmt_time(created_at)}."]
    for change in severity_events:
        if change.at <= now:
            lines.append(f"Severity changed Sev{change.from_severity} -> Sev{change.to_severity} "
                         f"at {fmt_time(change.at)} ({change.reason}); both clocks recomputed "
                         f"from {fmt_time(created_at)} on the Sev{change.to_severity} target.")
    fraction = warning_percent / 100

    # Response clock.
    responded_at = next((e.at for e in events if e.at <= now
                         and e.to_status in RESPONDED_STATUSES), None)
    cancelled_at = next((e.at for e in events if e.at <= now and e.to_status == "cancelled"),
                        None)
    response_end = responded_at or cancelled_at
    response = Clock(
        name="response", target=target.response,
        due_at=cal.add_business_time(created_at, target.response),
        warn_at=cal.add_business_time(created_at, target.response * fraction),
        elapsed=cal.business_time_between(created_at, response_end or now),
        stopped_at=response_end)
    if responded_at:
        verdict = "breached" if response.breached else "met"
        lines.append(f"Responded {fmt_time(responded_at)}: {fmt_duration(response.elapsed)} of "
                     f"{fmt_duration(response.target)} used ({verdict}; due "
                     f"{fmt_time(response.due_at)}).")
    elif cancelled_at is None:
        lines.append(f"Not yet responded: {fmt_duration(response.elapsed)} of "
                     f"{fmt_duration(response.target)} used, due {fmt_time(response.due_at)}.")

    # Resolution clock.
    due = cal.add_business_time(created_at, target.resolution)
    warn = cal.add_business_time(created_at, target.resolution * fraction)
    stopped_total, paused_since, stopped_at = timedelta(0), None, None
    for start, end, label in _stopped_intervals(events, pausing_reasons, now):
        if end is None and label in STOPPING_STATUSES:
            stopped_at = start  # resolved/closed/cancelled and not reopened
            break
        length = cal.business_time_between(start, end or now)
        stopped_total += length
        if start < due:
            due = cal.add_business_time(due, length)
        if start < warn:
            warn = cal.add_business_time(warn, length)
        kind = "Stopped while " if label in STOPPING_STATUSES else "Paused "
        if end is None:
            paused_since = start
            lines.append(f"{kind}{label} since {fmt_time(start)}: "
                         f"{fmt_duration(length)} business time so far; resolution due moves "
                         f"on while paused (now {fmt_time(due)}).")
        else:
            reopened = " (reopened)" if label in STOPPING_STATUSES else ""
            lines.append(f"{kind}{label}{reopened} {fmt_time(start)}-{_hhmm(end)}: "
                         f"{fmt_duration(length)} business time; resolution due extended to "
                         f"{fmt_time(due)}.")
    end = stopped_at or now
    elapsed = cal.business_time_between(created_at, end) - stopped_total
    resolution = Clock(name="resolution", target=target.resolution, due_at=due, warn_at=warn,
                       elapsed=elapsed, stopped_at=stopped_at, paused_since=paused_since,
                       paused_total=stopped_total)
    state = "breached" if resolution.breached else "within target"
    if stopped_at:
        lines.append(f"Resolution clock stopped {fmt_time(stopped_at)}: "
                     f"{fmt_duration(elapsed)} of {fmt_duration(target.resolution)} used "
                     f"({state}; due {fmt_time(due)}).")
    else:
        lines.append(f"Resolution: {fmt_duration(elapsed)} of {fmt_duration(target.resolution)} "
                     f"used, {fmt_duration(resolution.remaining)} remaining, due {fmt_time(due)} "
                     f"({state}).")
    return SlaFigures(response=response, resolution=resolution, responded_at=responded_at,
                      explanation=lines)
