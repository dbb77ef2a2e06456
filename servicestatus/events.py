"""Event Management: ingest providers' monitoring events, fold repeats, act on exceptions."""

import functools
import hashlib
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts import policy
from incidents import services as incident_services
from incidents.models import Incident
from kernel import inserts
from services.models import Service

from .clearing import clear_event
from .models import Event, EventRule
from .pending import recompute_soon

logger = logging.getLogger(__name__)

# The state a monitoring system reports an event in (the API's `state`).
ACTIVE, RESOLVED = "active", "resolved"


def dedup_window():
    """Return how long after its last occurrence a repeat still folds into an event."""
    return getattr(settings, "SERVICESTATUS_EVENT_DEDUP_WINDOW", timedelta(minutes=10))


@transaction.atomic
def ingest_event(*, by, service, source, severity, dedup_key, message, occurred_at,
                 state=ACTIVE):
    """Store a monitoring event or fold it into a recent one with the same key; act on it.

    Return (event, created). Two repeats arriving together fold into one event
    instead of creating two: ingestion of one deduplication key is serialised
    (`_serialise_repeats`), while different keys are stored side by side. A clear
    (severity "clear", or state "resolved") closes the active event of its key instead
    (servicestatus.clearing); a closed event folds nothing more.
    """
    if not policy.may_post_event(by, service):
        raise PermissionDenied("You may report events only for services you provide.")
    if severity == Event.Severity.CLEAR or state == RESOLVED:
        _serialise_repeats(service, by.organisation_id, dedup_key)
        # A clear may close the last event behind an incident: clears of one service queue
        # on its row, so two arriving together cannot each see the other still active.
        list(Service.objects.select_for_update().filter(pk=service.pk).values_list("pk"))
        return clear_event(by=by, service=service, source=source, dedup_key=dedup_key,
                           message=message, occurred_at=occurred_at)
    existing = _foldable(service, by.organisation_id, dedup_key,
                         since=occurred_at - dedup_window())
    if existing is None:
        event = Event(
            organisation_id=by.organisation_id, service=service, source=source,
            severity=severity, dedup_key=dedup_key, message=message, occurred_at=occurred_at,
            last_seen=occurred_at,
        )
        if severity == Event.Severity.EXCEPTION:
            _act_on_exception(event, by=by, first=True)
        inserts.insert(event)  # one insert carrying the hold and the incident
        return event, True
    was_exception = existing.severity == Event.Severity.EXCEPTION
    existing.count += 1
    existing.last_seen = max(existing.last_seen, occurred_at)
    existing.message = message
    if _rank(severity) > _rank(existing.severity):
        existing.severity = severity  # a warning that became an exception escalates
    fields = ["count", "last_seen", "message", "severity"]
    if existing.severity == Event.Severity.EXCEPTION:
        fields += _act_on_exception(existing, by=by, first=not was_exception)
    existing.save(update_fields=fields)
    return existing, False


# Stand-ins for the lookup's four arguments while the ORM compiles it: distinct values, so
# each can be found among the compiled parameters.
_SENTINELS = (-7301, -7302, "\x00fold", datetime(1970, 1, 2, tzinfo=UTC))


@functools.cache
def _fold_statement(vendor):
    """Return the locking lookup of the event a repeat folds into, as the ORM compiles it
    (once per database vendor): (sql, which argument fills each parameter, the selected
    fields' attribute names, [(column, expression, converters)] for columns the database
    returns in another form than the field's, e.g. SQLite's datetimes as text).

    Every event runs this lookup; building and compiling the queryset anew cost about a
    tenth of an event's CPU in the web process (py-spy, 8 clients posting), and a raw
    queryset's per-call set-up (cloning the query, mapping columns to fields) another 2-4 %.
    """
    service_id, organisation_id, key, since = _SENTINELS
    query = (Event.objects.select_for_update().active()
             .filter(service_id=service_id, organisation_id=organisation_id, dedup_key=key,
                     last_seen__gte=since)
             .order_by("-last_seen")[:1]).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    place = {service_id: 0, organisation_id: 1, key: 2,
             connection.ops.adapt_datetimefield_value(since): 3}
    columns = [expression for expression, _, _ in compiler.select]
    converters = [(index, expression, found) for index, expression in enumerate(columns)
                  if (found := connection.ops.get_db_converters(expression)
                      + expression.get_db_converters(connection))]
    return (sql, [place[param] for param in params],
            [expression.target.attname for expression in columns], converters)


def _foldable(service, organisation_id, dedup_key, *, since):
    """Take the lock repeats of this key queue on (`_serialise_repeats`), then return the
    active event of this key last seen at or after `since`, locked, or None.

    PostgreSQL: the lock and the lookup go to the server as one message of two statements
    (one round trip, not two). Each statement of a message takes its own snapshot under
    READ COMMITTED, so the lookup sees an event a repeat committed while this one waited
    for the lock, as it would after a separate lock statement.
    """
    sql, slots, attnames, converters = _fold_statement(connection.vendor)
    values = (service.pk, organisation_id, dedup_key,
              connection.ops.adapt_datetimefield_value(since))
    params = [values[slot] for slot in slots]
    if connection.vendor == "postgresql":
        sql = f"{_ADVISORY_LOCK}; {sql}"
        params = [_repeat_lock_id(service, organisation_id, dedup_key), *params]
    else:
        _serialise_repeats(service, organisation_id, dedup_key)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, expression, functions in converters:
        for convert in functions:
            row[index] = convert(row[index], expression, connection)
    return Event.from_db(connection.alias, attnames, row)


_ADVISORY_LOCK = "SELECT pg_advisory_xact_lock(%s)"


def _repeat_lock_id(service, organisation_id, dedup_key):
    """Return the advisory lock id of (service, organisation, key): a 64-bit hash."""
    digest = hashlib.blake2b(f"{service.pk}:{organisation_id}:{dedup_key}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _serialise_repeats(service, organisation_id, dedup_key):
    """Hold, until this transaction ends, the lock that repeats of this event queue on.

    PostgreSQL: a transaction-scoped advisory lock on a hash of (service, organisation,
    key), so a monitoring system posting many distinct events at once is not queued
    behind one row (two keys sharing a hash merely wait for each other). Elsewhere the
    Service row is locked (SQLite has one writer anyway).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ADVISORY_LOCK,
                           [_repeat_lock_id(service, organisation_id, dedup_key)])
    else:
        list(Service.objects.select_for_update().filter(pk=service.pk).values_list("pk"))


def _rank(severity):
    return [Event.Severity.INFO, Event.Severity.WARNING, Event.Severity.EXCEPTION].index(severity)


def _act_on_exception(event, *, by, first):
    """Apply the service's first matching EventRule: hold it Degraded, raise or update an incident.

    Sets the event's fields and returns their names; the caller saves the event once. A
    repeat (first=False) only extends the Degraded hold: one comment per distinct event,
    not one per repeat, keeps the incident readable.
    """
    rule = EventRule.objects.for_service(event.service).first()
    if rule is None:
        return []
    fields = []
    if rule.set_degraded:
        was_degrading = event.degrades_until is not None and event.degrades_until > timezone.now()
        event.degrades_until = event.last_seen + rule.degraded_hold
        fields.append("degrades_until")
        if not was_degrading:
            recompute_soon([event.service_id])  # the worker marks it Degraded (coalesced)
    if rule.raise_incident and first and _raise_or_update_incident(event, rule=rule, by=by):
        fields += ["incident_id", "incident_reference"]
    return fields


def _open_event_incident(service):
    """Return the open incident earlier events on `service` raised, or None."""
    ids = (Event.objects.filter(service=service, incident_id__isnull=False)
           .values_list("incident_id", flat=True).distinct())
    return Incident.objects.open().filter(pk__in=list(ids)).order_by("-created_at").first()


def _raise_or_update_incident(event, *, rule, by):
    """Comment on the open event incident or raise one; return True if the event now
    names an incident. Both are atomic (a savepoint here): a refusal leaves the event."""
    text = (f"{event.get_severity_display()} from {event.source} at "
            f"{timezone.localtime(event.occurred_at):%d %b %Y %H:%M}: {event.message}\n"
            f"(deduplication key {event.dedup_key})")
    try:
        incident = _open_event_incident(event.service)
        if incident is not None:
            # Public: a provider's account may not write work notes; event incidents
            # are Sev3 by default, so they do not appear on the status page.
            incident_services.add_comment(incident=incident, author=by, body=text,
                                          public=True)
        else:
            incident = incident_services.raise_incident(
                organisation=by.organisation, raised_by=by,
                title=f"{event.service.name}: {event.message}"[:200], description=text,
                services=[event.service], severity=rule.incident_severity, channel="event",
            )
    except Exception:  # incidents app absent, or it refused: the event is kept regardless
        logger.exception("Event %s (%s): no incident raised or updated", event.pk,
                         event.dedup_key)
        return False
    event.incident_id, event.incident_reference = incident.pk, incident.reference
    return True


@transaction.atomic
def review_event(*, event, by):
    """Mark a warning as reviewed by the desk."""
    if not policy.may_review_events(by):
        raise PermissionDenied("Only the desk and Switching Operations review events.")
    event.reviewed_at, event.reviewed_by = timezone.now(), by
    event.save(update_fields=["reviewed_at", "reviewed_by"])
    return event


def event_trends(services, *, days=14, now=None):
    """Return {service_id: {date: {severity: occurrences}}} for the last `days` UK days."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = (
        Event.objects.filter(service__in=services, occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_default_timezone()))
        .values("service_id", "day", "severity").annotate(n=Sum("count"))
        .order_by("service_id", "day")
    )
    trends = {}
    for row in rows:
        by_day = trends.setdefault(row["service_id"], {})
        by_day.setdefault(row["day"], {})[row["severity"]] = row["n"]
    return trends
