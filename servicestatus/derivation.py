"""Where a service's status comes from when it is derived automatically.

Each source returns, for the given services, the causes that apply now as
`Cause(service_id, status, kind, reference, reason)`. The incidents and
changes apps are imported inside the functions: this app must work (and its
tests pass) while either is absent or incomplete, in which case its source
simply contributes nothing.
"""

from dataclasses import dataclass

from django.core.exceptions import FieldError
from django.utils import timezone

from changes.models import ChangeImpact
from incidents.models import OPEN_STATUSES, SERVICE_AFFECTING_SEVERITIES, Incident

from .models import SEVERITY_RANK, Cause, Event, Status

# An open service-affecting incident of these severities marks its services.
# Sev1 (prevents a large group of participants using live services) is a
# major outage; Sev2 (live service at reduced capacity) is degraded (s.10.9).
INCIDENT_SEVERITY_STATUS = {1: Status.MAJOR_OUTAGE, 2: Status.DEGRADED}


@dataclass(frozen=True)
class DerivedCause:
    service_id: int
    status: str
    kind: str
    reference: str
    reason: str


def incident_causes(service_ids):
    """Open Sev1/Sev2 incidents of `service_ids`, read from the incident-service links of
    the few incidents in the partial index (inc_open_affecting_idx): the cost does not
    grow with the number of incidents ever raised."""
    try:
        rows = list(
            Incident.services.through.objects
            .filter(service_id__in=service_ids, incident__status__in=OPEN_STATUSES,
                    incident__severity__in=SERVICE_AFFECTING_SEVERITIES)
            .values_list("service_id", "incident__severity", "incident__reference",
                         "incident__title")
            .exclude(incident__kind="security", incident__released_at__isnull=True)  # public only
            .order_by()
        )
    except (ImportError, AttributeError, FieldError):
        return []
    return [
        DerivedCause(service_id, INCIDENT_SEVERITY_STATUS[severity], Cause.INCIDENT, reference,
                     f"Sev{severity} incident {reference}: {title}"[:500])
        for service_id, severity, reference, title in rows
        if severity in INCIDENT_SEVERITY_STATUS
    ]


def change_causes(service_ids):
    try:
        rows = list(
            ChangeImpact.objects.filter(
                service_id__in=service_ids, impact="outage",
                change_notification__status="in_progress",
            ).values_list("service_id", "change_notification__reference",
                          "change_notification__title")
        )
    except (ImportError, AttributeError, FieldError):
        return []
    return [
        DerivedCause(service_id, Status.UNDER_MAINTENANCE, Cause.CHANGE, reference,
                     f"Planned work {reference}: {title}"[:500])
        for service_id, reference, title in rows
    ]


def event_causes(service_ids):
    rows = (
        Event.objects.degrading(timezone.now())
        .filter(service_id__in=service_ids)
        .order_by("service_id", "-last_seen")
        .values_list("service_id", "dedup_key", "message")
    )
    return [
        DerivedCause(service_id, Status.DEGRADED, Cause.EVENT, key[:60],
                     f"Monitoring exception: {message}"[:500])
        for service_id, key, message in rows
    ]


SOURCES = [incident_causes, change_causes, event_causes]


def derived_causes(service_ids):
    """Return {service_id: [DerivedCause, ...]} from every source, worst first."""
    by_service = {service_id: [] for service_id in service_ids}
    for source in SOURCES:
        for cause in source(set(service_ids)):
            by_service[cause.service_id].append(cause)
    for causes in by_service.values():
        causes.sort(key=lambda c: (-SEVERITY_RANK[c.status], c.kind, c.reference))
    return by_service
