"""Compute the KPIs of reporting/kpis/definitions.py for a period and a scope.

Incident and change KPIs are database aggregations (Count/Sum with filters over
duration expressions), grouped by severity in one query per scope, so the cost
does not grow with the number of incidents loaded into Python. Averages are
computed as summed duration / count from the aggregated rows, so the
end-to-end figure is exact (not a mean of means). Availability and
interruptions come from servicestatus.availability.measure, the one shared
definition of availability, called once per period for all services. The arithmetic
shared with the service request KPIs (requests.py) is in maths.py. Service request KPIs
join the end-to-end and provider scopes, and have a scope of their own per catalogue item.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Organisation
from changes.models import ChangeImpact, ChangeNotification, ChangeTransition
from incidents.models import Incident, SeverityChange
from servicerequests.models import RequestItem
from services.models import Service
from servicestatus import availability as availability_maths

from . import definitions
from . import requests as request_kpis
from .definitions import REGISTRY
from .maths import HOUR, MINUTE, quantize
from .maths import between as _between
from .maths import duration as _duration
from .maths import mean as _mean
from .maths import percent as _percent
from .maths import seconds as _seconds

SEVERITIES = (1, 2, 3, 4)
IncidentServices = Incident.services.through


@dataclass(frozen=True)
class Scope:
    """What a set of figures covers: end to end, one service, one provider, one severity or
    one request catalogue item (service request KPIs only)."""

    service: Service | None = None
    provider: object | None = None  # accounts.Organisation
    severity: int | None = None
    request_item: object | None = None  # servicerequests.RequestItem

    @property
    def label(self):
        if self.request_item is not None:
            return self.request_item.name
        if self.service is not None:
            return self.service.name
        if self.provider is not None:
            return self.provider.name
        if self.severity is not None:
            return f"Sev{self.severity}"
        return "End to end"

    @property
    def kind(self):
        for name in ("request_item", "service", "provider", "severity"):
            if getattr(self, name) is not None:
                return name
        return "end_to_end"


END_TO_END = Scope()


@dataclass
class KpiResult:
    """One KPI's figure: `population` is how many records (or services) it was computed from."""

    key: str
    value: Decimal | int | None
    population: int
    target: Decimal | None = None
    by_severity: dict = field(default_factory=dict)  # {severity: (value, population)}

    @property
    def definition(self):
        return REGISTRY[self.key]

    @property
    def met(self):
        return self.definition.met(self.value, self.target)


# --- scope filters (Exists, so an incident on two services is never counted twice) -------
def _incident_scope(scope, ref="pk"):
    q = Q()
    if scope.service is not None:
        q &= Q(Exists(IncidentServices.objects.filter(incident_id=OuterRef(ref),
                                                      service_id=scope.service.pk)))
    if scope.provider is not None:
        q &= Q(Exists(IncidentServices.objects.filter(incident_id=OuterRef(ref),
                                                      service__provider_id=scope.provider.pk)))
    return q


def _change_scope(scope):
    q = Q()
    if scope.provider is not None:
        q &= Q(change_notification__provider_id=scope.provider.pk)
    if scope.service is not None:
        q &= Q(Exists(ChangeImpact.objects.filter(
            change_notification_id=OuterRef("change_notification_id"),
            service_id=scope.service.pk)))
    return q


# --- the families -------------------------------------------------------------
def _severity_at_resolution(prefix=""):
    """Return the severity in force when the incident was resolved: the from-severity of the
    first severity change after the resolution, else the current severity."""
    later = SeverityChange.objects.filter(
        incident_id=OuterRef(f"{prefix}pk" if prefix else "pk"),
        at__gt=OuterRef(f"{prefix}resolved_at")).order_by("at", "pk")
    return Coalesce(Subquery(later.values("from_severity")[:1]), F(f"{prefix}severity"))


def _incident_aggregates(period, prefix=""):
    """Return (filter, aggregates) over incidents reached through `prefix` ("" or
    "incident__"): raised, responded and resolved in the period, with summed durations.

    Cancelled incidents and children of a master incident (counted through their master,
    definitions.CHILDREN_RULE) are left out of every figure. "within" and "escalated" read the
    stored resolution verdict, which the clock engine's one met() rule wrote (and which is
    judged on the severity in force at resolution), so the two always add up to "resolved".
    """
    f = prefix
    raised, responded, resolved = (_between(f"{f}{name}", period) for name in
                                   ("created_at", "responded_at", "resolved_at"))
    reached = ((raised | responded | resolved) & ~Q(**{f"{f}status": Incident.Status.CANCELLED})
               & Q(**{f"{f}master__isnull": True}))
    return reached, {
        "raised": Count("pk", filter=raised),
        "responded": Count("pk", filter=responded),
        "response_total": Sum(_duration(f"{f}responded_at", f"{f}created_at"), filter=responded),
        "resolved": Count("pk", filter=resolved),
        "resolution_total": Sum(_duration(f"{f}resolved_at", f"{f}created_at"), filter=resolved),
        "within": Count("pk", filter=resolved & Q(**{f"{f}resolution_breached": False})),
        "escalated": Count("pk", filter=resolved & Q(**{f"{f}resolution_breached": True})),
    }


def _of_severity(rows, severity):
    """Return the rows a severity scope keeps: that severity, now or at resolution."""
    if severity is None:
        return rows
    return {key: row for key, row in rows.items() if severity in key}


def incident_rows(period, scope):
    """Return {(severity, severity at resolution): aggregated figures} for incidents in
    `scope` (one query)."""
    reached, aggregates = _incident_aggregates(period)
    qs = Incident.objects.filter(_incident_scope(scope)).filter(reached)
    qs = qs.annotate(resolution_severity=_severity_at_resolution())
    rows = qs.order_by().values("severity", "resolution_severity").annotate(**aggregates)
    return _of_severity({(row.pop("severity"), row.pop("resolution_severity")): row
                         for row in rows}, scope.severity)


class _ServiceIds(Aggregate):
    """The ids of a group's services, comma-separated (in no particular order)."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _add_rows(into, rows):
    """Add aggregated rows {(severity, severity at resolution): figures} into `into`."""
    for key, row in rows.items():
        if key not in into:
            into[key] = dict(row)
            continue
        total = into[key]
        for name, value in row.items():
            if value is not None:
                total[name] = value if total[name] is None else total[name] + value


def incident_rows_by_service_set(period):
    """Return {frozenset of service ids: {(severity, severity at resolution): figures}} for
    the period's incidents, grouped by the set of services each names, in one query.

    Every incident is in exactly one group, so the figures of any scope are the sum of the
    groups it takes: end to end all of them, a service the sets holding it, a provider the
    sets holding any of its services. An incident naming two services of one provider is
    counted once for that provider, as the per-scope query (Exists) counts it.
    """
    reached, aggregates = _incident_aggregates(period)
    names = (IncidentServices.objects.filter(incident_id=OuterRef("pk")).order_by()
             .values("incident_id").annotate(ids=_ServiceIds("service_id")).values("ids"))
    rows = (Incident.objects.filter(reached)
            .annotate(resolution_severity=_severity_at_resolution(), service_ids=Subquery(names))
            .order_by().values("severity", "resolution_severity", "service_ids")
            .annotate(**aggregates))
    groups = {}
    for row in rows:
        ids = frozenset(int(i) for i in (row.pop("service_ids") or "").split(",") if i)
        key = (row.pop("severity"), row.pop("resolution_severity"))
        _add_rows(groups.setdefault(ids, {}), {key: row})
    return groups


def change_rows(period, scope):
    """Return {(change type, outcome): count} of changes whose outcome (implemented, failed
    or backed out) was recorded in the period."""
    qs = ChangeTransition.objects.filter(
        _between("at", period), to_status__in=ChangeNotification.OUTCOME_STATUSES,
        is_retrospective_approval=False).filter(_change_scope(scope))
    rows = (qs.order_by().values("change_notification__change_type", "to_status")
            .annotate(n=Count("change_notification", distinct=True)))
    return {(r["change_notification__change_type"], r["to_status"]): r["n"] for r in rows}


# Which severity each incident figure is grouped by: raised and responded by the current
# severity, resolution figures by the severity in force at resolution (s.10.9 escalations).
BY_CURRENT = ("raised", "responded", "response_total")
BY_RESOLUTION = ("resolved", "resolution_total", "within", "escalated")


def _incident_results(period, scope, targets, *, rows=None):
    """Return the incident KPIs; `rows` may be given already aggregated."""
    rows = incident_rows(period, scope) if rows is None else rows
    zero = timedelta(0)

    def total(name, severity=None):
        """Sum `name` over the rows (of one severity, grouped as the figure is)."""
        column = 0 if name in BY_CURRENT else 1
        start = zero if name.endswith("_total") else 0
        return sum((r[name] or start for key, r in rows.items()
                    if severity is None or key[column] == severity), start)

    def figures(severity=None):
        """Return {key: (value, population)} over every row, or over one severity's."""
        t = {name: total(name, severity) for name in (*BY_CURRENT, *BY_RESOLUTION)}
        return {
            "incidents": (t["raised"], t["raised"]),
            "escalations": (t["escalated"], t["resolved"]),
            "response_minutes": (_mean(t["response_total"], t["responded"], MINUTE),
                                 t["responded"]),
            "resolution_hours": (_mean(t["resolution_total"], t["resolved"], HOUR),
                                 t["resolved"]),
            "resolved_within_sla": (_percent(t["within"], t["resolved"]), t["resolved"]),
        }

    overall = figures()
    per_severity = {sev: figures(sev) for sev in SEVERITIES}
    if scope.severity is not None:  # a severity scope is that severity's figures
        overall = per_severity[scope.severity]
    results = {}
    for key, (value, population) in overall.items():
        results[key] = KpiResult(key, value, population, targets[key][0],
                                 {sev: per_severity[sev][key] for sev in SEVERITIES})
    return results


def _change_results(period, scope, targets):
    rows = change_rows(period, scope)
    E, T = ChangeNotification.Type, ChangeNotification.Status
    major = sum(n for (kind, _), n in rows.items() if kind == E.MAJOR)
    emergency = rows.get((E.EMERGENCY, T.IMPLEMENTED), 0)
    unsuccessful = rows.get((E.EMERGENCY, T.FAILED), 0) + rows.get((E.EMERGENCY, T.BACKED_OUT), 0)
    return {
        "major_changes": KpiResult("major_changes", major, major, targets["major_changes"][0]),
        "emergency_changes": KpiResult("emergency_changes", emergency, emergency,
                                       targets["emergency_changes"][0]),
        "emergency_changes_unsuccessful": KpiResult(
            "emergency_changes_unsuccessful", unsuccessful, unsuccessful,
            targets["emergency_changes_unsuccessful"][0]),
    }


def _security_results(period, targets):
    """Return the security-incident KPI (definitions: "security_incidents"), end to end."""
    rows = dict(Incident.objects.security().filter(_between("created_at", period))
                .exclude(status=Incident.Status.CANCELLED).order_by().values("severity")
                .annotate(n=Count("pk")).values_list("severity", "n"))
    total = sum(rows.values())
    return {"security_incidents": KpiResult(
        "security_incidents", total, total, targets["security_incidents"][0],
        {sev: (rows.get(sev, 0), rows.get(sev, 0)) for sev in SEVERITIES})}


def availability_results(measured, targets):
    """Return the availability-family KpiResults for a list of ServiceAvailability.

    The availability target always comes from the catalogue (each service's own target,
    service-time weighted for a group); a KpiSetting sets only its tolerance.
    """
    service_time = sum((m.service_time for m in measured), timedelta(0))
    downtime = sum((m.downtime for m in measured), timedelta(0))
    interruptions = sum(m.interruptions for m in measured)
    if service_time > timedelta(0):
        value = quantize(Decimal(100) * _seconds(service_time - downtime) / _seconds(service_time),
                         3)
        weighted = sum(m.target * _seconds(m.service_time) for m in measured)
        target = quantize(weighted / _seconds(service_time), 3)
    else:
        value, target = None, None
    return {
        "availability": KpiResult("availability", value, len(measured), target),
        "interruptions": KpiResult("interruptions", interruptions, interruptions,
                                   targets["interruptions"][0]),
        "interruption_minutes": KpiResult(
            "interruption_minutes", _mean(downtime, interruptions, MINUTE), interruptions,
            targets["interruption_minutes"][0]),
    }


def monthly_sla_trend(last, months, *, target):
    """Return [(Period, KpiResult resolved_within_sla)] for the `months` months ending with
    month `last`, in one query (same rule as the KPI: incidents resolved in the month, share
    not breaching the resolution target).

    Each incident is put in its month by comparing resolved_at with the months' boundaries
    (a CASE over the Period instants, an index range per month), not by truncating it to a
    UK month per row: the same months, at a third of the cost over a year of incidents.
    """
    periods = last.trailing(months)
    month = Case(*(When(resolved_at__lt=period.end, then=Value(i))
                   for i, period in enumerate(periods)), output_field=IntegerField())
    rows = (Incident.objects.filter(resolved_at__gte=periods[0].start,
                                    resolved_at__lt=periods[-1].end)
            .exclude(status=Incident.Status.CANCELLED).filter(master__isnull=True)
            .annotate(month=month).order_by().values("month")
            .annotate(resolved=Count("pk"), within=Count("pk", filter=Q(resolution_breached=False))))
    by_month = {r["month"]: (r["within"], r["resolved"]) for r in rows}
    trend = []
    for i, period in enumerate(periods):
        within, resolved = by_month.get(i, (0, 0))
        trend.append((period, KpiResult("resolved_within_sla", _percent(within, resolved),
                                        resolved, target)))
    return trend


class PeriodKpis:
    """The KPIs of one period, for any scope; availability is measured once and reused."""

    def __init__(self, period, *, now=None, services=None):
        self.period = period
        self.now = now
        self.targets = definitions.settings_map()
        self._services = services
        self._availability = None
        self._results = {}
        self._groups = None  # incident_rows_by_service_set, once preload() ran
        self._provider_of = {}

    @property
    def services(self):
        if self._services is None:
            self._services = list(Service.objects.active().select_related(
                "provider", "service_hours").order_by("name"))
        return self._services

    def availability(self):
        """Return [ServiceAvailability] for every active service (one call of the shared
        availability function)."""
        if self._availability is None:
            self._availability = availability_maths.measure(
                self.services, start=self.period.start, end=self.period.end, now=self.now)
        return self._availability

    def availability_of(self, scope):
        measured = self.availability()
        if scope.service is not None:
            return [m for m in measured if m.service_id == scope.service.pk]
        if scope.provider is not None:
            ids = {s.pk for s in self.services if s.provider_id == scope.provider.pk}
            return [m for m in measured if m.service_id in ids]
        return measured

    def results(self, scope=END_TO_END):
        """Return {kpi key: KpiResult} for `scope`, in registry order.

        A severity scope has only incident KPIs (availability and changes have no severity).
        Remembered per scope, so the report and the reconciliation share one computation.
        """
        if scope not in self._results:
            self._results[scope] = self._compute(scope)
        return self._results[scope]

    def preload(self):
        """Aggregate the incident KPIs of every scope in one query (instead of one per
        scope); later `results()` calls of any scope but a request item's sum its groups."""
        self._groups = incident_rows_by_service_set(self.period)
        self._provider_of = dict(Service.objects.values_list("pk", "provider_id"))

    def _in_scope(self, ids, scope):
        """Return True if an incident naming the services `ids` is in `scope` (the rule of
        _incident_scope, read from the preloaded groups)."""
        if scope.service is not None and scope.service.pk not in ids:
            return False
        return scope.provider is None or any(
            self._provider_of.get(i) == scope.provider.pk for i in ids)

    def _incident_rows(self, scope):
        if self._groups is None:
            return incident_rows(self.period, scope)
        rows = {}
        for ids, group in self._groups.items():
            if self._in_scope(ids, scope):
                _add_rows(rows, group)
        return _of_severity(rows, scope.severity)

    def _compute(self, scope):
        if scope.request_item is not None:
            return self.request_results(scope)
        results = _incident_results(self.period, scope, self.targets,
                                    rows=self._incident_rows(scope))
        if scope.severity is None:
            results.update(_change_results(self.period, scope, self.targets))
            measured = self.availability_of(scope)
            results.update(availability_results(measured, self.targets))
        if scope.severity is None and scope.service is None:
            results.update(self.request_results(scope))
        if scope == END_TO_END:
            results.update(_security_results(self.period, self.targets))
        return {key: results[key] for key in definitions.KEYS if key in results}

    def request_results(self, scope=END_TO_END, figures=None):
        """Return the service request KpiResults of an end-to-end, provider or item scope
        (`figures` may be given already aggregated)."""
        if figures is None:
            figures = request_kpis.request_figures(self.period, item=scope.request_item,
                                                   provider=scope.provider)
        return {key: KpiResult(key, value, population, self.targets[key][0])
                for key, (value, population) in figures.items()}

    def results_by_request_item(self):
        """Return [(item, {key: KpiResult})] for every active catalogue item and every item
        with requests in the period, in catalogue order (one query for the figures)."""
        by_item = request_kpis.request_figures_by_item(self.period)
        items = RequestItem.objects.filter(Q(is_active=True) | Q(pk__in=list(by_item)))
        return [(item, self.request_results(Scope(request_item=item),
                                             by_item.get(item.pk) or request_kpis.figures(None)))
                for item in items.order_by("order", "name")]

    def request_results_by_provider(self):
        """Return [(provider, {key: KpiResult})] for the providers that fulfil requests of
        the period, by name (one query for the figures)."""
        by_provider = request_kpis.request_figures_by_provider(self.period)
        providers = Organisation.objects.filter(pk__in=list(by_provider)).order_by("name")
        return [(p, self.request_results(Scope(provider=p), by_provider[p.pk]))
                for p in providers]

    def incident_results(self, scope=END_TO_END):
        """Return only the incident KPIs (one query, or none once preloaded)."""
        return _incident_results(self.period, scope, self.targets,
                                 rows=self._incident_rows(scope))

    def sla_trend(self, months):
        """Return the SLA attainment of this and the preceding periods, oldest first."""
        target = self.targets["resolved_within_sla"][0]
        if self.period.kind == "month":
            return monthly_sla_trend(self.period, months, target=target)
        return [(p, PeriodKpis(p, now=self.now).incident_results()["resolved_within_sla"])
                for p in self.period.trailing(months)]

    def changes_by_type(self, scope=END_TO_END):
        """Return {type label: count} of changes carried out in the period (every type, every
        outcome)."""
        rows = change_rows(self.period, scope)
        return {label: sum(n for (kind, _), n in rows.items() if kind == value)
                for value, label in ChangeNotification.Type.choices}

    def providers(self):
        """Return the organisations providing the active services, by name."""
        seen = {}
        for service in self.services:
            seen.setdefault(service.provider_id, service.provider)
        return sorted(seen.values(), key=lambda org: org.name)
