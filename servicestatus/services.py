"""Service status: setting it by hand, deriving it, and recording every change as an interval.

Everything that changes a status goes through `recompute_status`, which is
the one place intervals are opened and closed.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from kernel.process_cache import ProcessCache
from services.models import Service, ServiceDependency

from . import cache as status_cache
from .derivation import derived_causes
from .models import DOWN_STATUSES, Cause, ServiceState, Status, StatusInterval, Subscription
from .notify import status_changed

# The dependency graph, read by every recompute: kept per process, dropped within a
# second of an edge being added or removed (ServicestatusConfig.ready connects it).
GRAPH = ProcessCache("servicestatus.dependency-graph")


class StatusError(Exception):
    """A status change the rules do not allow; the message is shown to the user."""


@dataclass(frozen=True)
class StatusChange:
    service_id: int
    previous: str
    current: str
    interval: StatusInterval


def ensure_states(service_ids, now):
    """Create the state (Operational) and first interval of services that have none.

    get_or_create: two first recomputes racing for a new service create one state.
    """
    existing = set(ServiceState.objects.filter(service_id__in=service_ids)
                   .values_list("service_id", flat=True))
    for service_id in sorted(set(service_ids) - existing):
        _, created = ServiceState.objects.get_or_create(
            service_id=service_id, defaults={"status": Status.OPERATIONAL, "since": now})
        if created:
            StatusInterval.objects.create(service_id=service_id, status=Status.OPERATIONAL,
                                          start=now, cause=Cause.INITIAL)


def lock_states(service_ids):
    """Lock the state rows of `service_ids` in service id order; return them by service id.

    The one lock order for status work: two recomputes lock the rows they share in the
    same order, so they queue behind each other and never deadlock. (Event ingestion
    takes no state lock: it leaves the recompute to the worker, servicestatus.pending.)
    """
    rows = (ServiceState.objects.select_for_update(of=("self",)).select_related("service")
            .filter(service_id__in=service_ids).order_by("service_id"))
    return {state.service_id: state for state in rows}


def lock_all_states():
    """Lock every state row (in service id order); return them by service id."""
    return lock_states(ServiceState.objects.values("service_id"))


def dependency_graph():
    """Return the service dependency graph (kept per process; see GRAPH)."""
    return GRAPH.get("graph", ServiceDependency.objects.graph)


def _decide(state, causes):
    """Return (status, cause, reference, reason, set_by) for one service."""
    if state.manual_status:
        return (state.manual_status, Cause.MANUAL, "", state.manual_reason,
                state.manual_set_by_id)
    if state.auto_derive and causes:
        worst = causes[0]
        extra = f" (+{len(causes) - 1} more)" if len(causes) > 1 else ""
        return worst.status, worst.kind, worst.reference, (worst.reason + extra)[:500], None
    return Status.OPERATIONAL, Cause.RECOVERED, "", "", None


def _at_risk(graph, state, statuses, names):
    """Return (at_risk, because) for `state` given every service's current status."""
    down_upstream = sorted(names[i] for i in graph.upstream({state.service_id})
                           if statuses.get(i) in DOWN_STATUSES)
    at_risk = bool(down_upstream) and state.status not in DOWN_STATUSES
    return at_risk, ("Depends on " + ", ".join(down_upstream))[:500] if at_risk else ""


def _upstream_statuses(graph, states):
    """Return ({service_id: status}, {service_id: name}) of `states` and every service they
    depend on (the others are read without a lock: their own recompute locks ours)."""
    statuses = {i: s.status for i, s in states.items()}
    names = {i: s.service.name for i, s in states.items()}
    others = graph.upstream(set(states)) - set(states)
    if others:
        for service_id, status, name in (ServiceState.objects.filter(service_id__in=others)
                                         .values_list("service_id", "status", "service__name")):
            statuses[service_id], names[service_id] = status, name
    return statuses, names


def _refresh_at_risk(graph, states):
    """Mark every service that needs a down service as at risk; return True if any changed."""
    statuses, names = _upstream_statuses(graph, states)
    changed = False
    for state in states.values():
        at_risk, because = _at_risk(graph, state, statuses, names)
        if (state.at_risk, state.at_risk_because) != (at_risk, because):
            state.at_risk, state.at_risk_because = at_risk, because
            state.save(update_fields=["at_risk", "at_risk_because"])
            changed = True
    return changed


def _would_change(ids, affected, graph):
    """Derive without taking any lock; return True if a status, reason or at-risk marker
    of `affected` would change (or a state row is missing)."""
    states = {s.service_id: s for s in ServiceState.objects.filter(service_id__in=affected)
              .select_related("service")}
    if set(states) != affected:
        return True
    causes = derived_causes(ids)
    for service_id in ids:
        status, _, _, reason, _ = _decide(states[service_id], causes[service_id])
        if (status, reason) != (states[service_id].status, states[service_id].reason):
            return True
    statuses, names = _upstream_statuses(graph, states)
    return any(_at_risk(graph, state, statuses, names) != (state.at_risk, state.at_risk_because)
               for state in states.values())


def recompute_status(service_ids, *, now=None, check_first=True):
    """Re-derive the status of `service_ids`; record each change; return the StatusChanges.

    Locks only the state rows it may write: these services and the ones that depend on
    them (their at-risk marker). With `check_first` it derives first without any lock
    and stops there when nothing would change (the usual case for the sweep and for
    events); the coalesced worker task, which runs because something changed, goes
    straight to the lock. The derivation that is written is always made under the lock,
    so a recompute that raced a newer one never writes what it read before. The closing
    interval ends at the very instant the next one starts.
    """
    ids = sorted(set(service_ids))
    if not ids:
        return []
    graph = dependency_graph()
    affected = set(ids) | graph.downstream(ids)
    if check_first and not _would_change(ids, affected, graph):
        return []
    return _record_changes(ids, affected, graph, now=now or timezone.now())


@transaction.atomic
def _record_changes(ids, affected, graph, *, now):
    states = lock_states(affected)
    if set(states) != affected:  # dependents need a state row to carry their at-risk marker
        ensure_states(affected, now)
        states = lock_states(affected)
    causes = derived_causes(ids)
    changes = []
    for state in (states[i] for i in ids):
        status, cause, reference, reason, set_by_id = _decide(state, causes[state.service_id])
        if status == state.status:
            if reason != state.reason:
                state.reason = reason
                state.save(update_fields=["reason"])
            continue
        current = StatusInterval.objects.current().select_for_update().filter(
            service_id=state.service_id).first()
        if current is not None:
            current.end = max(now, current.start)
            current.save(update_fields=["end"])
        interval = StatusInterval.objects.create(
            service_id=state.service_id, status=status, start=now, cause=cause,
            cause_reference=reference, reason=reason, set_by_id=set_by_id,
        )
        changes.append(StatusChange(state.service_id, state.status, status, interval))
        state.status, state.since, state.reason = status, now, reason
        state.save(update_fields=["status", "since", "reason"])
    at_risk_changed = _refresh_at_risk(graph, states)
    if changes:
        for change in changes:
            status_changed(change)
    if changes or at_risk_changed:
        status_cache.invalidate_on_commit()
    return changes


def recompute_all(*, now=None):
    """Re-derive every active service (the beat sweep: expires event holds, heals misses)."""
    ids = list(Service.objects.active().values_list("pk", flat=True))
    return recompute_status(ids, now=now)


def _lock_state(service, now):
    ensure_states([service.pk], now)
    return lock_states({service.pk} | dependency_graph().downstream({service.pk}))[service.pk]


@transaction.atomic
def set_service_status(*, service, status, reason, by):
    """Set `service`'s status by hand (desk or Operations), overriding derivation until cleared."""
    if not policy.may_set_service_status(by):
        raise PermissionDenied("Only the desk and Switching Operations set service status.")
    if status not in Status.values:
        raise StatusError(f"Unknown status '{status}'.")
    reason = (reason or "").strip()
    if not reason:
        raise StatusError("Give a reason for the status change.")
    now = timezone.now()
    state = _lock_state(service, now)
    state.manual_status, state.manual_reason = status, reason[:500]
    state.manual_set_by, state.manual_set_at = by, now
    state.save(update_fields=["manual_status", "manual_reason", "manual_set_by", "manual_set_at"])
    recompute_status([service.pk], now=now)
    state.refresh_from_db()
    return state


@transaction.atomic
def return_to_automatic(*, service, reason, by):
    """Clear a manual status: the service's status is derived again from now."""
    if not policy.may_set_service_status(by):
        raise PermissionDenied("Only the desk and Switching Operations set service status.")
    now = timezone.now()
    state = _lock_state(service, now)
    if not state.manual_status:
        raise StatusError(f"{service.name} has no manual status to clear.")
    state.manual_status, state.manual_reason = "", (reason or "").strip()[:500]
    state.manual_set_by, state.manual_set_at = by, now
    state.save(update_fields=["manual_status", "manual_reason", "manual_set_by", "manual_set_at"])
    recompute_status([service.pk], now=now)
    state.refresh_from_db()
    return state


def services_citing(reference):
    """Return ids of services whose current status was caused by `reference`."""
    return set(StatusInterval.objects.current().filter(cause_reference=reference)
               .values_list("service_id", flat=True))


@transaction.atomic
def set_subscriptions(*, user, services, bulletin_kinds):
    """Make `user`'s status emails exactly: these services' status, these kinds of bulletin."""
    if not policy.may_read_catalogue(user):
        raise PermissionDenied("Sign in to subscribe.")
    Subscription.objects.filter(user=user).delete()
    Subscription.objects.bulk_create(
        [Subscription(user=user, service=service) for service in services]
        + [Subscription(user=user, bulletin_kind=kind) for kind in bulletin_kinds])
