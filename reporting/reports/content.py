"""What a service report says, computed once and rendered as PDF, XLSX and CSV.

The participant edition leaves out internal detail: the provider-vs-measured
reconciliation, return chasing, providers' notes, CSI entries and every
per-organisation figure (it keeps end-to-end, per-severity and per-public-service
figures, the same services the public status page shows, and the request figures of
the catalogue items parties outside the desk may ask for).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from servicerequests.models import Audience
from services.models import Service

from ..kpis import definitions
from ..kpis.engine import END_TO_END, SEVERITIES, PeriodKpis, Scope
from ..models import ServiceReport
from ..reconciliation import reconcile, return_statuses
from .formatting import fmt_value

TREND_MONTHS = 12
REQUEST_KEYS = [kpi.key for kpi in definitions.KPIS if kpi.family == definitions.REQUESTS]


@dataclass(frozen=True)
class ScopeTable:
    """A table of one KPI family's figures, one row per scope, that every renderer lays out
    the same way: `groups` is [(row label, {key: KpiResult})], `keys` the columns."""

    title: str
    label: str  # heading of the first column
    keys: list
    groups: list

    def header(self):
        return [self.label, *[definitions.get(key).title for key in self.keys]]

    def text_rows(self):
        """Return the header and the rows as text for people (PDF)."""
        return [self.header()] + [
            [name, *[fmt_value(results[key].value, results[key].definition.unit)
                     for key in self.keys]] for name, results in self.groups]


@dataclass
class ReportContent:
    period: object
    edition: str
    generated_at: datetime
    end_to_end: dict
    by_service: list  # [(Service, {key: KpiResult})]
    by_provider: list = field(default_factory=list)  # internal only
    by_request_item: list = field(default_factory=list)  # [(RequestItem, {key: KpiResult})]
    requests_by_provider: list = field(default_factory=list)  # internal only, fulfilling ones
    trend: list = field(default_factory=list)  # [(Period, KpiResult resolved_within_sla)]
    changes_by_type: dict = field(default_factory=dict)
    reconciliation: list = field(default_factory=list)  # internal only
    return_statuses: list = field(default_factory=list)  # internal only

    @property
    def is_internal(self):
        return self.edition == ServiceReport.Edition.INTERNAL

    @property
    def title(self):
        suffix = "" if self.is_internal else " (participant edition)"
        return f"End-to-end switching service report: {self.period.label}{suffix}"

    def definitions(self):
        return [kpi for kpi in definitions.KPIS if self.is_internal or kpi.public]

    @property
    def sla_rules_url(self):
        """Return the address of the "How SLA figures are computed" page the report cites."""
        from django.conf import settings
        from django.urls import reverse

        return settings.SITE_URL + reverse("reporting:sla_rules")

    def definition_notes(self):
        """Return the definitions section's opening notes (the choices the source leaves open)."""
        return [
            "Periods are UK-time calendar months; an incident counts in the period in which "
            "the measured event happened (raised, first responded to, resolved).",
            "Cancelled incidents (withdrawn, raised in error, duplicates) are not measured: "
            "their SLA clocks stop at the cancellation and every incident KPI leaves them out.",
            "An SLA target is met if and only if the work is done at or before the deadline "
            "instant; escalations and incidents within SLA are judged on the severity in "
            "force at resolution, so together they make up the incidents resolved.",
            f"How SLA figures are computed (every rule, with a worked example per severity): "
            f"{self.sla_rules_url}",
        ]

    def scope_tables(self):
        """Return the [ScopeTable] of families laid out by scope beyond the fixed sections:
        service requests per catalogue item and (internal edition) per provider."""
        tables = [ScopeTable("Service requests by catalogue item", "Catalogue item",
                             REQUEST_KEYS, [(i.name, r) for i, r in self.by_request_item])]
        if self.is_internal:
            tables.append(ScopeTable(
                "Service requests by fulfilling provider", "Provider", REQUEST_KEYS,
                [(p.name, r) for p, r in self.requests_by_provider]))
        return tables

    def rows(self):
        """Yield flat rows (scope kind, scope, kpi, severity, result value, population, target,
        met) for CSV and checks; severity rows for KPIs reported by severity."""
        groups = [("end_to_end", "End to end", self.end_to_end)]
        groups += [("service", s.code, r) for s, r in self.by_service]
        groups += [("provider", p.short_code, r) for p, r in self.by_provider]
        groups += [("request_item", i.code, r) for i, r in self.by_request_item]
        groups += [("request_provider", p.short_code, r) for p, r in self.requests_by_provider]
        for kind, name, results in groups:
            for key, result in results.items():
                kpi = result.definition
                yield (kind, name, key, None, result.value, result.population, result.target,
                       result.met, kpi.unit)
                if kpi.by_severity and kind == "end_to_end":
                    for sev in SEVERITIES:
                        value, population = result.by_severity[sev]
                        yield (kind, name, key, sev, value, population, None, None, kpi.unit)


def build(period, *, edition, now=None, progress=lambda percent: None):
    """Return the ReportContent of `period` for `edition`, calling progress(percent) as it goes."""
    now = now or timezone.now()
    internal = edition == ServiceReport.Edition.INTERNAL
    services = Service.objects.active().select_related("provider", "service_hours")
    if not internal:
        services = services.filter(is_public=True)
    kpis = PeriodKpis(period, now=now, services=list(services.order_by("name")))
    kpis.preload()  # every scope's incident figures from one query
    end_to_end = {key: result for key, result in kpis.results(END_TO_END).items()
                  if internal or result.definition.public}
    content = ReportContent(period=period, edition=edition, generated_at=now,
                            end_to_end=end_to_end, by_service=[])
    progress(20)
    for service in kpis.services:
        content.by_service.append((service, kpis.results(Scope(service=service))))
    progress(45)
    if internal:
        content.by_provider = [(p, kpis.results(Scope(provider=p))) for p in kpis.providers()]
    content.by_request_item = [
        (item, results) for item, results in kpis.results_by_request_item()
        if internal or item.audience != Audience.INTERNAL]
    if internal:
        content.requests_by_provider = kpis.request_results_by_provider()
    progress(60)
    content.trend = kpis.sla_trend(TREND_MONTHS)
    content.changes_by_type = kpis.changes_by_type()
    progress(70)
    if internal:
        content.reconciliation = reconcile(kpis)
        content.return_statuses = return_statuses(period, now=now)
    progress(75)
    return content
