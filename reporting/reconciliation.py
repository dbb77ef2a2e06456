"""Set each provider's reported figure beside the one the CSMS measured, and chase returns.

A figure is flagged when the difference exceeds the KPI's tolerance
(KpiSetting, else the registry default), or when the CSMS has nothing to
compare it with. A return is late when received after its due date
(E&W working days after the month ends), missing when none has arrived by then.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organisation

from .kpis import definitions
from .kpis.engine import Scope
from .models import KpiReturn, KpiReturnFigure
from .returns import due_on


@dataclass(frozen=True)
class ReconciliationLine:
    provider: Organisation
    kpi: definitions.KpiDefinition
    service: object | None
    severity: int | None
    reported: Decimal
    measured: Decimal | int | None
    tolerance: Decimal

    @property
    def difference(self):
        if self.measured is None:
            return None
        return self.reported - Decimal(self.measured)

    @property
    def flagged(self):
        return self.difference is None or abs(self.difference) > self.tolerance

    @property
    def scope_label(self):
        label = self.service.name if self.service else "All services"
        return f"{label} · Sev{self.severity}" if self.severity else label


def current_returns(period):
    return (KpiReturn.objects.current().for_period(period.key).select_related("provider")
            .prefetch_related(Prefetch("figures",
                                       KpiReturnFigure.objects.select_related("service"))))


def reconcile(kpis, *, returns=None):
    """Return [ReconciliationLine] for every figure of the period's current returns."""
    returns = current_returns(kpis.period) if returns is None else returns
    cache = {}
    lines = []
    for kpi_return in returns:
        for figure in kpi_return.figures.all():
            scope = Scope(service=figure.service) if figure.service_id else \
                Scope(provider=kpi_return.provider)
            if scope not in cache:
                cache[scope] = kpis.results(scope)
            result = cache[scope][figure.kpi]
            measured = result.by_severity[figure.severity][0] if figure.severity else result.value
            lines.append(ReconciliationLine(
                provider=kpi_return.provider, kpi=definitions.get(figure.kpi),
                service=figure.service, severity=figure.severity, reported=figure.value,
                measured=measured, tolerance=kpis.targets[figure.kpi][1]))
    return lines


@dataclass(frozen=True)
class ReturnStatus:
    RECEIVED, LATE, MISSING, NOT_DUE = "received", "late", "missing", "not yet due"

    provider: Organisation
    due_on: object
    kpi_return: KpiReturn | None
    state: str

    @property
    def badge(self):
        return {self.RECEIVED: "ok", self.LATE: "warn", self.MISSING: "bad"}.get(self.state, "")


def expected_providers():
    """Return the CDS providers of active services: each owes a monthly return."""
    return Organisation.objects.providers().filter(
        services_provided__is_active=True).distinct().order_by("name")


def return_statuses(period, *, now=None, returns=None):
    """Return a ReturnStatus per expected provider for `period` (received, late, missing...)."""
    due = due_on(period)
    today = timezone.localdate(now or timezone.now())
    by_provider = {r.provider_id: r for r in
                   (current_returns(period) if returns is None else returns)}
    statuses = []
    for provider in expected_providers():
        kpi_return = by_provider.get(provider.pk)
        if kpi_return is not None:
            state = ReturnStatus.LATE if kpi_return.is_late else ReturnStatus.RECEIVED
        else:
            state = ReturnStatus.MISSING if today > due else ReturnStatus.NOT_DUE
        statuses.append(ReturnStatus(provider, due, kpi_return, state))
    return statuses
