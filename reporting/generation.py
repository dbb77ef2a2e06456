"""Produce service reports: on demand, on the monthly schedule, with progress and history.

Rows first, work after commit: `request_report` writes a ServiceReport row
(queued) and enqueues the task after commit, so a lost task leaves a visible
queued row rather than nothing, and the scheduled run is idempotent (one
scheduled report per period and edition, a unique constraint).

Jobs cannot hang: a worker claims a queued report (queued -> running in one
UPDATE, so a repeated task does nothing) and records a heartbeat every
REPORT_HEARTBEAT_SECONDS while it works. The beat sweep (`sweep`, every minute)
marks a running report whose heartbeat is older than REPORT_STALE_SECONDS as
failed, saying why, and re-enqueues a report queued for longer than
REPORT_REQUEUE_SECONDS (its task was lost, e.g. requested while the broker was
down). A failed report offers "Try again" (`retry_report`).
"""

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import audit, policy
from kernel.after_commit import enqueue_after_commit
from kernel.db_router import replica_reads
from kernel.jobs import heartbeat
from kernel.periods import Kind, Period
from services.models import BusinessCalendar

from .errors import InvalidTransition, NotAllowed
from .kpis import definitions
from .kpis.engine import END_TO_END, PeriodKpis, Scope
from .models import ImprovementOpportunity, ServiceReport
from .reports import content as report_content
from .reports import pdf, xlsx
from .services import record_improvement

logger = logging.getLogger(__name__)

REPORT_SWEEP = "the report sweep (every minute)"


def _enqueue(report):
    ServiceReport.objects.filter(pk=report.pk).update(enqueued_at=timezone.now())
    enqueue_after_commit("reporting.tasks.generate_service_report", report.pk,
                         sweep=REPORT_SWEEP)


def heartbeat_seconds():
    return float(getattr(settings, "REPORT_HEARTBEAT_SECONDS", 15))


def stale_after():
    """Return how long a running report may go without a heartbeat before it is failed."""
    return timedelta(seconds=float(getattr(settings, "REPORT_STALE_SECONDS", 120)))


def requeue_after():
    """Return how long a report may stay queued before the sweep sends its task again."""
    return timedelta(seconds=float(getattr(settings, "REPORT_REQUEUE_SECONDS", 120)))


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


def _claim(report_id):
    """Move a queued report to running for this worker; return it, or None if it is not queued.

    One conditional UPDATE, so of two tasks for the same report (the sweep re-enqueued
    it while the first was still waiting in the queue) exactly one does the work.
    """
    started = timezone.now()
    claimed = ServiceReport.objects.filter(pk=report_id, status=ServiceReport.Status.QUEUED).update(
        status=ServiceReport.Status.RUNNING, started_at=started, heartbeat_at=started,
        progress=5, attempts=F("attempts") + 1)
    return ServiceReport.objects.get(pk=report_id) if claimed else None


def generate(report_id, *, now=None):
    """Compute, render and store a queued report, with progress and a heartbeat. Return it.

    A report that is not queued (running elsewhere, ready, failed) is left as it is.
    """
    report = _claim(report_id)
    if report is None:
        return ServiceReport.objects.filter(pk=report_id).first()
    with heartbeat(ServiceReport.objects.filter(pk=report.pk), every=heartbeat_seconds()):
        _produce(report, now=now)
    return report


def _produce(report, *, now):
    try:
        period = Period.parse(report.period)
        with replica_reads():  # KPI work reads the replica, if any, not the primary
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


def sweep(*, now=None):
    """Fail running reports whose worker went silent; re-enqueue reports whose task was lost.

    Idempotent (beat runs it every minute). Return (failed, re-enqueued) counts.
    """
    now = now or timezone.now()
    stale = ServiceReport.objects.filter(status=ServiceReport.Status.RUNNING).filter(
        Q(heartbeat_at__lt=now - stale_after())
        | Q(heartbeat_at__isnull=True, started_at__lt=now - stale_after()))
    failed = 0
    for report in stale:
        seen = timezone.localtime(report.heartbeat_at or report.started_at)
        failed += ServiceReport.objects.filter(
            pk=report.pk, status=ServiceReport.Status.RUNNING,
            heartbeat_at=report.heartbeat_at).update(
            status=ServiceReport.Status.FAILED, finished_at=now,
            error=(f"The worker producing this report stopped responding (last heard from "
                   f"{seen:%d %b %Y %H:%M:%S}, at {report.progress}% done), so it was stopped. "
                   "Nothing was published. Use \"Try again\" to produce it again."))
        logger.warning("Service report %s failed: no heartbeat since %s", report.pk, seen)
    lost = ServiceReport.objects.filter(status=ServiceReport.Status.QUEUED).filter(
        Q(enqueued_at__lt=now - requeue_after())
        | Q(enqueued_at__isnull=True, created_at__lt=now - requeue_after()))
    requeued = 0
    for report in lost:
        with transaction.atomic():
            _enqueue(report)
        requeued += 1
    return failed, requeued


@transaction.atomic
def retry_report(*, report, by) -> ServiceReport:
    """Queue a failed report again ("Try again"), keeping its row and history."""
    if not policy.may_generate_reports(by):
        raise NotAllowed("Only Switching Operations generate service reports.")
    report = ServiceReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ServiceReport.Status.FAILED:
        raise InvalidTransition(f"This report is {report.get_status_display().lower()}; only a "
                                "failed report can be tried again.")
    report.status, report.progress, report.error = ServiceReport.Status.QUEUED, 0, ""
    report.started_at = report.finished_at = report.heartbeat_at = None
    report.save(update_fields=["status", "progress", "error", "started_at", "finished_at",
                               "heartbeat_at"])
    _enqueue(report)
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
