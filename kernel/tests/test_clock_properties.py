"""Property tests: the clock engine against a minute-by-minute reference, and its invariants.

Random histories (pauses, resumes, stops that count or not, reopens, re-targets) on the
24x7 and the working-days calendar, starting near both clock changes, Easter,
the May bank holiday and Christmas. The number of examples is bounded by the
hypothesis profile (conftest.py) so the suite stays quick.
"""

from datetime import UTC, datetime, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from kernel.clocks import engine
from kernel.clocks.calendar import CalendarMaths

from .clock_reference import HOLIDAYS, LONDON, Reference

ANCHORS = [datetime(2026, 3, 27, 6, 0, tzinfo=UTC),  # spring clock change on Sun 29 Mar
           datetime(2026, 4, 1, 6, 0, tzinfo=UTC),  # Good Friday 3 Apr, Easter Monday 6 Apr
           datetime(2026, 5, 1, 6, 0, tzinfo=UTC),  # Early May bank holiday, Mon 4 May
           datetime(2026, 10, 23, 6, 0, tzinfo=UTC),  # October clock change on Sun 25 Oct
           datetime(2026, 12, 22, 6, 0, tzinfo=UTC),  # Christmas, Boxing Day on Mon 28 Dec
           datetime(2027, 3, 24, 6, 0, tzinfo=UTC)]  # Good Friday and the clock change together
FRACTION = 0.75  # targets are multiples of 4 minutes, so 75 % falls on a whole minute


def calendar(working_days):
    if not working_days:
        return CalendarMaths.always()
    return CalendarMaths(is_24x7=False, working_days=range(5), day_start=time(8, 0),
                         day_end=time(18, 0), tz_name="Europe/London", holidays=HOLIDAYS)


def minutes(n):
    return timedelta(minutes=n)


targets = st.integers(min_value=0, max_value=600).map(lambda n: minutes(4 * n))  # up to 40 h


@st.composite
def histories(draw, *, max_events=8, max_gap=2400):
    """Return (events, now): a START then random events on whole minutes."""
    at = draw(st.sampled_from(ANCHORS)) + minutes(draw(st.integers(0, 4 * 1440)))
    events = [engine.start(at, draw(targets))]
    for _ in range(draw(st.integers(0, max_events))):
        at += minutes(draw(st.integers(0, max_gap)))
        kind = draw(st.sampled_from(["pause", "resume", "stop", "withdrawn", "retarget"]))
        if kind == "retarget":
            events.append(engine.retarget(at, draw(targets)))
        elif kind == "withdrawn":
            events.append(engine.stop(at, "cancelled", counts=False))
        else:
            events.append(engine.ClockEvent(at, kind))
    now = at + minutes(draw(st.integers(0, max_gap)))
    return events, now


def as_reference(clock):
    return {"due_at": clock.due_at, "used": clock.used, "paused_total": clock.paused_total,
            "stopped_at": clock.stopped_at, "verdict": clock.verdict, "target": clock.target,
            "warn_at": clock.warn_at}


@given(working_days=st.booleans(), history=histories())
def test_engine_agrees_with_the_minute_by_minute_reference(working_days, history):
    events, now = history
    clock = engine.run(events, calendar=calendar(working_days), now=now,
                       warning_fraction=FRACTION)
    expected = Reference(working_days=working_days).figures(events, now, FRACTION)
    assert as_reference(clock) == expected


@given(working_days=st.booleans(), history=histories(max_events=5),
       late=st.sampled_from([timedelta(0), minutes(1), timedelta(microseconds=1)]))
def test_met_if_and_only_if_done_at_or_before_the_deadline(working_days, history, late):
    events, now = history
    cal = calendar(working_days)
    events = [*events, engine.resume(now, "running again")]  # whatever came before, it runs
    running = engine.run(events, calendar=cal, now=now)
    assume(running.due_at >= now)
    done_at = running.due_at + late
    stopped = engine.run([*events, engine.stop(done_at, "resolved")], calendar=cal,
                         now=done_at + timedelta(days=30))
    assert stopped.due_at == running.due_at
    assert stopped.met is (late == timedelta(0))
    # A running clock looked at exactly at its deadline is met so far, and breached after.
    assert engine.run(events, calendar=cal, now=running.due_at).verdict == engine.WITHIN
    if late:
        assert engine.run(events, calendar=cal, now=done_at).breached


def _quiet_stretches(start, days=21):
    """Yield (from, to) stretches of whole minutes holding no working-days business time:
    evenings, weekends and bank holidays in the weeks from `start`."""
    day = start.astimezone(LONDON).date()
    for offset in range(days):
        current = day + timedelta(days=offset)
        evening = datetime.combine(current, time(18, 0), tzinfo=LONDON)
        morning = datetime.combine(current + timedelta(days=1), time(8, 0), tzinfo=LONDON)
        yield evening, morning
        if current.weekday() >= 5 or current in HOLIDAYS:
            yield (datetime.combine(current, time(0, 0), tzinfo=LONDON),
                   datetime.combine(current, time(23, 0), tzinfo=LONDON))


@given(history=histories(max_events=5), pick=st.integers(0, 6),
       span=st.tuples(st.integers(0, 600), st.integers(0, 600)),
       kind=st.sampled_from(["pause", "reopen", "severity"]))
def test_a_zero_business_time_pause_reopen_or_severity_change_leaves_every_deadline_unchanged(
        history, pick, span, kind):
    events, now = history
    cal = calendar(True)
    last = max(e.at for e in events)
    events = [*events, engine.resume(last, "running again")]  # it runs from its last event
    # A stretch of no business time (evening, weekend, bank holiday) after the last event.
    stretches = [s for s in _quiet_stretches(last) if s[0] >= last]
    lo, hi = stretches[pick % len(stretches)]
    a = min(lo + minutes(span[0]), hi)
    b = min(a + minutes(span[1]), hi)
    if kind == "pause":
        extra = [engine.pause(a, "awaiting participant"), engine.resume(b)]
    elif kind == "reopen":
        extra = [engine.stop(a, "resolved"), engine.resume(b, "reopened")]
    else:  # re-graded and back again within the quiet stretch
        in_force = [e.target for e in events if e.target is not None]
        extra = [engine.retarget(a, in_force[-1] * 2), engine.retarget(b, in_force[-1])]
    later = b + minutes(span[0])
    before = engine.run(events, calendar=cal, now=later, warning_fraction=FRACTION)
    after = engine.run([*events, *extra], calendar=cal, now=later, warning_fraction=FRACTION)
    assert cal.business_time_between(a, b) == timedelta(0)
    assert (after.due_at, after.warn_at, after.used) == (before.due_at, before.warn_at,
                                                         before.used)


@given(working_days=st.booleans(), history=histories())
def test_used_plus_remaining_is_the_target_while_running(working_days, history):
    events, now = history
    cal = calendar(working_days)
    clock = engine.run([*events, engine.resume(now, "running again")], calendar=cal, now=now)
    assert clock.running
    assert clock.used + clock.remaining == clock.target
    if not clock.breached:  # the business time left before the deadline is what remains
        assert cal.business_time_between(now, clock.due_at) == clock.remaining


@given(working_days=st.booleans(), history=histories(max_events=4),
       later=st.integers(1, 20000))
def test_a_stopped_clock_stops_growing(working_days, history, later):
    events, now = history
    cal = calendar(working_days)
    events = [*events, engine.stop(now, "resolved")]  # a no-op if it had stopped already
    clock = engine.run(events, calendar=cal, now=now)
    again = engine.run(events, calendar=cal, now=now + minutes(later))
    assert (again.used, again.due_at, again.verdict) == (clock.used, clock.due_at,
                                                         clock.verdict)
