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
availability of its services taken together. Per severity: incident KPIs only;
incidents raised and response times by the incident's current severity,
resolution figures (resolution time, within SLA, escalations) by the severity
in force when the incident was resolved, the severity its verdict is judged on.
Durations are elapsed real time (UTC arithmetic, so a clock change never adds
or loses an hour); the SLA verdicts are the incidents' stored ones, written by
the one clock engine (kernel/clocks) on business time excluding pauses; every
rule is stated at /reports/how-sla-figures-are-computed/.

Cancelled incidents (withdrawn, raised in error, duplicates) are not measured
and are left out of every incident KPI.

Master incidents: one outage is counted once, through its master. An incident
gathered under a master incident (a child) is left out of every incident KPI
(raised, response, resolution, within SLA, escalations); the master's own
figures stand for the outage. A child is resolved with its master at the
master's resolution instant; unlinked again, it counts as any incident does.
(`CHILDREN_RULE` below, shown with every incident KPI.)

Service requests (s.10.11, computed in reporting/kpis/requests.py) count in the
period of the measured event too: volumes by submission, fulfilment figures by
the time the request was fulfilled. Their scopes are end to end, per catalogue
item, and per provider (requests for the catalogue items the provider fulfils);
they have no service or severity. The within-target verdict is the request's
stored one, written by the same clock engine and met() rule as incidents'.
"""

from dataclasses import dataclass
from decimal import Decimal

from ..models import KpiSetting

HIGHER, LOWER = "higher", "lower"  # which direction is better

CHILDREN_RULE = ("Incidents gathered under a master incident are counted once, through the "
                 "master: children are left out and the master's figures stand for the outage.")

INCIDENTS, AVAILABILITY, CHANGES = "incidents", "availability", "changes"
REQUESTS = "requests"
SECURITY = "security"
FAMILIES = {
    AVAILABILITY: "Availability and interruptions",
    INCIDENTS: "Incidents",
    CHANGES: "Changes",
    REQUESTS: "Service requests",
    SECURITY: "Information security",
}
# Families a provider reports for its total only (they have no per-service figure).
TOTAL_ONLY_FAMILIES = (CHANGES, REQUESTS)


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
    returned: bool = True  # providers report it in their monthly KPI return

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
        "Change notifications of type major whose outcome was recorded in the period, whether "
        "implemented, failed or backed out (s.10.9 does not say; we count every major change "
        "carried out, since each carried the major-change risk).", better=LOWER),
    KpiDefinition(
        "emergency_changes", "Number of emergency changes", "count", CHANGES,
        "Emergency changes implemented in the period (s.10.9): change notifications of type "
        "emergency whose outcome 'implemented' was recorded in the period. Emergency changes "
        "that failed or were backed out are reported on their own row, not in this count; a "
        "retrospective approval does not count the change again.", better=LOWER),
    KpiDefinition(
        "emergency_changes_unsuccessful", "Emergency changes failed or backed out", "count",
        CHANGES,
        "Change notifications of type emergency whose outcome 'failed' or 'backed out' was "
        "recorded in the period (not included in the number of emergency changes).",
        better=LOWER),
    KpiDefinition(
        "incidents", "Number of incidents", "count", INCIDENTS,
        "Incidents raised in the period (s.10.9 incidents by severity), by their current "
        "severity; cancelled incidents (withdrawn, raised in error, duplicates) are not "
        "counted. " + CHILDREN_RULE, better=LOWER, by_severity=True),
    KpiDefinition(
        "escalations", "Number of escalations", "count", INCIDENTS,
        "Incidents not resolved within the agreed resolution time (s.10.9): of the incidents "
        "resolved in the period, those whose resolution was done after the deadline of the "
        "severity in force at resolution. A downgraded incident resolved within its new "
        "target is not an escalation; an incident is never both an escalation and within SLA "
        "(escalations + within SLA = resolved). An incident still open past its deadline "
        "counts in the period in which it is resolved; breach warnings sent to Switching "
        "Operations are not what is counted. Cancelled incidents are left out. " + CHILDREN_RULE,
        better=LOWER, by_severity=True),
    KpiDefinition(
        "response_minutes", "Average initial response time", "minutes", INCIDENTS,
        "For incidents first responded to in the period: the mean elapsed time from being "
        "raised to the desk's first response (the first move out of New). Cancelled "
        "incidents are left out. " + CHILDREN_RULE,
        better=LOWER, tolerance=Decimal("2"), by_severity=True),
    KpiDefinition(
        "resolution_hours", "Average resolution time", "hours", INCIDENTS,
        "Resolution time by severity (s.10.9): for incidents resolved in the period (a "
        "reopened incident counts once, when finally resolved), the mean elapsed time from "
        "being raised to resolution, including any time pending, by the severity in force at "
        "resolution. " + CHILDREN_RULE, better=LOWER, tolerance=Decimal("1"), by_severity=True),
    KpiDefinition(
        "resolved_within_sla", "Resolved within SLA", "%", INCIDENTS,
        "% resolved within SLA (s.10.9): of the incidents resolved in the period, the share "
        "resolved at or before the deadline instant of the severity in force at resolution. "
        "The deadline is the business time of the target on its calendar (Sev4 on working "
        "days) from being raised, moved on by exactly the business time paused (pending on "
        "the participant, or between a resolution and a reopen). Exactly at the deadline is "
        "within; after it is not, even on a working-days calendar when no business time has "
        "passed since. Cancelled incidents are left out. " + CHILDREN_RULE,
        target=Decimal("95"), tolerance=Decimal("1"), by_severity=True),
    KpiDefinition(
        "requests", "Number of service requests", "count", REQUESTS,
        "Service requests submitted in the period (s.10.11 service request reporting), "
        "through the portal or the API or recorded by the desk from a call or an email, "
        "whatever happened to them afterwards; rejected requests count, cancelled ones "
        "(withdrawn by the requester or the desk) are not measured.", better=LOWER),
    KpiDefinition(
        "requests_fulfilled", "Service requests fulfilled", "count", REQUESTS,
        "Service requests whose fulfilment was recorded in the period (moved to Fulfilled), "
        "whenever they were submitted: a request submitted in one month and fulfilled in the "
        "next counts as submitted in the first and as fulfilled in the second."),
    KpiDefinition(
        "request_fulfilment_hours", "Average request fulfilment time", "hours", REQUESTS,
        "For the service requests fulfilled in the period: the mean elapsed real time from "
        "submission to fulfilment, including any time awaiting approval (the time the "
        "requester waited).", better=LOWER, tolerance=Decimal("1")),
    KpiDefinition(
        "requests_within_target", "Requests fulfilled within target", "%", REQUESTS,
        "Of the service requests fulfilled in the period, the share fulfilled at or before "
        "the deadline instant of their fulfilment target (s.10.11). The target is the "
        "catalogue item's request SLA policy, in the version in force when the request was "
        "submitted, counted in business time on that version's calendar from submission; "
        "while the request awaits approval the clock is paused if the version says so, "
        "moving the deadline on by exactly the business time paused. Exactly at the "
        "deadline is within; after it is not, even outside business hours. Rejected and "
        "cancelled requests have no fulfilment verdict and are left out.",
        target=Decimal("95"), tolerance=Decimal("1")),
    KpiDefinition(
        "security_incidents", "Information security incidents", "count", SECURITY,
        "Information security incidents (s.9.4) raised in the period, by their current "
        "severity; cancelled ones are not counted. End to end only, in the internal edition "
        "and for internal staff only: who may know of a security incident is limited "
        "(accounts.policy), so no per-service, per-provider or participant figure is given. "
        "Security incidents are also counted in the incident KPIs above (one SLA for every "
        "incident).", better=LOWER, by_severity=True, public=False, returned=False),
]
REGISTRY = {kpi.key: kpi for kpi in KPIS}
KEYS = [kpi.key for kpi in KPIS]
RETURNED_KEYS = [kpi.key for kpi in KPIS if kpi.returned]


def get(key):
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"Unknown KPI '{key}'. Known: {', '.join(KEYS)}.") from None


def settings_map():
    """Return {key: (target, tolerance)} with Switching Operations' overrides applied."""
    values = {kpi.key: (kpi.target, kpi.tolerance) for kpi in KPIS}
    for row in KpiSetting.objects.filter(key__in=KEYS):
        values[row.key] = (row.target, row.tolerance)
    return values
