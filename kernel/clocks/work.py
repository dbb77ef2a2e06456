"""The clock of a piece of work handed to a group: started when handed over, stopped when
the hand-off ends. Provider tasks' OLA clocks are these (incidents.models.ProviderTask)."""

from django.utils import timezone

from . import engine
from .calendar import CalendarMaths


def work_clock(*, started_at, ended_at, target, calendar, ended_because="", now=None,
               name="ola"):
    """Return the Clock of work handed over at `started_at` and ended at `ended_at` (None:
    still held), against `target` business time on `calendar` (None: measured in real time
    with no verdict)."""
    now = now or timezone.now()
    events = [engine.start(started_at, target, calendar=calendar or CalendarMaths.always())]
    if ended_at is not None:
        events.append(engine.stop(ended_at, ended_because))
    # Looked at before it started or ended (a leg being opened): as of its own events.
    return engine.run(events, now=max(now, started_at, ended_at or started_at), name=name)
