"""Demo data: KPI targets, last month's provider returns (one disagreeing, one late),
CSI entries with history, and last month's reports. Idempotent (natural keys)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, User
from kernel.periods import Kind, Period
from services.models import Service

from . import generation
from .kpis.engine import PeriodKpis, Scope
from .models import (
    ImprovementOpportunity,
    ImprovementTransition,
    KpiReturn,
    KpiReturnFigure,
    KpiSetting,
    ServiceReport,
)
from .models_providers import EscalationContact, ProviderRecord
from .provider_reviews import plan_review
from .returns import due_on

SETTINGS = {"resolved_within_sla": (Decimal("95"), Decimal("1")),
            "incidents": (None, Decimal("1")), "availability": (None, Decimal("0.05"))}

CSI = [
    ("demo:mpas-handoffs", "Automate hand-offs to the MPAS providers",
     "Incidents handed to MPAS providers by email wait on average 40 minutes for pick-up.",
     ImprovementOpportunity.Source.REVIEW, "Cut Sev3 resolution time by an hour.",
     ["approved", "in_progress"]),
    ("demo:css-pir", "Rehearse CSS database fail-over before upgrades",
     "The PIR of the CSS database upgrade found the fail-over runbook out of date.",
     ImprovementOpportunity.Source.PIR, "No overrun of planned maintenance windows.", []),
]


def seed(stdout):
    for key, (target, tolerance) in SETTINGS.items():
        KpiSetting.objects.update_or_create(key=key, defaults={"target": target,
                                                               "tolerance": tolerance})
    ops = User.objects.filter(username="ops").first()
    period = Period.containing(Kind.MONTH).previous()
    _returns(period, stdout)
    _csi(ops)
    _provider_records(ops, period)
    for edition in ServiceReport.Edition.values:
        report, _ = ServiceReport.objects.get_or_create(
            period=period.key, edition=edition, trigger=ServiceReport.Trigger.SCHEDULE)
        if report.status != ServiceReport.Status.READY:
            generation.generate(report.pk)
    stdout.write(f"reporting: targets, returns and reports for {period.label}, "
                 f"{len(CSI)} CSI entries")


def _returns(period, stdout):
    kpis = PeriodKpis(period)
    for code, offset, late in (("xoserve", Decimal("5"), False), ("gemserv", Decimal("0"), True)):
        provider = Organisation.objects.filter(short_code=code).first()
        user = User.objects.filter(organisation=provider, is_system_account=False).first()
        if provider is None or user is None or KpiReturn.objects.filter(
                provider=provider, period=period.key).exists():
            continue
        due = due_on(period)
        submitted = timezone.now()
        if late:  # Gemserv's arrives two days after it was due (if that is already past)
            submitted = min(submitted, timezone.make_aware(
                datetime.combine(due + timedelta(days=2), time(10, 0))))
        kpi_return = KpiReturn.objects.create(
            provider=provider, period=period.key, channel=KpiReturn.Channel.API,
            submitted_by=user, submitted_at=submitted, due_on=due,
            notes="Figures from our own service management tool.")
        results = kpis.results(Scope(provider=provider))
        for key in ("incidents", "resolved_within_sla", "escalations"):
            value = results[key].value or 0
            if key == "resolved_within_sla":
                value = min(Decimal(100), Decimal(value) + offset) if results[key].value else \
                    Decimal("100")
            KpiReturnFigure.objects.create(kpi_return=kpi_return, kpi=key, value=value)
        for service in Service.objects.active().filter(provider=provider):
            value = kpis.results(Scope(service=service))["availability"].value
            if value is not None:
                KpiReturnFigure.objects.create(kpi_return=kpi_return, kpi="availability",
                                               service=service, value=value)


def _csi(ops):
    for key, title, description, source, benefit, moves in CSI:
        entry, created = ImprovementOpportunity.objects.get_or_create(
            dedup_key=key, defaults={"title": title, "description": description,
                                     "source": source, "benefit": benefit, "owner": ops})
        if not created:
            continue
        ImprovementTransition.objects.create(opportunity=entry, to_status=entry.status, by=ops,
                                             reason="Recorded")
        for to in moves:
            if entry.owner_id:
                entry.transition(to=to, by=ops, reason="Agreed at the monthly service review")


# provider short code, agreement kind, reference, service hours
PROVIDER_RECORDS = [
    ("css-provider", "contract", "CSS-SP-2021-001", "24x7x365"),
    ("xoserve", "ola", "OLA-XOS-004", "24x7x365 except planned maintenance Sun 00:00-04:00"),
    ("gemserv", "ola", "OLA-GEM-002", "Mon-Sat 06:00-22:00 UK time"),
    ("dcc", "code", "SEC-DSP", "24x7x365"),
]


def _provider_records(ops, period):
    """A record per main CDS provider, with escalation contacts and last month's review."""
    for code, kind, reference, hours in PROVIDER_RECORDS:
        provider = Organisation.objects.filter(short_code=code).first()
        if provider is None:
            continue
        record, created = ProviderRecord.objects.get_or_create(provider=provider, defaults={
            "agreement_kind": kind, "agreement_reference": reference,
            "agreement_starts_on": datetime(2021, 6, 1).date(), "service_hours": hours})
        if created:
            for level, role in [(1, "Service desk"), (2, "Service delivery manager"),
                                (3, "Head of operations")]:
                EscalationContact.objects.create(
                    record=record, level=level, name=f"{provider.name} {role.lower()}",
                    role=role, email=provider.contact_email, hours="24x7" if level == 1 else
                    "Working hours")
        if ops and not provider.service_reviews.exists() and provider.services_provided.exists():
            plan_review(provider=provider, period=period, by=ops,
                        meeting_on=period.last + timedelta(days=10))
