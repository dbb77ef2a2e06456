"""The one definition of each KPI (strategy s.10.9), in plain words, beside its key.

The dashboard, the service reports, the provider-return reconciliation and the
API all read this registry; the computation of each KPI is in
reporting/kpis/engine.py under the same key.

Which records belong to a period (half-open [start, end), UK-time midnights):
an incident or change counts in the period in which the measured event
happened. Incident counts use the time it was raised, response time the time
of the first response, resolution figures the time it was (finally) resolved,
escalations the time the breach was recorded, changes the time their outcome
was recorded. An incident raised in one month and resolved in the next
therefore counts as raised in the first and as resolved in the second.

Scopes: end to end means every record. Per service: incidents linked to the
service, changes with an impact row on it, the service's own availability. Per
provider: incidents linked to at least one of its services (counted once
however many of its services they name), its change notifications, and the
availability of its services taken together. Per severity: incident KPIs only,
by the incident's current severity (escalations: the severity at the breach).
Durations are elapsed real time (UTC arithmetic, so a clock change never adds
or loses an hour); the SLA percentage uses the incidents app's stored verdict,
which runs on business time and excludes pauses.
"""

from dataclasses import dataclass
from decimal import Decimal

HIGHER, LOWER = "higher", "lower"  # which direction is better

INCIDENTS, AVAILABILITY, CHANGES = "incidents", "availability", "changes"
FAMILIES = {
    AVAILABILITY: "Availability and interruptions",
    INCIDENTS: "Incidents",
    CHANGES: "Changes",
}


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    title: str
    unit: str  # "%", "count", "minutes", "hours"
    family: str
    definition: str  # plain words, shown in reports and the API
    target: Decimal | None = None  # default target; KpiSetting overrides
    better: str = HIGHER
    tolerance: Decimal = Decimal("0")  # default reconciliation tolerance, in `unit`
    by_severity: bool = False  # also reported per incident severity
    public: bool = True  # shown in the participant edition

    def met(self, value, target):
        """Return True/False if `value` meets `target`, None if either is missing."""
        if value is None or target is None:
            return None
        return value >= target if self.better == HIGHER else value <= target


KPIS = [
    KpiDefinition(
        "availability", "Service availability", "%", AVAILABILITY,
        "Share of agreed service time (inside each service's service hours, less planned "
        "maintenance agreed through Change Co-ordination) during which the service was not in "
        "partial or major outage, as measured by servicestatus.availability. For a group of "
        "services: total available time over total agreed service time; the target is then "
        "the service-time-weighted mean of the services' own targets (set in the catalogue).",
        target=None, tolerance=Decimal("0.05")),
    KpiDefinition(
        "interruptions", "Number of service interruptions", "count", AVAILABILITY,
        "Runs of consecutive partial or major outage of a service that overlap the period "
        "(a run crossing the period boundary counts in both periods).",
        better=LOWER, tolerance=Decimal("0")),
    KpiDefinition(
        "interruption_minutes", "Average duration of service interruptions", "minutes",
        AVAILABILITY,
        "Outage time inside agreed service time in the period, divided by the number of "
        "interruptions.", better=LOWER, tolerance=Decimal("5")),
    KpiDefinition(
        "major_changes", "Number of major changes", "count", CHANGES,
        "Change notifications of type major whose outcome (implemented, failed or backed out) "
        "was recorded in the period.", better=LOWER),
    KpiDefinition(
        "emergency_changes", "Number of emergency changes", "count", CHANGES,
        "Change notifications of type emergency whose outcome (implemented, failed or backed "
        "out) was recorded in the period.", better=LOWER),
    KpiDefinition(
        "incidents", "Number of incidents", "count", INCIDENTS,
        "Incidents raised in the period, by their current severity; cancelled incidents "
        "(withdrawn, raised in error, duplicates) are not counted.",
        better=LOWER, by_severity=True),
    KpiDefinition(
        "escalations", "Number of escalations", "count", INCIDENTS,
        "Incidents whose resolution target was breached, counted when the breach was recorded "
        "(once per incident), by the severity at the breach.", better=LOWER, by_severity=True),
    KpiDefinition(
        "response_minutes", "Average initial response time", "minutes", INCIDENTS,
        "For incidents first responded to in the period: the mean elapsed time from being "
        "raised to the desk's first response (the first move out of New).",
        better=LOWER, tolerance=Decimal("2"), by_severity=True),
    KpiDefinition(
        "resolution_hours", "Average resolution time", "hours", INCIDENTS,
        "For incidents resolved in the period (a reopened incident counts once, when finally "
        "resolved): the mean elapsed time from being raised to resolution, including any time "
        "pending.", better=LOWER, tolerance=Decimal("1"), by_severity=True),
    KpiDefinition(
        "resolved_within_sla", "Resolved within SLA", "%", INCIDENTS,
        "Of the incidents resolved in the period, the share whose resolution clock (business "
        "time on the target's calendar, stopped while pending on the participant) stayed "
        "within the severity's resolution target.",
        target=Decimal("95"), tolerance=Decimal("1"), by_severity=True),
]
REGISTRY = {kpi.key: kpi for kpi in KPIS}
KEYS = [kpi.key for kpi in KPIS]


def get(key):
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"Unknown KPI '{key}'. Known: {', '.join(KEYS)}.") from None


def settings_map():
    """Return {key: (target, tolerance)} with Switching Operations' overrides applied."""
    from ..models import KpiSetting

    values = {kpi.key: (kpi.target, kpi.tolerance) for kpi in KPIS}
    for row in KpiSetting.objects.filter(key__in=KEYS):
        values[row.key] = (row.target, row.tolerance)
    return values
