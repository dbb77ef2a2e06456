"""Produce service reports: on demand, on the monthly schedule, with progress and history.

Rows first, work after commit: `request_report` writes a ServiceReport row
(queued) and enqueues the task with transaction.on_commit, so a lost task
leaves a visible queued row rather than nothing, and the scheduled run is
idempotent (one scheduled report per period and edition, a unique constraint).
"""

import logging
import traceback

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit, policy
from kernel.after_commit import enqueue_after_commit
from services.models import BusinessCalendar

from .errors import NotAllowed
from .kpis import definitions
from .kpis.engine import END_TO_END, PeriodKpis, Scope
from .models import ImprovementOpportunity, ServiceReport
from .periods import Kind, Period
from .reports import content as report_content
from .reports import pdf, xlsx
from .services import record_improvement

logger = logging.getLogger(__name__)

REPORT_SWEEP = "the report sweep (every minute)"


def _enqueue(report):
    from .tasks import generate_service_report

    enqueue_after_commit(generate_service_report, report.pk, sweep=REPORT_SWEEP)


@transaction.atomic
def request_report(*, by, period, edition=ServiceReport.Edition.INTERNAL) -> ServiceReport:
    """Queue a report for `period` (Switching Operations); the worker fills it in."""
    if not policy.may_generate_reports(by):
        raise NotAllowed("Only Switching Operations generate service reports.")
    report = ServiceReport.objects.create(period=period.key, edition=edition, requested_by=by,
                                          trigger=ServiceReport.Trigger.ON_DEMAND)
    _enqueue(report)
    return report


def first_working_day(year, month):
    calendar = BusinessCalendar.england_and_wales()
    day = Period.month(year, month).first
    return day if calendar.is_working_day(day) else calendar.add_working_days(day, 1)


def schedule_monthly(*, now=None):
    """On the first E&W working day of a month, queue both editions of last month's report.

    Idempotent: running it again that day (or on a later day) queues nothing more.
    Return the reports queued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if today < first_working_day(today.year, today.month):
        return []
    period = Period.containing(Kind.MONTH, now).previous()
    queued = []
    for edition in ServiceReport.Edition.values:
        try:
            with transaction.atomic():
                report = ServiceReport.objects.create(
                    period=period.key, edition=edition, trigger=ServiceReport.Trigger.SCHEDULE)
                _enqueue(report)
        except IntegrityError:
            continue
        queued.append(report)
    return queued


def generate(report_id, *, now=None):
    """Compute, render and store the report; record progress as it goes. Return the report."""
    report = ServiceReport.objects.get(pk=report_id)
    if report.status == ServiceReport.Status.READY:
        return report  # a retried task must not redo finished work
    report.status, report.started_at, report.progress = ServiceReport.Status.RUNNING, \
        timezone.now(), 5
    report.save(update_fields=["status", "started_at", "progress"])
    try:
        period = Period.parse(report.period)
        content = report_content.build(period, edition=report.edition, now=now,
                                       progress=report.set_progress)
        name = f"service-report-{period.key.replace('..', '_to_')}-{report.edition}"
        report.pdf.save(f"{name}.pdf", ContentFile(pdf.render(content)), save=False)
        report.set_progress(88)
        report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx.render(content)), save=False)
        report.csv.save(f"{name}.csv", ContentFile(xlsx.render_csv(content)), save=False)
        report.status, report.progress = ServiceReport.Status.READY, 100
        report.finished_at = timezone.now()
        fields = ["pdf", "xlsx", "csv", "status", "progress", "finished_at"]
        if report.edition == ServiceReport.Edition.PARTICIPANT:
            report.published_at = report.finished_at  # nothing internal in it: publish at once
            fields.append("published_at")
        report.save(update_fields=fields)
        if report.trigger == ServiceReport.Trigger.SCHEDULE and content.is_internal:
            propose_improvements(content)
    except Exception as exc:
        logger.exception("Service report %s failed", report.pk)
        report.status, report.finished_at = ServiceReport.Status.FAILED, timezone.now()
        report.error = f"{exc.__class__.__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        report.save(update_fields=["status", "finished_at", "error"])
    return report


def _below_target(result):
    return result is not None and result.met is False


def propose_improvements(content):
    """Propose a CSI entry for each KPI below target in this period and the one before.

    Looks at end-to-end KPIs with a target and each service's availability and SLA
    attainment. Idempotent: one proposal per KPI, scope and period, and none while an
    open entry for the same KPI and service exists. Return the entries created.
    """
    previous = PeriodKpis(content.period.previous(), now=content.generated_at)
    scopes = [(END_TO_END, content.end_to_end)]
    scopes += [(Scope(service=s), r) for s, r in content.by_service]
    created = []
    with audit.acting(actor=None, channel=audit.Channel.SYSTEM):
        for scope, results in scopes:
            candidates = [k for k in ("availability", "resolved_within_sla")
                          if _below_target(results.get(k))]
            if scope is END_TO_END:
                candidates = [k for k, r in results.items() if _below_target(r)]
            if not candidates:
                continue
            before = previous.results(scope)
            for key in candidates:
                if not _below_target(before.get(key)):
                    continue
                entry = _propose(key, scope, results[key], before[key], content.period)
                if entry is not None:
                    created.append(entry)
    return created


def _propose(key, scope, now_result, before_result, period):
    kpi = definitions.get(key)
    service = scope.service
    if ImprovementOpportunity.objects.open().filter(
            source=ImprovementOpportunity.Source.KPI_BREACH, kpi=key, service=service).exists():
        return None
    scope_code = service.code if service else "e2e"
    entry, created = record_improvement(
        by=None, title=f"{kpi.title} below target two periods running ({scope.label})",
        description=(f"{kpi.title} for {scope.label} was {before_result.value} in "
                     f"{period.previous().label} and {now_result.value} in {period.label} "
                     f"against a target of {now_result.target} ({kpi.unit})."),
        source=ImprovementOpportunity.Source.KPI_BREACH,
        source_reference=f"{key}:{scope_code}:{period.key}", kpi=key, service=service,
        dedup_key=f"kpi-breach:{key}:{scope_code}:{period.key}")
    return entry if created else None
