"""Service continuity and disaster recovery (s.9.4, s.11.40-11.42).

A continuity plan per service (recovery objectives, when to invoke it, whom to call, when it
was last tested), the disaster recovery tests run against it with their results and the
actions they raised, and the Crisis Management Team step a BCDR invocation starts: the team
paged, an invocation log with its timeline, the plans of the affected services beside the
major incident.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from .errors import InvalidTransition


class ContinuityPlanQuerySet(VisibleQuerySet):
    def for_services(self, service_ids):
        return self.filter(service_id__in=service_ids)


class ContinuityPlan(models.Model):
    """How one service is recovered after a serious business-impacting event (s.11.40)."""

    service = models.OneToOneField("services.Service", on_delete=models.PROTECT,
                                   related_name="continuity_plan")
    title = models.CharField(max_length=200)
    rto_minutes = models.PositiveIntegerField(
        "recovery time objective (minutes)", validators=[MinValueValidator(1)],
        help_text="How long after invocation the service must be running again.")
    rpo_minutes = models.PositiveIntegerField(
        "recovery point objective (minutes)",
        help_text="How much data, in minutes before the event, may be lost (0: none).")
    invocation_criteria = models.TextField(
        help_text="When this plan is invoked: the events or thresholds that call for it.")
    recovery_procedure = models.TextField(help_text="The steps, in order, or where they are kept.")
    last_tested_on = models.DateField(null=True, blank=True, editable=False,
                                      help_text="The date of the latest DR test recorded.")
    reviewed_on = models.DateField(default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContinuityPlanQuerySet.as_manager()

    class Meta:
        ordering = ["service__name"]

    def __str__(self):
        return f"{self.title} ({self.service.code})"

    @property
    def provider(self):
        return self.service.provider


class ContinuityContact(models.Model):
    """Someone to call when the plan is invoked, in the order of `position`."""

    plan = models.ForeignKey(ContinuityPlan, on_delete=models.CASCADE, related_name="contacts")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, help_text="e.g. DR co-ordinator, duty manager.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.role})"


class DisasterRecoveryTestQuerySet(VisibleQuerySet):
    pass


class DisasterRecoveryTest(models.Model):
    """One DR test of a plan: what was tried, how recovery went against the objectives."""

    class Result(models.TextChoices):
        PASSED = "passed", "Passed"  # recovered within RTO and RPO
        PASSED_WITH_ISSUES = "issues", "Passed with issues"  # recovered; actions raised
        FAILED = "failed", "Failed"  # objectives missed or recovery abandoned

    plan = models.ForeignKey(ContinuityPlan, on_delete=models.PROTECT, related_name="tests")
    tested_on = models.DateField()
    scenario = models.CharField(max_length=300, help_text="What was simulated.")
    result = models.CharField(max_length=8, choices=Result.choices)
    recovery_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time taken to recover, to compare with the RTO.")
    data_loss_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data lost, in minutes, to compare with the RPO.")
    findings = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = DisasterRecoveryTestQuerySet.as_manager()

    class Meta:
        ordering = ["-tested_on", "-pk"]

    def __str__(self):
        return f"DR test of {self.plan.service.code} on {self.tested_on} ({self.result})"

    @property
    def met_rto(self):
        if self.recovery_minutes is None:
            return None
        return self.recovery_minutes <= self.plan.rto_minutes

    @property
    def met_rpo(self):
        if self.data_loss_minutes is None:
            return None
        return self.data_loss_minutes <= self.plan.rpo_minutes


class RecoveryActionQuerySet(VisibleQuerySet):
    def open(self):
        return self.filter(status=RecoveryAction.Status.OPEN)

    def overdue(self, today=None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class RecoveryAction(models.Model):
    """Something a DR test showed must be fixed: an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # still to do
        DONE = "done", "Done"  # the owner recorded it done

    test = models.ForeignKey(DisasterRecoveryTest, on_delete=models.CASCADE,
                             related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="recovery_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_note = models.TextField(blank=True)

    objects = RecoveryActionQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_on", "pk"]

    def __str__(self):
        return self.description

    def complete(self, *, note=""):
        """Record the action done (once)."""
        if self.status == self.Status.DONE:
            raise InvalidTransition("This action is already done.")
        self.status, self.done_at, self.done_note = self.Status.DONE, timezone.now(), note
        self.save(update_fields=["status", "done_at", "done_note"])


class CrisisTeamMemberQuerySet(VisibleQuerySet):
    def on_call(self):
        return self.filter(is_active=True, user__is_active=True).select_related("user")


class CrisisTeamMember(models.Model):
    """A member of Switching Operations' Crisis Management Team (s.11.41): paged on BCDR."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="crisis_team_membership")
    team_role = models.CharField(max_length=100, help_text="e.g. Crisis lead, Communications.")
    is_active = models.BooleanField(default=True)

    objects = CrisisTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["team_role", "user__username"]

    def __str__(self):
        return f"{self.user} ({self.team_role})"


class CrisisInvocationQuerySet(VisibleQuerySet):
    def active(self):
        return self.filter(status=CrisisInvocation.Status.ACTIVE)


class CrisisInvocation(Lifecycle, models.Model):
    """The Crisis Management Team's handling of one BCDR invocation of a major incident."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"  # the team is managing the crisis
        STOOD_DOWN = "stood_down", "Stood down"  # service recovered; the team stood down

    MOVES = Moves(Status, {Status.ACTIVE: {Status.STOOD_DOWN}, Status.STOOD_DOWN: set()},
                  error=InvalidTransition)

    major_incident = models.OneToOneField("incidents.MajorIncident", on_delete=models.PROTECT,
                                          related_name="crisis_invocation")
    # The incident itself, so who may see the invocation follows who may see the incident.
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="+")
    invoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    invoked_at = models.DateTimeField(default=timezone.now)
    plans = models.ManyToManyField(ContinuityPlan, related_name="invocations", blank=True,
                                   help_text="The plans of the incident's services.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    stood_down_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CrisisInvocationQuerySet.as_manager()

    class Meta:
        ordering = ["-invoked_at"]

    def __str__(self):
        return f"Crisis Management Team: {self.incident.reference}"

    @property
    def lifecycle_subject(self):
        return f"the crisis invocation for {self.incident.reference}"

    def stand_down(self, *, by, reason):
        at = timezone.now()
        self.stood_down_at = at
        self.record_move(self.Status.STOOD_DOWN, by=by, reason=reason, at=at,
                         update_fields=["stood_down_at"])


class CrisisInvocationTransition(TransitionRecord):
    """Who moved an invocation, when, from, to, why (kernel TransitionRecord)."""

    statuses = CrisisInvocation.Status

    invocation = models.ForeignKey(CrisisInvocation, on_delete=models.CASCADE,
                                   related_name="transitions")


class CrisisLogEntryQuerySet(VisibleQuerySet):
    pass


class CrisisLogEntry(models.Model):
    """One line of the invocation log: the timeline the Crisis Management Team keeps."""

    class Kind(models.TextChoices):
        INVOKED = "invoked", "BCDR invoked"
        PAGED = "paged", "Team paged"
        PLAN = "plan", "Continuity plan"
        NOTE = "note", "Note"
        DECISION = "decision", "Decision"
        COMMUNICATION = "communication", "Stakeholder communication"
        STOOD_DOWN = "stood_down", "Stood down"

    invocation = models.ForeignKey(CrisisInvocation, on_delete=models.CASCADE,
                                   related_name="log")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()

    objects = CrisisLogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.text[:60]}"
