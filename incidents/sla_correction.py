"""Correct every stored SLA figure from the rows (`manage.py sla_replay --all`).

Figures stored before a rule changed (the one "met" rule, deadlines that zero
business time cannot move, OLA legs that stop at resolution) are rebuilt by the
same replay the live path uses, in batches by primary key, writing only what
changed (in bulk, with an audit-trail row for each change, attributed to the
system). It is a correction of history, not news:
no escalation is recorded and nobody is emailed; live incidents get a fresh `sla_next_check_at`, so the sweep
raises whatever is now due.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts import audit

from .models import Escalation, Incident, IncidentTransition, ProviderTask, SeverityChange, TaskStatus
from .ola import END_REASONS
from .sla import SeverityEvent, Transition
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


def correct_legs(incident, legs, transitions, correction, *, now, calendars, writes):
    """End legs that ran on past a stop and open legs for reopens; fix OLA due times.

    Appends to `writes` (the batch's pending bulk writes) rather than saving.
    """
    for leg in legs:
        if leg.ola_target is not None:  # one calendar (and its holidays) per calendar row
            calendar = leg.ola_target.calendar
            leg.ola_target.calendar = calendars.setdefault(calendar.pk, calendar)
        spans = _held_spans(leg, transitions, now)
        if not spans:
            continue
        first, rest = spans[0], spans[1:]
        changes = {}
        ended = (first[1], first[2] or leg.ended_because)
        if (leg.ended_at, leg.ended_because) != ended:
            changes["ended_at"] = [leg.ended_at, ended[0]]
            changes["ended_because"] = [leg.ended_because, ended[1]]
            leg.ended_at, leg.ended_because = ended
            if ended[0] is not None and leg.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS):
                changes["status"] = [leg.status, TaskStatus.STOPPED]
                leg.status = TaskStatus.STOPPED
            correction.legs_ended += 1
        due = leg.ola_clock(now=now).due_at
        if due != leg.ola_due_at:
            changes["ola_due_at"] = [leg.ola_due_at, due]
            leg.ola_due_at = due
            correction.ola_due_changed += 1
        if changes:
            writes["legs"].append((leg, changes))
        for start, end, because in rest:
            new = ProviderTask(incident=incident, resolver_group_id=leg.resolver_group_id,
                                assigned_by=None, reason="Reopened (opened by the SLA "
                                "correction)", assigned_at=start, ended_at=end,
                                ended_because=because, ola_target=leg.ola_target,
                                status=TaskStatus.STOPPED if end else TaskStatus.OPEN)
            new.ola_due_at = new.ola_clock(now=now).due_at
            correction.legs_opened += 1
            writes["new_legs"].append(new)


def _grouped(rows):
    grouped = {}
    for incident_id, *values in rows:
        grouped.setdefault(incident_id, []).append(values)
    return grouped


def _load(ids):
    """Return the rows the replay needs for incidents `ids`, grouped by incident (plain
    tuples, not model instances: a whole history is millions of rows)."""
    transitions = _grouped(IncidentTransition.objects.filter(incident_id__in=ids)
                           .order_by("at", "pk").values_list(
                               "incident_id", "at", "to_status", "from_status",
                               "pending_reason"))
    changes = _grouped(SeverityChange.objects.filter(incident_id__in=ids).order_by("at", "pk")
                       .values_list("incident_id", "at", "from_severity", "to_severity",
                                    "reason"))
    escalations = _grouped(Escalation.objects.filter(incident_id__in=ids)
                           .values_list("incident_id", "clock", "level"))
    legs = {}
    for leg in ProviderTask.objects.filter(incident_id__in=ids).select_related(
            "ola_target__calendar").order_by("assigned_at", "pk"):
        legs.setdefault(leg.incident_id, []).append(leg)
    return ({k: [Transition(*v) for v in rows] for k, rows in transitions.items()},
            {k: [SeverityEvent(*v) for v in rows] for k, rows in changes.items()},
            {k: {tuple(v) for v in rows} for k, rows in escalations.items()}, legs)


def _write(writes):
    """Store the batch's changes in bulk and record each in the audit trail."""
    for model, rows in ((Incident, writes["incidents"]), (ProviderTask, writes["legs"])):
        by_fields = {}  # one bulk update per set of changed fields: most rows change one or two
        for instance, changes in rows:
            by_fields.setdefault(tuple(sorted(changes)), []).append(instance)
        for fields, instances in by_fields.items():
            model.objects.bulk_update(instances, fields, batch_size=1000)
    created = ProviderTask.objects.bulk_create(writes["new_legs"], batch_size=500)
    audit.record_bulk([(i, "update", c) for i, c in writes["incidents"]]
                      + [(leg, "update", c) for leg, c in writes["legs"]]
                      + [(leg, "create", None) for leg in created])


def correct_all(*, now=None, batch=1000, write=True, up_to_pk=None,
                progress=None) -> Correction:
    """Replay every incident's SLA figures and store what changed; return the Correction.

    `write=False` counts without writing (a dry run); `up_to_pk` stops after that incident.
    `progress(correction)` is called after each batch.
    """
    now = now or timezone.now()
    correction = Correction()
    targets, calendars = {}, {}
    last = 0
    upper = {"pk__lte": up_to_pk} if up_to_pk else {}
    while True:
        with transaction.atomic():
            # Locked while replayed, so a live transition cannot be overwritten.
            incidents = list(
                Incident.objects.filter(pk__gt=last, **upper).order_by("pk")
                .select_related("sla_policy").select_for_update(of=("self",))
                .only("reference", "title", "created_at", "severity", "status",
                      "sla_policy", *FIGURES, *BOOKKEEPING)[:batch])
            if not incidents:
                break
            transitions, changes, escalations, legs = _load([i.pk for i in incidents])
            writes = {"incidents": [], "legs": [], "new_legs": []}
            for incident in incidents:
                correction.incidents += 1
                before = correction.figures_changed
                rows = transitions.get(incident.pk, [])
                figures = _replay(incident, now=now, transitions=rows,
                                  severity_events=changes.get(incident.pk, []), targets=targets)
                stored = stored_fields(figures, escalations.get(incident.pk, set()))
                differs = {name: [getattr(incident, name), stored[name]]
                           for name in FIGURES + BOOKKEEPING
                           if getattr(incident, name) != stored[name]}
                if incident.sla_paused and figures.resolution.paused:
                    # A paused clock's due time moves on with the pause (it is "due if
                    # resumed now"); that is time passing, not a correction.
                    differs.pop("resolution_due_at", None)
                for name, (_, value) in differs.items():
                    setattr(incident, name, value)
                    if name in BOOKKEEPING:
                        correction.next_checks += 1
                    else:
                        correction.figures[name] += 1
                if differs:
                    writes["incidents"].append((incident, differs))
                correct_legs(incident, legs.get(incident.pk, []), rows, correction, now=now,
                             calendars=calendars, writes=writes)
                if correction.figures_changed != before:
                    correction.incidents_changed += 1
            if write:
                _write(writes)
            last = incidents[-1].pk
        if progress:
            progress(correction)
    return correction
