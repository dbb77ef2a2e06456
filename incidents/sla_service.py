"""Apply the incident SLA clocks to stored incidents: live figures, escalations, the sweep.

Every figure here comes from incidents.sla.replay (the one clock engine under it); this
module loads the rows, stores the result and records escalations once.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts import audit
from kernel.clocks.units import to_duration
from kernel.process_cache import ProcessCache

from . import notify
from .models import Escalation, Incident, SlaPolicy
from .sla import Target, replay

logger = logging.getLogger(__name__)

# The policy versions and their targets (with each calendar's holidays), read by every
# create and every SLA refresh: kept per process, dropped within a second of a change
# to a policy, a target, a calendar or a holiday (IncidentsConfig.ready connects it).
POLICIES = ProcessCache("incidents.sla-policies")


def policy_in_force(at=None):
    """Return the policy version in force at `at` (default now), or None (cached per process)."""
    at = at or timezone.now()
    versions = POLICIES.get("versions", lambda: list(SlaPolicy.objects.order_by("effective_from")))
    in_force = None
    for version in versions:
        if version.effective_from > at:
            break
        in_force = version
    return in_force


def policy_targets(policy, cache=None):
    """Return {severity: Target} for the policy version (each calendar's holidays loaded once).

    Kept per process (POLICIES); `cache` is an optional dict the caller keeps across
    incidents (the sweep, the correction run) for a run that must see one version.
    """
    if cache is not None:
        if policy.pk not in cache:
            cache[policy.pk] = _load_targets(policy)
        return cache[policy.pk]
    return POLICIES.get(("targets", policy.pk), lambda: _load_targets(policy))


def _load_targets(policy):
    calendars = {}
    targets = {}
    for row in policy.targets.select_related("calendar"):
        if row.calendar_id not in calendars:
            calendars[row.calendar_id] = row.calendar.maths
        maths = calendars[row.calendar_id]
        targets[row.severity] = Target(
            severity=row.severity, response=to_duration(row.response_amount, row.response_unit,
                                                        maths),
            resolution=to_duration(row.resolution_amount, row.resolution_unit, maths),
            calendar=maths, description=f"Sev{row.severity}: respond {row.response_text}, "
                                        f"resolve {row.resolution_text} ({row.calendar.name})")
    return targets


def figures_for(incident, *, now=None, targets=None):
    """Return SlaFigures rebuilt from the incident's transition and severity rows."""
    return _replay(incident, now=now or timezone.now(), transitions=incident.transitions.all(),
                   severity_events=incident.severity_changes.all(), targets=targets)


def _replay(incident, *, now, transitions, severity_events, targets=None):
    policy = incident.sla_policy
    return replay(created_at=incident.created_at, severity=incident.severity,
                  transitions=transitions, severity_events=severity_events,
                  targets=policy_targets(policy, targets),
                  pausing_reasons=policy.pausing_reasons(),
                  warning_percent=policy.warning_percent, now=now, policy_name=policy.name)


def initial_fields(incident):
    """Return the SLA fields of a new, unsaved incident (no history yet), so the insert
    carries them and no second write is needed."""
    figures = _replay(incident, now=incident.created_at, transitions=[], severity_events=[])
    return stored_fields(figures, recorded=set())


def _reached_levels(figures):
    """Yield (clock, level, due_at) the figures have reached (the engine's verdict: a
    cancelled incident's clocks are not measured, so nothing is reached after it)."""
    for clock in (figures.response, figures.resolution):
        if clock.warning_reached:
            yield clock.name, Escalation.Level.WARNING, clock.warn_at
        if clock.breached:
            yield clock.name, Escalation.Level.BREACH, clock.due_at


def _next_check(figures, recorded):
    """Return when the sweep should next look at this incident (the next warning or
    deadline of a running clock), or None."""
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
    for clock, level, due_at in _reached_levels(figures):
        if (clock, level) not in recorded and _record(incident, clock, level, due_at, now):
            recorded.add((clock, level))
    stored = stored_fields(figures, recorded)
    changed = [name for name, value in stored.items() if getattr(incident, name) != value]
    for name in changed:
        setattr(incident, name, stored[name])
    if changed:  # the sweep mostly finds nothing new: no write then
        incident.save(update_fields=changed)
    return figures


def stored_fields(figures, recorded):
    """Return the SLA fields stored on the incident for these figures (the verdicts are the
    engine's: breached means not met, and a cancelled incident is never breached)."""
    return {
        "response_due_at": figures.response.due_at,
        "resolution_due_at": figures.resolution.due_at,
        "sla_paused": figures.resolution.paused,
        "response_breached": figures.response.breached,
        "resolution_breached": figures.resolution.breached,
        "sla_next_check_at": _next_check(figures, recorded),
    }


def sweep(*, now=None, limit=500):
    """Record due warnings and breaches; return how many incidents were looked at.

    Uses the sla_next_check_at index; idempotent, so running it twice (or a lost
    beat) sends nothing twice: escalations are unique per incident, clock, level.
    """
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
