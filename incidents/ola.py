"""OLA clocks of assignment legs: each leg's own events fed to the one clock engine.

A leg is one hand-off of an incident to a resolver group. Its OLA clock starts
when the group gets the incident and stops when the leg ends: the incident is
handed to another group, or it is resolved, cancelled or closed. A reopen opens
a new leg for the group that gets the incident back. So time used and the OLA
verdict stop growing once an incident is resolved.

The clock is `engine.run` over the leg's own start and stop, nothing special to
legs, so any piece of work handed to a group (a provider task) can have one the
same way: `work_clock(started_at=..., ended_at=..., target=..., calendar=...)`.
"""

from django.utils import timezone

from kernel.clocks import engine
from kernel.clocks.calendar import CalendarMaths

END_REASONS = {"resolved": "resolved", "cancelled": "cancelled", "closed": "closed"}


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


def ola_clock(leg, *, now=None):
    """Return the leg's OLA clock (kernel.clocks.engine.Clock)."""
    target = leg.ola_target
    return work_clock(started_at=leg.assigned_at, ended_at=leg.ended_at,
                      ended_because=leg.ended_because,
                      target=target.duration() if target else None,
                      calendar=target.calendar.maths if target else None, now=now)


def open_leg(*, incident, resolver_group, by, reason="", at):
    """Start a leg (and its OLA clock) for `resolver_group`; the caller has ended any open one."""
    from .models import AssignmentLeg, OlaTarget

    ola = OlaTarget.objects.filter(resolver_group=resolver_group,
                                   severity=incident.severity).select_related("calendar").first()
    leg = AssignmentLeg(incident=incident, resolver_group=resolver_group, assigned_by=by,
                        reason=reason, assigned_at=at, ola_target=ola)
    leg.ola_due_at = ola_clock(leg, now=at).due_at
    leg.save(force_insert=True)
    return leg


def end_open_leg(*, incident, at, because):
    """End the incident's open leg at `at` (its OLA clock stops); return it, or None."""
    leg = incident.legs.filter(ended_at__isnull=True).first()
    if leg is not None:
        leg.ended_at, leg.ended_because = at, because
        leg.save(update_fields=["ended_at", "ended_because"])
    return leg


def follow_status(incident):
    """Keep the legs in step with the incident's last move (called after every change):
    resolving, cancelling or closing ends the open leg at that moment; a reopen gives the
    incident's group a new leg."""
    last = incident.transitions.order_by("-at", "-pk").first()
    if last is None:
        return
    if last.to_status in END_REASONS:
        end_open_leg(incident=incident, at=last.at, because=END_REASONS[last.to_status])
    elif (last.from_status == "resolved" and last.to_status == "in_progress"
          and incident.assigned_group_id
          and not incident.legs.filter(ended_at__isnull=True).exists()):
        open_leg(incident=incident, resolver_group=incident.assigned_group, by=last.by,
                 reason="Reopened", at=last.at)
