"""The one clock engine: a pure function of generic clock events over a business calendar.

Every service-level clock in the product is `run(events, calendar=..., now=...)`:
an incident's response and resolution clocks, an assignment leg's OLA clock, a
request's response and fulfilment clocks, a fulfilment task's clock. The domain
apps only say which of their own events start, pause, resume, stop or re-target
a clock; none of them does clock arithmetic or compares a time with a deadline.

The rules (stated for auditors on the "How SLA figures are computed" page):

1. A clock runs from START. Business time counts only while it runs: PAUSE
   stands it still until RESUME; STOP ends it. A RESUME after a STOP (a reopen)
   runs it again, and the stopped time then counts as paused.
2. The target is business time from the start. RETARGET replaces it, still
   measured from the start (not from the change). A stopped clock is judged
   against the target in force when it stopped; a re-target while it is stopped
   applies only if it runs again.
3. The deadline is the earliest instant at which the business time the clock
   has run reaches the target, given the pauses so far (a paused clock is
   taken to run again from now). A pause therefore moves the deadline by
   exactly the business time it held, and a pause holding none (an evening, a
   weekend, a bank holiday) does not move it at all.
4. Met: the work is done at or before the deadline instant. `met()` is the only
   place that comparison is made. Done means the stop for a stopped clock and
   now for a running one; exactly at the deadline is met. So on a working-days
   calendar work done at 19:00 against an 18:00 deadline is a breach, though no
   business time passed after 18:00.
5. A STOP that does not count (an incident cancelled, a request rejected or
   withdrawn) leaves the clock without a verdict: never breached, never met.
   It does so even if the clock had already stopped: the work as a whole was
   withdrawn, so none of it is measured.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

START, PAUSE, RESUME, STOP, RETARGET = "start", "pause", "resume", "stop", "retarget"
KINDS = (START, PAUSE, RESUME, STOP, RETARGET)

MET, BREACHED, WITHIN, NOT_MEASURED, NO_TARGET = (
    "met", "breached", "within target", "not measured", "no target")

ZERO = timedelta(0)


def met(done_at: datetime, due_at: datetime) -> bool:
    """Return True if work done at `done_at` meets a deadline at `due_at`.

    The one rule for "met" (done at or before the deadline instant); every verdict the
    product stores, shows, escalates or counts comes from here.
    """
    return done_at <= due_at


@dataclass(frozen=True)
class ClockEvent:
    """Something that happened to a clock: `kind` is one of KINDS."""

    at: datetime
    kind: str
    target: timedelta | None = None  # START and RETARGET: business time allowed from the start
    calendar: object = None  # START and RETARGET: the target's CalendarMaths (optional)
    label: str = ""  # in words, for the explanation: "awaiting participant", "resolved"
    counts: bool = True  # STOP only: False when the work was withdrawn (no verdict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown clock event '{self.kind}'; use one of {', '.join(KINDS)}.")


def start(at, target, label="", *, calendar=None):
    return ClockEvent(at, START, target=target, label=label, calendar=calendar)


def pause(at, label=""):
    return ClockEvent(at, PAUSE, label=label)


def resume(at, label=""):
    return ClockEvent(at, RESUME, label=label)


def stop(at, label="", *, counts=True):
    return ClockEvent(at, STOP, label=label, counts=counts)


def retarget(at, target, label="", *, calendar=None):
    return ClockEvent(at, RETARGET, target=target, label=label, calendar=calendar)


@dataclass(frozen=True)
class StillInterval:
    """A time the clock stood still: paused, or stopped and later run again."""

    start: datetime
    end: datetime | None  # None: still paused now
    label: str
    business: timedelta  # business time inside it (up to now while open)
    after_stop: bool = False  # the clock had stopped (e.g. resolved) and was run again
    end_label: str = ""  # what ended it: "resumed", "reopened"
    ended_by_stop: bool = False  # the pause ended because the clock stopped (resolved from pending)


@dataclass(frozen=True)
class TargetChange:
    at: datetime
    target: timedelta
    label: str
    applies: bool  # False: made after the clock stopped for good, so not the judged target


@dataclass(frozen=True)
class Clock:
    """A clock's figures at `now`, as `run` computed them."""

    name: str
    started_at: datetime
    now: datetime
    target: timedelta | None
    due_at: datetime | None
    warn_at: datetime | None
    used: timedelta
    stopped_at: datetime | None = None
    stop_label: str = ""
    counts: bool = True
    paused_since: datetime | None = None
    paused_total: timedelta = ZERO
    intervals: tuple = ()
    target_changes: tuple = ()
    # What the explanation needs to recompute the deadline after each interval.
    _runs: tuple = field(default=(), repr=False, compare=False)
    _calendar: object = field(default=None, repr=False, compare=False)

    @property
    def running(self):
        return self.stopped_at is None and self.paused_since is None

    @property
    def paused(self):
        return self.paused_since is not None

    @property
    def done_at(self):
        """Return when the work was done (the stop), or now while it is not."""
        return self.stopped_at or self.now

    @property
    def elapsed(self):
        return self.used

    @property
    def remaining(self):
        return (self.target - self.used) if self.target is not None else None

    @property
    def percent_used(self):
        if self.target is None:
            return None
        if not self.target:
            return 100.0
        return round(100 * self.used / self.target, 1)

    @property
    def verdict(self):
        """Return MET, BREACHED, WITHIN (running, not yet late), NOT_MEASURED or NO_TARGET."""
        if self.due_at is None:
            return NO_TARGET
        if not self.counts:
            return NOT_MEASURED
        if not met(self.done_at, self.due_at):
            return BREACHED
        return MET if self.stopped_at else WITHIN

    @property
    def breached(self):
        return self.verdict == BREACHED

    @property
    def met(self):
        """Return True/False for a stopped clock that counts, None otherwise."""
        if self.stopped_at is None or self.verdict in (NOT_MEASURED, NO_TARGET):
            return None
        return self.verdict == MET

    @property
    def warning_reached(self):
        """Return True once the warning share of the target has been used."""
        return self.counts and self.warn_at is not None and self.done_at >= self.warn_at

    def due_after_each_interval(self):
        """Return [deadline once interval k had been counted] for each still interval."""
        if self.target is None:
            return [None] * len(self.intervals)
        dues = []
        for k, interval in enumerate(self.intervals):
            runs = self._runs[:k + 1]
            dues.append(_deadline(self._calendar, runs, [b for _, _, b in runs],
                                  interval.end or self.now, self.target, self.started_at))
        return dues


def _deadline(calendar, runs, run_business, tail_from, target, started_at):
    """Return the earliest instant the clock's run time reaches `target`: through the
    finished runs first, then running on from `tail_from`."""
    if target <= ZERO:
        return started_at
    remaining = target
    for (begin, _end, _), business in zip(runs, run_business, strict=True):
        if remaining <= business:
            return calendar.add_business_time(begin, remaining)
        remaining -= business
    return calendar.add_business_time(tail_from, remaining)


def run(events, *, now, calendar=None, warning_fraction=None, name="") -> Clock:
    """Return the Clock for `events` (any order; those after `now` are ignored) at `now`.

    The first event must be a START. Business time is counted on the calendar of the
    target in force at the end (a re-target is measured from the start, so it may bring
    its own calendar: a Sev2 made Sev4 is measured on working days from creation);
    `calendar` (kernel.clocks.calendar.CalendarMaths) is used where no event names one.
    Events that do not change the state (a RESUME of a running clock, a PAUSE of a
    paused or stopped one, a second STOP) are ignored.
    """
    ordered = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    if not ordered or ordered[0].kind != START:
        raise ValueError("A clock's first event must be a START.")
    first = ordered[0]
    started_at = first.at
    targets = [first]  # the START and each RETARGET, in order
    # Pass 1, the timeline: when the clock ran and when it stood still.
    runs, still = [], []  # (from, to); (from, to or None, label, after_stop, by_stop, end label)
    state, run_from = "running", started_at
    still_since, still_label = None, ""
    stopped_at, stop_label, counts = None, "", True
    for event in ordered[1:]:
        kind = event.kind
        if kind == RETARGET:
            targets.append(event)
        elif state == "running" and kind in (PAUSE, STOP):
            runs.append((run_from, event.at))
            if kind == PAUSE:
                state, still_since, still_label = "paused", event.at, event.label
            else:
                state, stopped_at, stop_label, counts = "stopped", event.at, event.label, \
                    event.counts
        elif state == "paused" and kind in (RESUME, STOP):
            still.append((still_since, event.at, still_label, False, kind == STOP, event.label))
            if kind == RESUME:
                state, run_from = "running", event.at
            else:
                state, stopped_at, stop_label, counts = "stopped", event.at, event.label, \
                    event.counts
        elif state == "stopped" and kind == STOP and not event.counts:
            counts = False  # withdrawn after it stopped: no verdict either
        elif state == "stopped" and kind == RESUME:
            still.append((stopped_at, event.at, stop_label, True, False, event.label))
            state, run_from, stopped_at, stop_label, counts = "running", event.at, None, "", True
    paused_since = None
    if state == "running":
        runs.append((run_from, now))
        tail_from = run_from
    elif state == "paused":
        still.append((still_since, None, still_label, False, False, ""))
        paused_since, tail_from = still_since, now
    else:
        tail_from = stopped_at
    end = stopped_at or now
    in_force = [t for t in targets if t.at <= end]
    judged = in_force[-1]
    changes = tuple(TargetChange(t.at, t.target, t.label, t.at <= end) for t in targets[1:])

    # Pass 2, the arithmetic, on the calendar of the target in force.
    cal = judged.calendar if judged.calendar is not None else calendar
    if cal is None:
        raise ValueError("No calendar: pass one, or name one on the START event.")
    closed = [(a, b, cal.business_time_between(a, b)) for a, b in runs]
    used = sum((b for _, _, b in closed), ZERO)
    if state == "running":
        closed.pop()  # the open run is the tail of the deadline search
    intervals = tuple(StillInterval(a, b, label, cal.business_time_between(a, b or now),
                                    after_stop=after, end_label=end_label, ended_by_stop=by_stop)
                      for a, b, label, after, by_stop, end_label in still)
    due = warn = None
    target = judged.target
    if target is not None:
        run_business = [b for _, _, b in closed]
        due = _deadline(cal, closed, run_business, tail_from, target, started_at)
        if warning_fraction is not None:
            warn = _deadline(cal, closed, run_business, tail_from, target * warning_fraction,
                             started_at)
    return Clock(name=name, started_at=started_at, now=now, target=target, due_at=due,
                 warn_at=warn, used=used, stopped_at=stopped_at, stop_label=stop_label,
                 counts=counts, paused_since=paused_since,
                 paused_total=sum((i.business for i in intervals), ZERO),
                 intervals=intervals, target_changes=changes, _runs=tuple(closed),
                 _calendar=cal)
