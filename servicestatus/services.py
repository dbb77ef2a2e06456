"""Service status: setting it by hand, deriving it, and recording every change as an interval.

Everything that changes a status goes through `recompute_status`, which is
the one place intervals are opened and closed.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from services.models import Service, ServiceDependency

from . import cache as status_cache
from .derivation import derived_causes
from .models import DOWN_STATUSES, Cause, ServiceState, Status, StatusInterval, Subscription
from .notify import status_changed


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


def lock_all_states():
    """Lock every state row, in service id order, and return them by service id.

    The one lock order for status work: a recompute also rewrites the at-risk
    marker of services it was not asked about, so locking only some rows
    could deadlock two recomputes. The catalogue has tens of services.
    """
    rows = (ServiceState.objects.select_for_update(of=("self",)).select_related("service")
            .order_by("service_id"))
    return {state.service_id: state for state in rows}


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


def _refresh_at_risk(graph, states):
    """Mark every service that needs a down service as at risk; return True if any changed."""
    down = {s.service_id: s.service.name for s in states if s.status in DOWN_STATUSES}
    changed = False
    for state in states:
        down_upstream = sorted(down[i] for i in graph.upstream({state.service_id}) if i in down)
        at_risk = bool(down_upstream) and state.status not in DOWN_STATUSES
        because = ("Depends on " + ", ".join(down_upstream))[:500] if at_risk else ""
        if (state.at_risk, state.at_risk_because) != (at_risk, because):
            state.at_risk, state.at_risk_because = at_risk, because
            state.save(update_fields=["at_risk", "at_risk_because"])
            changed = True
    return changed


@transaction.atomic
def recompute_status(service_ids, *, now=None):
    """Re-derive the status of `service_ids`; record each change; return the StatusChanges.

    Locks every state row (lock_all_states) so concurrent signals cannot open
    two intervals for a service. The closing interval ends at the very
    instant the next one starts.
    """
    now = now or timezone.now()
    ids = sorted(set(service_ids))
    if not ids:
        return []
    graph = ServiceDependency.objects.graph()
    # Dependents need a state row too, to carry their "at risk" marker.
    ensure_states(set(ids) | graph.downstream(ids), now)
    all_states = lock_all_states()
    causes = derived_causes(ids)
    changes = []
    for state in (all_states[i] for i in ids):
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
    at_risk_changed = _refresh_at_risk(graph, all_states.values())
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
    return lock_all_states()[service.pk]


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
