"""Correct every stored SLA figure from the rows (`manage.py sla_replay --all`).

Figures stored before a rule changed (the one "met" rule, deadlines that zero
business time cannot move, OLA legs that stop at resolution) are rebuilt by the
same replay the live path uses, in batches by primary key, writing only what
changed (each changed row saved on its own, so the audit trail shows the
correction, attributed to the system). It is a correction of history, not news:
no escalation is recorded and nobody is emailed; live incidents get a fresh `sla_next_check_at`, so the sweep
raises whatever is now due.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from .models import AssignmentLeg, Incident
from .ola import END_REASONS, ola_clock
from .sla_service import _replay, stored_fields

FIGURES = ["response_due_at", "resolution_due_at", "response_breached", "resolution_breached",
           "sla_paused"]
BOOKKEEPING = ["sla_next_check_at"]  # when the sweep looks next: stored, not a figure


@dataclass
class Correction:
    incidents: int = 0
    incidents_changed: int = 0
    figures: Counter = field(default_factory=Counter)  # stored field -> how many changed
    legs_ended: int = 0  # legs that ran on past a resolution, cancellation or closure
    legs_opened: int = 0  # legs opened for a reopen that had none
    ola_due_changed: int = 0
    next_checks: int = 0  # sweep times moved (bookkeeping, not counted as figures)

    @property
    def figures_changed(self):
        return sum(self.figures.values()) + self.legs_ended + self.legs_opened + \
            self.ola_due_changed

    def summary(self):
        detail = ", ".join(f"{name} {n}" for name, n in sorted(self.figures.items())) or "none"
        return (f"Replayed {self.incidents} incidents: {self.figures_changed} figures changed "
                f"on {self.incidents_changed} incidents (stored fields: {detail}; assignment "
                f"legs ended at resolution, cancellation or closure: {self.legs_ended}; legs "
                f"opened for reopens: {self.legs_opened}; OLA due times: "
                f"{self.ola_due_changed}). Next sweep times reset: {self.next_checks}.")


def _held_spans(leg, transitions, now):
    """Return the [(from, to or None, end reason)] a leg's group really held the incident:
    its span less the times the incident stood resolved, cancelled or closed."""
    end = leg.ended_at
    spans, start = [], leg.assigned_at
    for row in transitions:
        if row.at < leg.assigned_at or (end is not None and row.at >= end):
            continue
        if start is not None and row.to_status in END_REASONS:
            spans.append((start, row.at, END_REASONS[row.to_status]))
            start = None
        elif start is None and row.from_status == "resolved" and row.to_status == "in_progress":
            start = row.at
    if start is not None:
        spans.append((start, end, leg.ended_because if end else ""))
    return spans


def correct_legs(incident, correction, *, now, write, calendars):
    """End legs that ran on past a stop and open legs for reopens; fix OLA due times."""
    transitions = list(incident.transitions.all())
    for leg in list(incident.legs.all()):
        if leg.ola_target is not None:  # one calendar (and its holidays) per calendar row
            calendar = leg.ola_target.calendar
            leg.ola_target.calendar = calendars.setdefault(calendar.pk, calendar)
        spans = _held_spans(leg, transitions, now)
        if not spans:
            continue
        first, rest = spans[0], spans[1:]
        changed = []
        if (leg.ended_at, leg.ended_because) != (first[1], first[2] or leg.ended_because):
            leg.ended_at, leg.ended_because = first[1], first[2] or leg.ended_because
            changed += ["ended_at", "ended_because"]
            correction.legs_ended += 1
        due = ola_clock(leg, now=now).due_at
        if due != leg.ola_due_at:
            leg.ola_due_at = due
            changed.append("ola_due_at")
            correction.ola_due_changed += 1
        if write and changed:
            leg.save(update_fields=changed)
        for start, end, because in rest:
            new = AssignmentLeg(incident=incident, resolver_group=leg.resolver_group,
                                assigned_by=None, reason="Reopened (opened by the SLA "
                                "correction)", assigned_at=start, ended_at=end,
                                ended_because=because, ola_target=leg.ola_target)
            new.ola_due_at = ola_clock(new, now=now).due_at
            correction.legs_opened += 1
            if write:
                new.save(force_insert=True)


def correct_all(*, now=None, batch=1000, write=True, progress=None) -> Correction:
    """Replay every incident's SLA figures and store what changed; return the Correction.

    `write=False` counts without writing (a dry run). `progress(correction)` is called after
    each batch.
    """
    now = now or timezone.now()
    correction = Correction()
    targets, calendars = {}, {}
    last = 0
    while True:
        with transaction.atomic():
            incidents = list(
                # Locked while replayed, so a live transition cannot be overwritten.
                Incident.objects.filter(pk__gt=last).order_by("pk").select_related("sla_policy")
                .select_for_update(of=("self",))
                .prefetch_related("transitions", "severity_changes", "escalations",
                                  Prefetch("legs", queryset=AssignmentLeg.objects.select_related(
                                      "ola_target__calendar")))[:batch])
            if not incidents:
                break
            for incident in incidents:
                correction.incidents += 1
                before = correction.figures_changed
                figures = _replay(incident, now=now, transitions=incident.transitions.all(),
                                  severity_events=incident.severity_changes.all(),
                                  targets=targets)
                recorded = {(e.clock, e.level) for e in incident.escalations.all()}
                stored = stored_fields(figures, recorded)
                differs = [name for name in FIGURES + BOOKKEEPING
                           if getattr(incident, name) != stored[name]]
                if incident.sla_paused and figures.resolution.paused:
                    # A paused clock's due time moves on with the pause (it is "due if
                    # resumed now"); that is time passing, not a correction.
                    differs = [name for name in differs if name != "resolution_due_at"]
                for name in differs:
                    setattr(incident, name, stored[name])
                    if name in BOOKKEEPING:
                        correction.next_checks += 1
                    else:
                        correction.figures[name] += 1
                if differs and write:  # saved one by one: the audit trail records each
                    incident.save(update_fields=differs)
                correct_legs(incident, correction, now=now, write=write, calendars=calendars)
                if correction.figures_changed != before:
                    correction.incidents_changed += 1
            last = incidents[-1].pk
        if progress:
            progress(correction)
    return correction
