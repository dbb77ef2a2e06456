"""The clock engine's rules, one test each (pure: no database)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kernel.clocks import engine
from kernel.clocks.calendar import CalendarMaths
from kernel.clocks.units import Unit, describe_amount, fmt_duration, to_duration

from .clock_reference import HOLIDAYS

LONDON = ZoneInfo("Europe/London")
WORKING = CalendarMaths(is_24x7=False, working_days=range(5), day_start=time(8, 0),
                        day_end=time(18, 0), tz_name="Europe/London", holidays=HOLIDAYS)
ALWAYS = CalendarMaths.always()


def uk(*args):
    return datetime(*args, tzinfo=LONDON)


def hours(n):
    return timedelta(hours=n)


def run(events, now, cal=WORKING):
    return engine.run(events, calendar=cal, now=now)


def test_met_is_done_at_or_before_the_deadline_instant():
    due = uk(2026, 11, 27, 18, 0)
    assert engine.met(due, due)
    assert engine.met(due - timedelta(microseconds=1), due)
    assert not engine.met(due + timedelta(microseconds=1), due)


def test_exactly_at_the_deadline_is_met_for_running_and_stopped_clocks_alike():
    raised = uk(2026, 11, 27, 9, 0)  # Friday
    due = uk(2026, 11, 27, 18, 0)
    assert run([engine.start(raised, hours(9))], now=due).verdict == engine.WITHIN
    assert run([engine.start(raised, hours(9)), engine.stop(due, "resolved")],
               now=due + hours(1)).verdict == engine.MET
    assert run([engine.start(raised, hours(9))], now=due + timedelta(seconds=1)).breached


def test_working_days_work_done_after_the_deadline_before_the_next_working_period_is_a_breach():
    raised = uk(2026, 11, 27, 9, 0)  # Friday; 9 business hours: due Friday 18:00
    clock = run([engine.start(raised, hours(9)), engine.stop(uk(2026, 11, 27, 19, 0), "resolved")],
                now=uk(2026, 11, 30, 9, 0))
    assert clock.due_at == uk(2026, 11, 27, 18, 0)
    assert clock.used == hours(9)  # no business time passed after 18:00...
    assert clock.breached  # ...but the deadline instant had
    # And a running clock on Saturday morning is already breached.
    assert run([engine.start(raised, hours(9))], now=uk(2026, 11, 28, 9, 0)).breached


def test_a_pause_holding_no_business_time_never_moves_a_deadline():
    raised = uk(2026, 11, 27, 9, 0)
    evening = [engine.start(raised, hours(9)), engine.pause(uk(2026, 11, 27, 18, 30)),
               engine.resume(uk(2026, 11, 27, 19, 0))]
    assert run(evening, now=uk(2026, 11, 27, 20, 0)).due_at == uk(2026, 11, 27, 18, 0)
    weekend = [engine.start(raised, hours(19)), engine.pause(uk(2026, 11, 27, 18, 0)),
               engine.resume(uk(2026, 11, 30, 8, 0))]
    assert run(weekend, now=uk(2026, 11, 30, 9, 0)).due_at == uk(2026, 11, 30, 18, 0)
    # A deadline landing exactly at 18:00 with a pause that starts there stays 18:00.
    at_close = [engine.start(raised, hours(9)), engine.pause(uk(2026, 11, 27, 18, 0)),
                engine.resume(uk(2026, 11, 28, 10, 0))]
    assert run(at_close, now=uk(2026, 11, 28, 11, 0)).due_at == uk(2026, 11, 27, 18, 0)


def test_a_pause_moves_the_deadline_by_exactly_the_business_time_it_held():
    raised = uk(2026, 11, 27, 9, 0)
    events = [engine.start(raised, hours(9)), engine.pause(uk(2026, 11, 27, 17, 0)),
              engine.resume(uk(2026, 11, 30, 9, 30))]  # 1 h Friday + 1.5 h Monday
    clock = run(events, now=uk(2026, 11, 30, 10, 0))
    assert clock.paused_total == timedelta(hours=2, minutes=30)
    assert clock.due_at == uk(2026, 11, 30, 10, 30)


def test_a_paused_clock_is_taken_to_run_again_from_now():
    raised = uk(2026, 11, 27, 10, 0)
    events = [engine.start(raised, hours(4)), engine.pause(uk(2026, 11, 27, 11, 0))]
    clock = run(events, now=uk(2026, 11, 27, 12, 0), cal=ALWAYS)
    assert clock.paused and clock.due_at == uk(2026, 11, 27, 15, 0)
    assert not clock.breached


def test_a_retarget_is_measured_from_the_start_not_from_the_change():
    raised = uk(2026, 11, 27, 10, 0)
    events = [engine.start(raised, hours(72)), engine.retarget(uk(2026, 11, 27, 10, 20), hours(4))]
    assert run(events, now=uk(2026, 11, 27, 11, 0), cal=ALWAYS).due_at == uk(2026, 11, 27, 14, 0)


def test_a_stopped_clock_is_judged_on_the_target_in_force_when_it_stopped():
    raised = uk(2026, 11, 27, 10, 0)
    events = [engine.start(raised, hours(4)), engine.stop(uk(2026, 11, 27, 13, 0), "resolved"),
              engine.retarget(uk(2026, 11, 27, 15, 0), hours(2))]
    clock = run(events, now=uk(2026, 11, 28, 10, 0), cal=ALWAYS)
    assert clock.target == hours(4) and clock.met
    assert clock.target_changes[0].applies is False
    reopened = run([*events, engine.resume(uk(2026, 11, 27, 16, 0), "reopened")],
                   now=uk(2026, 11, 27, 16, 0), cal=ALWAYS)
    assert reopened.target == hours(2) and reopened.breached  # 3 h used of the new 2 h


def test_a_retarget_may_bring_its_own_calendar():
    raised = uk(2026, 11, 27, 17, 0)  # Friday
    events = [engine.start(raised, hours(24), calendar=ALWAYS),
              engine.retarget(uk(2026, 11, 27, 17, 30), hours(10), calendar=WORKING)]
    clock = engine.run(events, now=uk(2026, 11, 27, 17, 45))
    assert clock.due_at == uk(2026, 11, 30, 17, 0)  # 1 h Friday + 9 h Monday


def test_resolved_straight_from_a_pause_counts_the_pause_and_stops_at_the_resolution():
    raised = uk(2026, 11, 27, 10, 0)
    events = [engine.start(raised, hours(4)), engine.pause(uk(2026, 11, 27, 11, 0), "waiting"),
              engine.stop(uk(2026, 11, 27, 14, 0), "resolved")]
    clock = run(events, now=uk(2026, 11, 28, 10, 0), cal=ALWAYS)
    assert clock.stopped_at == uk(2026, 11, 27, 14, 0)
    assert clock.paused_total == hours(3) and clock.used == hours(1)
    assert clock.intervals[0].ended_by_stop and not clock.paused


def test_a_stop_that_does_not_count_has_no_verdict():
    raised = uk(2026, 11, 27, 10, 0)
    clock = run([engine.start(raised, hours(1)),
                 engine.stop(uk(2026, 11, 27, 15, 0), "cancelled", counts=False)],
                now=uk(2026, 11, 28, 10, 0), cal=ALWAYS)
    assert clock.verdict == engine.NOT_MEASURED
    assert not clock.breached and clock.met is None and not clock.warning_reached


def test_a_reopen_counts_the_stopped_time_as_paused():
    raised = uk(2026, 11, 27, 10, 0)
    events = [engine.start(raised, hours(4)), engine.stop(uk(2026, 11, 27, 11, 0), "resolved"),
              engine.resume(uk(2026, 11, 27, 12, 0), "reopened")]
    clock = run(events, now=uk(2026, 11, 27, 12, 30), cal=ALWAYS)
    assert clock.due_at == uk(2026, 11, 27, 15, 0) and clock.running
    assert clock.intervals[0].after_stop and clock.intervals[0].business == hours(1)


def test_a_clock_without_a_target_measures_time_and_has_no_verdict():
    clock = run([engine.start(uk(2026, 11, 27, 10, 0), None)], now=uk(2026, 11, 27, 12, 0),
                cal=ALWAYS)
    assert clock.used == hours(2) and clock.due_at is None
    assert clock.verdict == engine.NO_TARGET and not clock.breached


def test_a_clock_must_start_with_start():
    with pytest.raises(ValueError, match="START"):
        run([engine.pause(uk(2026, 11, 27, 10, 0))], now=uk(2026, 11, 27, 11, 0))
    with pytest.raises(ValueError, match="Unknown clock event"):
        engine.ClockEvent(uk(2026, 11, 27, 10, 0), "snooze")


def test_units_describe_and_convert_targets():
    assert to_duration(10, Unit.WORKING_DAYS, WORKING) == hours(100)
    assert to_duration(1, Unit.WORKING_DAYS, ALWAYS) == hours(24)
    assert to_duration(45, Unit.MINUTES, WORKING) == timedelta(minutes=45)
    assert describe_amount(1, Unit.WORKING_DAYS) == "1 working day"
    assert describe_amount(4, Unit.HOURS) == "4 h"
    assert fmt_duration(hours(100)) == "100 h"
    assert fmt_duration(timedelta(hours=-1, minutes=-8)) == "-1 h 8 min"
    assert fmt_duration(timedelta(0)) == "0 min"


def test_pages_call_a_running_clock_late_only_after_its_deadline():
    from kernel.templatetags.clocks import late_at

    due = uk(2026, 11, 27, 18, 0)
    assert not late_at(due, due) and late_at(due, due + timedelta(microseconds=1))
    assert not late_at(None, due)
