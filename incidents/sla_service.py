"""Apply the SLA engine to stored incidents: live figures, escalations, the sweep."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from . import notify
from .models import Escalation, Incident, Status
from .sla import ClockEvent, SeverityEvent, Target, fmt_duration, replay  # noqa: F401

logger = logging.getLogger(__name__)


def target_for(incident):
    """Return the engine Target for the incident's severity under its pinned policy."""
    row = incident.sla_policy.target_for(incident.severity)
    return Target(
        severity=row.severity, response=row.response_duration(),
        resolution=row.resolution_duration(), calendar=row.calendar.maths,
        description=f"Sev{row.severity}: respond {row.response_text}, resolve "
                    f"{row.resolution_text} ({row.calendar.name})")


def figures_for(incident, *, now=None, targets=None):
    """Return SlaFigures rebuilt from the incident's transition and severity rows.

    `targets` is an optional dict the caller keeps across incidents (the sweep) so each
    (policy, severity) target and its calendar's holidays are loaded once.
    """
    events = [ClockEvent(at=t.at, to_status=t.to_status, pending_reason=t.pending_reason)
              for t in incident.transitions.all()]
    severity_events = [SeverityEvent(at=c.at, from_severity=c.from_severity,
                                     to_severity=c.to_severity, reason=c.reason)
                       for c in incident.severity_changes.all()]
    return _replay(incident, now=now or timezone.now(), events=events,
                   severity_events=severity_events, targets=targets)


def _replay(incident, *, now, events, severity_events, targets=None):
    key = (incident.sla_policy_id, incident.severity)
    if targets is None or key not in targets:
        target = target_for(incident)
        if targets is not None:
            targets[key] = target
    else:
        target = targets[key]
    policy = incident.sla_policy
    return replay(created_at=incident.created_at, events=events, target=target,
                  pausing_reasons=policy.pausing_reasons(),
                  warning_percent=policy.warning_percent, now=now,
                  severity_events=severity_events, policy_name=policy.name)


def initial_fields(incident):
    """Return the SLA fields of a new, unsaved incident (no history yet), so the insert
    carries them and no second write is needed."""
    figures = _replay(incident, now=incident.created_at, events=[], severity_events=[])
    return _stored(incident, figures, recorded=set())


def _reached_levels(incident, figures):
    """Yield (clock, level, due_at) the figures have reached; none for cancelled incidents."""
    if incident.status == Status.CANCELLED:
        return
    fraction = incident.sla_policy.warning_percent / 100
    for clock in (figures.response, figures.resolution):
        if clock.reached(fraction):
            yield clock.name, Escalation.Level.WARNING, clock.warn_at
        if clock.breached:
            yield clock.name, Escalation.Level.BREACH, clock.due_at


def _next_check(incident, figures, recorded):
    """Return when the sweep should next look at this incident, or None."""
    if incident.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
        return None
    moments = []
    for clock in (figures.response, figures.resolution):
        if not clock.running:
            continue
        if (clock.name, Escalation.Level.WARNING) not in recorded:
            moments.append(clock.warn_at)
        if (clock.name, Escalation.Level.BREACH) not in recorded:
            moments.append(clock.due_at)
    return min(moments) if moments else None


def _record(incident, clock, level, due_at, now):
    """Create the escalation once (the unique constraint decides); notify if we created it."""
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                incident=incident, clock=clock, level=level, severity=incident.severity,
                due_at=due_at, created_at=now)
    except IntegrityError:
        return None
    notify.escalation(escalation)
    return escalation


@transaction.atomic
def refresh_sla(incident, *, now=None, targets=None):
    """Recompute and store the incident's SLA figures; record warnings and breaches once.

    Called after every transition and severity change, and by the sweep.
    Return the SlaFigures.
    """
    now = now or timezone.now()
    figures = figures_for(incident, now=now, targets=targets)
    recorded = {(e.clock, e.level) for e in incident.escalations.all()}
    for clock, level, due_at in _reached_levels(incident, figures):
        if (clock, level) not in recorded and _record(incident, clock, level, due_at, now):
            recorded.add((clock, level))
    stored = _stored(incident, figures, recorded)
    changed = [name for name, value in stored.items() if getattr(incident, name) != value]
    for name in changed:
        setattr(incident, name, stored[name])
    if changed:  # the sweep mostly finds nothing new: no write then
        incident.save(update_fields=changed)
    return figures


def _stored(incident, figures, recorded):
    """Return the SLA fields stored on the incident for these figures."""
    counts = incident.status != Status.CANCELLED
    return {
        "response_due_at": figures.response.due_at,
        "resolution_due_at": figures.resolution.due_at,
        "sla_paused": figures.resolution.paused_since is not None,
        "response_breached": counts and figures.response.breached,
        "resolution_breached": counts and figures.resolution.breached,
        "sla_next_check_at": _next_check(incident, figures, recorded),
    }


def sweep(*, now=None, limit=500):
    """Record due warnings and breaches; return how many incidents were looked at.

    Uses the sla_next_check_at index; idempotent, so running it twice (or a lost
    beat) sends nothing twice: escalations are unique per incident, clock, level.
    """
    from accounts import audit

    now = now or timezone.now()
    targets = {}
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM), transaction.atomic():
        # One transaction per batch; rows another sweep holds are skipped, not waited for.
        incidents = list(Incident.objects.sla_check_due(now).order_by("sla_next_check_at")
                         .select_for_update(skip_locked=True, of=("self",))
                         .select_related("sla_policy")[:limit])
        prefetch_related_objects(incidents, "transitions", "severity_changes", "escalations")
        for incident in incidents:
            refresh_sla(incident, now=now, targets=targets)
    return len(incidents)


def auto_close(*, now=None):
    """Close incidents resolved longer ago than their policy's auto-close days."""
    from accounts import audit

    from .models import SlaPolicy

    now = now or timezone.now()
    closed = 0
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
        for policy in SlaPolicy.objects.all():
            cutoff = now - timedelta(days=policy.auto_close_days)
            ids = Incident.objects.filter(sla_policy=policy, status=Status.RESOLVED,
                                          resolved_at__lte=cutoff).values_list("pk", flat=True)
            for pk in list(ids):
                with transaction.atomic():
                    incident = Incident.objects.select_for_update().get(pk=pk)
                    if incident.status != Status.RESOLVED:
                        continue
                    incident.close(by=None, at=now, reason=f"Closed automatically "
                                   f"{policy.auto_close_days} days after resolution")
                    refresh_sla(incident, now=now)
                    incident.announce()
                    closed += 1
    return closed
