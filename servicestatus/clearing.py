"""Events that clear (s.9.7 "ensure closure of events is handled appropriately").

A provider's monitoring sends a clear, as an event of severity "clear" or as any event
with state "resolved", under the same deduplication key as the event it ends. The clear
closes that event (it no longer folds repeats, and stops holding its service Degraded)
and, once every event behind an incident the events raised has cleared, asks the
incidents app to act: resolve the incident if no person has worked it, otherwise tell
whoever works it (incidents.services.event_cleared). This app sits above incidents and
calls its services; incidents never calls back.
"""

import logging

from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident

from .models import Event
from .services import recompute_status

logger = logging.getLogger(__name__)


def clear_event(*, by, service, source, dedup_key, message, occurred_at):
    """Close the newest active event of `dedup_key` on `service` from `by`'s organisation.

    Return (event, created): the closed event and False, or, when nothing was active under
    that key, the clear stored as an event of its own (already closed) and True. Runs
    inside ingest_event's transaction, after its lock on the service row.
    """
    event = (Event.objects.select_for_update().active()
             .filter(service=service, organisation_id=by.organisation_id, dedup_key=dedup_key)
             .exclude(severity=Event.Severity.CLEAR).order_by("-last_seen").first())
    if event is None:
        event = Event.objects.create(
            organisation_id=by.organisation_id, service=service, source=source,
            severity=Event.Severity.CLEAR, dedup_key=dedup_key, message=message,
            occurred_at=occurred_at, last_seen=occurred_at, cleared_at=occurred_at)
        return event, True
    event.cleared_at = occurred_at
    event.last_seen = max(event.last_seen, occurred_at)
    fields = ["cleared_at", "last_seen"]
    now = timezone.now()
    holding = event.degrades_until is not None and event.degrades_until > now
    if holding:
        event.degrades_until = min(occurred_at, now)
        fields.append("degrades_until")
    event.save(update_fields=fields)
    if holding:
        recompute_status([service.pk])
    if event.incident_id:
        _incident_event_cleared(event, message=message)
    return event, False


def _incident_event_cleared(event, *, message):
    """Tell the incidents app once the last active event behind the incident has cleared."""
    if Event.objects.active().filter(incident_id=event.incident_id).exists():
        return  # another event of the same incident is still active
    incident = Incident.objects.filter(pk=event.incident_id).first()
    if incident is None:
        return
    note = (f"The monitoring event that raised this incident cleared at "
            f"{timezone.localtime(event.cleared_at):%d %b %Y %H:%M} ({event.source}, "
            f"deduplication key {event.dedup_key}): {message}")
    try:
        outcome = incident_services.event_cleared(incident=incident, note=note)
    except Exception:  # the incident refused: the event stays cleared regardless
        logger.exception("Event %s cleared; incident %s not updated", event.pk, incident.pk)
        return
    logger.info("Event %s cleared; incident %s: %s", event.pk, incident.reference, outcome)
