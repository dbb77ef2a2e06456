"""Plain-words lines explaining a Clock, the same wording for every kind of clock.

The domain apps add their own header (policy, target, raised at) and the words
for their events (the labels on the clock events); these say what the engine
did with each still interval and what the verdict is.
"""

from django.utils import timezone

from .engine import BREACHED, MET, NO_TARGET, NOT_MEASURED, ZERO
from .units import fmt_duration

VERDICT_WORDS = {MET: "met", BREACHED: "breached", NOT_MEASURED: "not measured",
                 NO_TARGET: "no target"}


def fmt_time(moment):
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def _until(start, end):
    """Return '27 Nov 2026 11:00-12:30', with the end's date when it differs."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    return f"{fmt_time(start)}-{b:%H:%M}" if a.date() == b.date() else \
        f"{fmt_time(start)} to {fmt_time(end)}"


def interval_lines(clock, noun):
    """Yield one line per still interval: how much business time it held and what that did
    to the `noun` ("resolution") due time."""
    dues = clock.due_after_each_interval()
    for interval, due in zip(clock.intervals, dues, strict=True):
        label = f" {interval.label}" if interval.label else ""
        held = (f"{fmt_duration(interval.business)} business time" if interval.business > ZERO
                else "no business time")
        if interval.end is None:
            yield (f"Paused{label} since {fmt_time(interval.start)}: {held} so far; the {noun} "
                   f"due time moves on while paused (now {fmt_time(due)}).")
            continue
        if interval.ended_by_stop:
            yield (f"Paused{label} {_until(interval.start, interval.end)}, until the clock "
                   f"stopped: {held}, counted as paused time.")
            continue
        moved = (f"{noun} due moved to {fmt_time(due)}" if interval.business > ZERO
                 else f"so the {noun} due time did not move ({fmt_time(due)})")
        if interval.after_stop:
            again = interval.end_label or "running again"
            yield (f"Stopped ({interval.label or 'stopped'}) {fmt_time(interval.start)}, "
                   f"{again} {fmt_time(interval.end)}: {held} stood still; {moved}.")
        else:
            yield f"Paused{label} {_until(interval.start, interval.end)}: {held}, {moved}."


def outcome_line(clock, noun, *, stopped_words="stopped"):
    """Return the closing line: used, remaining, due, verdict."""
    used = f"{fmt_duration(clock.used)} of {fmt_duration(clock.target)} used"
    due = fmt_time(clock.due_at)
    if clock.stopped_at is None:
        state = "breached" if clock.breached else "within target"
        return (f"{noun.capitalize()}: {used}, {fmt_duration(clock.remaining)} remaining, "
                f"due {due} ({state}).")
    if not clock.counts:
        return (f"{noun.capitalize()} clock {stopped_words} {fmt_time(clock.stopped_at)}: "
                f"not measured (no verdict is counted; due was {due}).")
    return (f"{noun.capitalize()} clock {stopped_words} {fmt_time(clock.stopped_at)}: {used} "
            f"({VERDICT_WORDS[clock.verdict]}: done {'at or before' if clock.met else 'after'} "
            f"the due time {due}).")
