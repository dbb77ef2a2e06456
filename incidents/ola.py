"""OLA clocks of assignment legs: each leg's own events fed to the one clock engine.

A leg is one hand-off of an incident to a resolver group. Its OLA clock starts
when the group gets the incident and stops when the leg ends: the incident is
handed to another group, or it is resolved, cancelled or closed. A reopen opens
a new leg for the group that gets the incident back. So time used and the OLA
verdict stop growing once an incident is resolved.

The clock is `engine.run` over the leg's own start and stop, nothing special to
legs (AssignmentLeg.ola_clock), so any piece of work handed to a group (a provider
task) can have one the same way: kernel.clocks.work.work_clock.
"""

from .models import AssignmentLeg, OlaTarget

END_REASONS = {"resolved": "resolved", "cancelled": "cancelled", "closed": "closed"}


def open_leg(*, incident, resolver_group, by, reason="", at):
    """Start a leg (and its OLA clock) for `resolver_group`; the caller has ended any open one."""
    ola = OlaTarget.objects.filter(resolver_group=resolver_group,
                                   severity=incident.severity).select_related("calendar").first()
    leg = AssignmentLeg(incident=incident, resolver_group=resolver_group, assigned_by=by,
                        reason=reason, assigned_at=at, ola_target=ola)
    leg.ola_due_at = leg.ola_clock(now=at).due_at
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
