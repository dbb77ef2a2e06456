"""What the status page shows, built once per cache generation and shared by every reader.

Two variants: "public" (no sign-in: public services only, service-affecting
incidents with their public comments, no reasons typed by staff, no
organisation names) and "portal" (signed-in parties: every active service,
with reasons). Per-user parts (bulletins) are added by the views.
"""

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from changes.models import ChangeNotification
from incidents.models import Incident
from services.models import Service

from . import cache as status_cache
from .availability import daily_history, measure
from .models import (
    AT_RISK_MEANING,
    BADGE,
    SEVERITY_RANK,
    STATUS_MEANING,
    Bulletin,
    ServiceState,
    Status,
)

logger = logging.getLogger(__name__)

HISTORY_DAYS = 90
# Only open Sev1/Sev2 incidents (Incident.objects.service_affecting) appear on the status
# page: those affecting the service as a whole, not one participant's problem (s.10.9).
# The page lists the most severe, newest first, up to INCIDENTS_SHOWN and says how many
# are open in all: a storm of duplicates must not make every poller download megabytes.
INCIDENTS_SHOWN = 25


def _components(services, *, public):
    states = {s.service_id: s for s in ServiceState.objects.filter(service__in=services)}
    rows = []
    for service in services:
        state = states.get(service.pk)
        status = state.status if state else Status.OPERATIONAL
        row = {
            "code": service.code, "name": service.name, "status": status,
            "status_label": Status(status).label, "badge": BADGE[status],
            "since": state.since if state else None,
            "at_risk": bool(state and state.at_risk),
        }
        if not public:
            row["reason"] = state.reason if state else ""
            row["at_risk_because"] = state.at_risk_because if state else ""
        rows.append(row)
    return rows


def _incidents(services):
    """Return (rows of the incidents shown, how many are open in all)."""
    try:
        affecting = (Incident.objects.public().open_affecting()  # the partial index
                     .filter(services__in=services).distinct())
        incidents = list(
            affecting.prefetch_related(Prefetch("services", queryset=Service.objects.filter(
                pk__in=[s.pk for s in services])))
            .order_by("severity", "-created_at")[:INCIDENTS_SHOWN]
        )
        total = len(incidents) if len(incidents) < INCIDENTS_SHOWN else affecting.count()
    except Exception:  # incidents app absent or incomplete: the page still works
        logger.exception("Status page: could not read incidents")
        return [], 0
    rows = []
    for incident in incidents:
        rows.append({
            "reference": incident.reference, "title": incident.title,
            "status": incident.status, "status_label": incident.get_status_display(),
            "severity": incident.severity, "created_at": incident.created_at,
            "services": [s.code for s in incident.services.all()],
            "service_names": [s.name for s in incident.services.all()],
            "updates": _public_comments(incident),
        })
    return rows, total


def _public_comments(incident):
    try:
        comments = incident.comments.public().order_by("-created_at")[:10]
        return [{"at": c.created_at, "body": c.body} for c in comments]
    except Exception:  # comments not (yet) provided by the incidents app
        return []


def _changes(services, now):
    """Return (planned maintenance, emergency changes) affecting `services`, soonest first.

    An emergency change is not planned maintenance: it is listed on its own, so a reader
    never takes an urgent fix for a window agreed weeks ahead.
    """
    rows = _scheduled_changes(services, now)
    planned = [row for row in rows if not row["emergency"]]
    emergency = [row for row in rows if row["emergency"]]
    return planned, emergency


def _scheduled_changes(services, now):
    try:
        changes = list(
            ChangeNotification.objects.scheduled()
            .filter(planned_end__gt=now, impacts__service__in=services).distinct()
            .prefetch_related("impacts__service").order_by("planned_start")[:50]
        )
    except Exception:
        logger.exception("Status page: could not read the forward schedule")
        return []
    codes = {s.code for s in services}
    return [{
        "reference": change.reference, "title": change.title, "status": change.status,
        "status_label": change.get_status_display(),
        "change_type": change.change_type, "emergency": change.is_emergency,
        "start": change.planned_start, "end": change.planned_end,
        "services": [{"code": i.service.code, "name": i.service.name, "impact": i.impact,
                      "impact_label": i.get_impact_display()}
                     for i in change.impacts.all() if i.service.code in codes],
    } for change in changes]


def _history(services, now):
    history = daily_history(services, days=HISTORY_DAYS, now=now)
    start = history[services[0].pk][0][1].start if services else now
    overall = {r.service_id: r.availability for r in measure(services, start=start, end=now,
                                                             now=now)}
    return {
        service.code: {
            "availability_90d": overall[service.pk],
            "target": service.availability_target,
            "days": [{"date": day, "availability": r.availability,
                      "badge": _day_badge(r, service)} for day, r in history[service.pk]],
        }
        for service in services
    }


def _day_badge(result, service):
    if result.availability is None:
        return "none"
    if result.availability >= 100:
        return "ok"
    return "warn" if result.availability >= service.availability_target else "bad"


def _legend():
    """Return every state the page can show, worst last, with what it means; then "at risk"."""
    rows = [{"status": status, "label": Status(status).label, "badge": BADGE[status],
             "meaning": STATUS_MEANING[status]}
            for status in sorted(Status.values, key=lambda value: SEVERITY_RANK[value])]
    return [*rows, {"status": "at_risk", "label": "At risk", "badge": "warn",
                    "meaning": AT_RISK_MEANING}]


def _overall(components):
    worst = max((c["status"] for c in components), key=lambda s: SEVERITY_RANK[s],
                default=Status.OPERATIONAL)
    return {"status": worst, "status_label": Status(worst).label, "badge": BADGE[worst]}


def build(variant):
    """Return the status page data for `variant` ("public" or "portal")."""
    now = timezone.now()
    public = variant == "public"
    services = list((Service.objects.public() if public else Service.objects.active())
                    .select_related("service_hours").order_by("name"))
    components = _components(services, public=public)
    planned, emergency = _changes(services, now)
    incidents, incidents_open = _incidents(services)
    data = {
        "generated_at": now,
        "overall": _overall(components),
        "components": components,
        "legend": _legend(),
        "incidents": incidents,
        "incidents_open": incidents_open,  # in all; `incidents` lists INCIDENTS_SHOWN at most
        "maintenance": planned,
        "emergency_changes": emergency,
        "history": _history(services, now),
    }
    if public:
        data["bulletins"] = [
            {"id": b.pk, "kind": b.kind, "title": b.title, "body": b.body,
             "published_at": b.published_at}
            for b in Bulletin.objects.public().order_by("-published_at")[:20]
        ]
    return data


def get(variant):
    return status_cache.get_or_build(f"snapshot:{variant}", lambda: build(variant))


def public_json():
    """Return the public status as JSON bytes (the view caches them: cache.rendered)."""
    return json.dumps(get("public"), cls=DjangoJSONEncoder).encode()
