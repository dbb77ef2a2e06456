"""A deliberately simple reference for the clock engine: step through time minute by minute.

It shares nothing with kernel.clocks but the event vocabulary: no calendar maths,
no interval arithmetic. Whether a minute is business time is decided by looking
at that minute's UK wall-clock time; the clock's state at a minute by replaying
the events up to it. Histories given to it must fall on whole minutes.

Definitions (the engine's rules, restated the slow way):
- used: business minutes in which the clock was running, up to the end (the
  final stop, or now);
- the clock is taken to run on from the end (a paused clock from now, a stopped
  one from its stop); the deadline is the end of the minute in which the
  running business minutes reach the target in force at the end;
- met: done (the stop, or now) is at or before the deadline.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
MINUTE = timedelta(minutes=1)
# England and Wales bank holidays in the years the tests generate (the published list).
HOLIDAYS = {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
            date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
            date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3)}


class Reference:
    def __init__(self, *, working_days):
        self.working_days = working_days
        self._hours = {}

    def is_business_minute(self, moment):
        """Return whether the minute starting at `moment` is business time."""
        if not self.working_days:
            return True
        hour = moment.replace(minute=0, second=0, microsecond=0)
        if hour not in self._hours:  # the whole UTC hour shares one answer (UK offsets are whole hours)
            local = hour.astimezone(LONDON)
            self._hours[hour] = (local.weekday() < 5 and local.date() not in HOLIDAYS
                                 and 8 <= local.hour < 18)
        return self._hours[hour]

    def figures(self, events, now, fraction=None):
        """Return a dict of the clock's figures at `now`; `events` as for the engine."""
        events = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
        start = events[0]
        # Replay the state machine once to find the end, the final stop and the target.
        state, stopped_at, counts, target = "running", None, True, start.target
        states = []  # (moment, state) after each event
        for event in events[1:]:
            if event.kind == "retarget":
                continue
            if state == "running" and event.kind in ("pause", "stop"):
                state = "paused" if event.kind == "pause" else "stopped"
            elif state == "paused" and event.kind in ("resume", "stop"):
                state = "running" if event.kind == "resume" else "stopped"
            elif state == "stopped" and event.kind == "resume":
                state = "running"
            elif state == "stopped" and event.kind == "stop" and not event.counts:
                counts = False  # withdrawn: nothing measured
                continue
            else:
                continue
            if state == "stopped":
                stopped_at, counts = event.at, event.counts
            else:
                stopped_at, counts = None, True
            states.append((event.at, state))
        end = stopped_at or now
        for event in events:
            if event.kind in ("start", "retarget") and event.at <= end:
                target = event.target

        def running_at(moment):
            if moment >= end:
                return True  # taken to run on from the end
            current = "running"
            for at, state_after in states:
                if at <= moment:
                    current = state_after
            return current == "running"

        used = paused = timedelta(0)
        moment = start.at
        while moment < end:
            if self.is_business_minute(moment):
                if running_at(moment):
                    used += MINUTE
                else:
                    paused += MINUTE
            moment += MINUTE

        def deadline(goal):
            if goal <= timedelta(0):
                return start.at
            counted, moment = timedelta(0), start.at
            while True:
                if running_at(moment) and self.is_business_minute(moment):
                    counted += MINUTE
                    if counted >= goal:
                        return moment + MINUTE
                moment += MINUTE

        due = deadline(target)
        done = stopped_at or now
        verdict = ("not measured" if not counts else
                   "breached" if done > due else "met" if stopped_at else "within target")
        result = {"due_at": due, "used": used, "paused_total": paused, "stopped_at": stopped_at,
                  "verdict": verdict, "target": target}
        if fraction is not None:
            result["warn_at"] = deadline(target * fraction)
        return result
