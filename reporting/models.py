"""Reporting records: KPI settings, provider KPI returns, generated service reports, CSI register.

The KPI figures themselves are never stored here: they are computed on demand
from the incidents, changes and status records (reporting/kpis). What is
stored is what people submitted (returns), what was produced (report files,
a snapshot of one moment) and what was decided (targets, tolerances,
improvement opportunities).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .errors import InvalidTransition


class KpiSetting(models.Model):
    """Switching Operations' target and reconciliation tolerance for one KPI (reference data).

    Without a row the registry's default target and tolerance apply
    (reporting/kpis/definitions.py).
    """

    key = models.CharField(max_length=40, unique=True)
    target = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True,
                                 help_text="Empty: no target (the figure is reported only).")
    tolerance = models.DecimalField(
        max_digits=12, decimal_places=3,
        help_text="A provider's figure differing from the measured one by more than this "
                  "(in the KPI's unit) is flagged.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = "KPI target and tolerance"

    def __str__(self):
        return f"{self.key}: target {self.target}, tolerance {self.tolerance}"


# --- provider KPI returns ---------------------------------------------------
class KpiReturnQuerySet(VisibleQuerySet):
    def current(self):
        """Return the latest submission per provider and period (earlier ones are superseded)."""
        return self.filter(is_current=True)

    def for_period(self, period_key):
        return self.filter(period=period_key)


class KpiReturn(models.Model):
    """One provider's periodic summary of agreed KPIs (strategy s.7.43, Option 3).

    A resubmission for the same period supersedes the earlier one, which is
    kept (is_current=False) so the history of what was said stays visible.
    """

    class Channel(models.TextChoices):
        API = "api", "API"
        CSV = "csv", "CSV upload"
        XLSX = "xlsx", "Excel upload"

    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="kpi_returns",
                                 limit_choices_to={"kind": Organisation.Kind.CDS_PROVIDER})
    period = models.CharField(max_length=7, help_text="The month reported on, e.g. 2026-10.")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(help_text="Working days after the period end (E&W calendar).")
    is_current = models.BooleanField(default=True)
    notes = models.TextField(blank=True, max_length=5000,
                             help_text="The provider's commentary; internal to Operations.")

    objects = KpiReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "provider__name", "-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "period"],
                                               condition=Q(is_current=True),
                                               name="one_current_kpi_return")]

    def __str__(self):
        return f"{self.reference} {self.provider} {self.period}"

    @property
    def reference(self):
        return f"KPR-{self.pk:06d}" if self.pk else "KPR-(new)"

    @property
    def is_late(self):
        return timezone.localtime(self.submitted_at).date() > self.due_on


class KpiReturnFigure(models.Model):
    """One figure of a return: a KPI, for the provider as a whole or one of its services,
    optionally for one severity."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="figures")
    kpi = models.CharField(max_length=40)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", help_text="Empty: the provider's total.")
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=3)

    class Meta:
        ordering = ["kpi", "service__code", "severity"]
        constraints = [models.UniqueConstraint(
            fields=["kpi_return", "kpi", "service", "severity"], nulls_distinct=False,
            name="uniq_kpi_return_figure")]

    def __str__(self):
        return f"{self.kpi} {self.service or 'total'} {self.severity or ''} = {self.value}"


# --- generated service reports ----------------------------------------------
class ServiceReportQuerySet(VisibleQuerySet):
    def published(self):
        return self.filter(edition=ServiceReport.Edition.PARTICIPANT,
                           status=ServiceReport.Status.READY, published_at__isnull=False)


def report_path(instance, filename):
    return f"reporting/{instance.period}/{instance.edition}/{instance.pk}-{filename}"


class ServiceReport(models.Model):
    """One generation of the end-to-end service report for a period, in PDF, XLSX and CSV."""

    class Edition(models.TextChoices):
        INTERNAL = "internal", "Switching Operations"  # everything, incl. reconciliation
        PARTICIPANT = "participant", "Participants"  # no reconciliation, notes or per-org data

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"  # row written; the task is enqueued after commit
        RUNNING = "running", "Running"  # the worker is computing and drawing (see progress)
        READY = "ready", "Ready"  # files stored and downloadable
        FAILED = "failed", "Failed"  # the worker gave up or died; see error ("Try again")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Monthly schedule"
        ON_DEMAND = "on_demand", "On demand"

    period = models.CharField(max_length=30, help_text="Period key, e.g. 2026-10.")
    edition = models.CharField(max_length=12, choices=Edition.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Participant edition shown in the portal.")
    error = models.TextField(blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When its task was last sent to a worker.")
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker producing it.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker started it.")
    pdf = models.FileField(upload_to=report_path, blank=True)
    xlsx = models.FileField(upload_to=report_path, blank=True)
    csv = models.FileField(upload_to=report_path, blank=True)

    objects = ServiceReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(
            fields=["period", "edition"], condition=Q(trigger="schedule"),
            name="one_scheduled_report_per_period_edition")]

    def __str__(self):
        return f"Service report {self.period} ({self.get_edition_display()})"

    @property
    def is_finished(self):
        return self.status in (self.Status.READY, self.Status.FAILED)

    def set_progress(self, percent):
        self.progress = max(self.progress, min(int(percent), 100))
        self.heartbeat_at = timezone.now()
        self.save(update_fields=["progress", "heartbeat_at"])


# --- continual service improvement ------------------------------------------
class ImprovementQuerySet(VisibleQuerySet):
    def open(self):
        return self.exclude(status__in=[ImprovementOpportunity.Status.CLOSED,
                                        ImprovementOpportunity.Status.REJECTED])


class ImprovementOpportunity(Lifecycle, models.Model):
    """An entry in the CSI register: what could be better, who owns it, and where it stands."""

    class Source(models.TextChoices):
        KPI_BREACH = "kpi_breach", "KPI below target"
        PROBLEM = "problem", "Problem"
        PIR = "pir", "Post-implementation / post-incident review"
        REVIEW = "review", "Service review"
        PROVIDER = "provider", "Service provider suggestion"  # a CDS provider's recommendation

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"  # suggested (by a person or a KPI breach); not assessed
        APPROVED = "approved", "Approved"  # Switching Operations agree to pursue it
        IN_PROGRESS = "in_progress", "In progress"  # the owner is carrying it out
        IMPLEMENTED = "implemented", "Implemented"  # done; benefit being checked
        CLOSED = "closed", "Closed"  # benefit confirmed (or no longer relevant); final
        REJECTED = "rejected", "Rejected"  # not worth pursuing; final

    MOVES = Moves(Status, {
        Status.PROPOSED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.IN_PROGRESS, Status.REJECTED},
        Status.IN_PROGRESS: {Status.IMPLEMENTED, Status.REJECTED},
        Status.IMPLEMENTED: {Status.CLOSED, Status.IN_PROGRESS},
        Status.CLOSED: set(),
        Status.REJECTED: set(),
    }, error=InvalidTransition)

    title = models.CharField(max_length=200)
    description = models.TextField(max_length=10000)
    source = models.CharField(max_length=12, choices=Source.choices)
    source_reference = models.CharField(max_length=100, blank=True,
                                        help_text="e.g. the KPI and periods, PRB- or CHG- ref.")
    kpi = models.CharField(max_length=40, blank=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    benefit = models.TextField(blank=True, max_length=5000,
                               help_text="The expected benefit, measurable where possible.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    suggested_by = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="improvement_suggestions", editable=False,
        help_text="The service provider that suggested it (it follows the entry's progress).")
    dedup_key = models.CharField(max_length=120, unique=True, null=True, blank=True,
                                 editable=False, help_text="Stops a KPI breach proposing twice.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImprovementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "improvement opportunity"
        verbose_name_plural = "CSI register"

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self):
        return f"CSI-{self.pk:06d}" if self.pk else "CSI-(new)"

    def transition(self, *, to, by, reason=""):
        """Move to status `to`, recording who, when, from, to and why."""
        self.check_move(to)
        if to == self.Status.APPROVED and self.owner_id is None:
            raise InvalidTransition(f"Give {self.reference} an owner before approving it.")
        return self.record_move(to, by=by, reason=reason, update_fields=["updated_at"])


class ImprovementTransition(TransitionRecord):
    """One move of a CSI entry (the first row, on creation, has an empty from_status)."""

    statuses = ImprovementOpportunity.Status

    opportunity = models.ForeignKey(ImprovementOpportunity, on_delete=models.CASCADE,
                                    related_name="transitions")

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_status or 'new'} -> {self.to_status}"
