"""Change Notifications: what a Service Provider plans to change, when, and with what impact.

The lifecycle is enforced here (`ChangeNotification.transition`), so the
portal, the admin console and the REST API all obey the same rules. Policy
checks (notice, conflicts, freezes) live in `changes/checks.py`; the
co-ordination records (consultation, meetings) in `models_coordination.py`
and the policy records in `models_policy.py`, both imported here so Django
registers them with this app.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.attachments import Attachment
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .errors import InvalidTransition
from .models_coordination import (
    AgendaItem,
    ConsultationRequest,
    CoordinationMeeting,
    ScheduleSubscription,
)
from .models_policy import ChangeFreeze, ChangeWarning, NoticePeriodRule

__all__ = ["MAX_WINDOW", "AgendaItem", "ChangeAttachment", "ChangeFreeze", "ChangeImpact",
           "ChangeNotification", "ChangeReview", "ChangeTransition", "ChangeWarning",
           "ConsultationRequest", "CoordinationMeeting",
           "NoticePeriodRule", "ScheduleSubscription"]

# The longest change window; the conflict check relies on it to bound its search.
MAX_WINDOW = timedelta(days=31)


class ChangeNotificationQuerySet(VisibleQuerySet):
    def scheduled(self):
        """Return the published Forward Schedule of Change: approved or in progress."""
        S = ChangeNotification.Status
        return self.filter(status__in=[S.APPROVED, S.IN_PROGRESS])

    def live(self):
        """Return notifications that may still happen (so can clash with another)."""
        return self.filter(status__in=ChangeNotification.LIVE_STATUSES)

    def awaiting_decision(self):
        S = ChangeNotification.Status
        return self.filter(status__in=[S.SUBMITTED, S.UNDER_ASSESSMENT])

    def overlapping(self, start, end):
        """Return notifications whose window overlaps [start, end); touching is not overlapping.

        The lower bound on planned_start (no window is longer than MAX_WINDOW) keeps
        the index range scan short instead of reading every earlier notification.
        """
        return self.filter(planned_start__lt=end, planned_start__gt=start - MAX_WINDOW,
                           planned_end__gt=start)

    def late(self):
        """Return notifications flagged as given with less than the required notice."""
        return self.filter(warnings__kind="late_notice").distinct()


class ChangeNotification(Lifecycle, models.Model):
    class Type(models.TextChoices):
        STANDARD = "standard", "Standard"  # pre-authorised, low risk, routine
        NORMAL = "normal", "Normal"  # assessed by Change Co-ordination before approval
        EMERGENCY = "emergency", "Emergency"  # urgent fix; may be approved retrospectively
        MAJOR = "major", "Major"  # high impact; evaluation before, review after

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"  # being written by the provider; nobody else sees it
        SUBMITTED = "submitted", "Submitted"  # sent to Change Co-ordination; consultation open
        UNDER_ASSESSMENT = "under_assessment", "Under assessment"  # being assessed by the CCG
        APPROVED = "approved", "Approved (scheduled)"  # on the Forward Schedule of Change
        REJECTED = "rejected", "Rejected"  # refused by Change Co-ordination; final
        WITHDRAWN = "withdrawn", "Withdrawn"  # withdrawn before it started; final
        IN_PROGRESS = "in_progress", "In progress"  # the provider has started the work
        IMPLEMENTED = "implemented", "Implemented"  # finished successfully
        FAILED = "failed", "Failed"  # finished but did not achieve its aim
        BACKED_OUT = "backed_out", "Backed out"  # reversed using the back-out plan
        REVIEWED = "reviewed", "Reviewed"  # outcome reviewed by Change Co-ordination
        CLOSED = "closed", "Closed"  # nothing more to do; final

    class Impact(models.TextChoices):
        NONE = "none", "No impact"
        DEGRADED = "degraded", "Degraded"
        OUTAGE = "outage", "Full outage"

    S = Status
    MOVES = Moves(Status, {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
        S.SUBMITTED: {S.UNDER_ASSESSMENT, S.WITHDRAWN},
        S.UNDER_ASSESSMENT: {S.APPROVED, S.REJECTED, S.WITHDRAWN},
        S.APPROVED: {S.IN_PROGRESS, S.WITHDRAWN},
        S.IN_PROGRESS: {S.IMPLEMENTED, S.FAILED, S.BACKED_OUT},
        S.IMPLEMENTED: {S.REVIEWED},
        S.FAILED: {S.REVIEWED},
        S.BACKED_OUT: {S.REVIEWED},
        S.REVIEWED: {S.CLOSED},
        S.REJECTED: set(),
        S.WITHDRAWN: set(),
        S.CLOSED: set(),
    }, error=InvalidTransition)
    # An emergency change may start before it is approved; approval follows retrospectively.
    EMERGENCY_MOVES = MOVES.extended({S.SUBMITTED: {S.IN_PROGRESS},
                                      S.UNDER_ASSESSMENT: {S.IN_PROGRESS}})
    LIVE_STATUSES = [S.SUBMITTED, S.UNDER_ASSESSMENT, S.APPROVED, S.IN_PROGRESS]
    OUTCOME_STATUSES = [S.IMPLEMENTED, S.FAILED, S.BACKED_OUT]
    del S

    reference = models.CharField(max_length=20, unique=True, null=True, editable=False)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="change_notifications",
        limit_choices_to={"kind": Organisation.Kind.CDS_PROVIDER},
        help_text="The Service Provider making the change.",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="Who to call about this change.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", editable=False, null=True)
    change_type = models.CharField("type", max_length=12, choices=Type.choices, default=Type.NORMAL)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000)
    risk = models.TextField(max_length=10000, help_text="What could go wrong, and how likely.")
    back_out_plan = models.TextField(max_length=10000)
    planned_start = models.DateTimeField(help_text="Stored in UTC, shown in UK time.")
    planned_end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", editable=False)
    approved_retrospectively = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeNotificationQuerySet.as_manager()

    class Meta:
        ordering = ["planned_start", "pk"]
        indexes = [
            # Used by the conflict check and the schedule: live windows in a range.
            models.Index(fields=["status", "planned_start", "planned_end"], name="chg_window_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_end__gt=models.F("planned_start")),
                                   name="chg_end_after_start"),
        ]

    def __str__(self):
        return f"{self.reference or 'CHG (new)'} {self.title}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.reference:
            # The reference follows the primary key, so it is unique without a counter table.
            self.reference = f"CHG-{self.pk:06d}"
            super().save(update_fields=["reference"])

    def clean(self):
        if self.planned_start and self.planned_end and self.planned_end <= self.planned_start:
            raise ValidationError({"planned_end": "The planned end must be after the planned start."})

    # --- flags -----------------------------------------------------------
    @property
    def is_emergency(self):
        return self.change_type == self.Type.EMERGENCY

    @property
    def is_major(self):
        return self.change_type == self.Type.MAJOR

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def needs_retrospective_approval(self):
        """Return True for an emergency change that started without approval."""
        return self.is_emergency and self.approved_at is None and self.status in (
            [self.Status.IN_PROGRESS, *self.OUTCOME_STATUSES, self.Status.REVIEWED])

    @property
    def outcome(self):
        """Return how the work ended (implemented, failed or backed out), or "" before it has.

        Read from the transition rows, so it stays known after the review and closure.
        """
        row = (self.transitions.filter(to_status__in=self.OUTCOME_STATUSES)
               .order_by("-at", "-pk").first())
        return row.to_status if row else ""

    @property
    def is_verified_fix(self):
        """Return True once the change was implemented and Change Co-ordination reviewed that
        outcome (s.8.13: the problem it fixes may then be resolved; knowledge relies on it)."""
        return (self.status in (self.Status.REVIEWED, self.Status.CLOSED)
                and self.outcome == self.Status.IMPLEMENTED)

    @property
    def has_failed(self):
        """Return True if the work failed or was backed out (the fix did not happen)."""
        return self.outcome in (self.Status.FAILED, self.Status.BACKED_OUT)

    @property
    def moves(self):
        """Return the allowed moves for this change (an emergency change has more)."""
        return self.EMERGENCY_MOVES if self.is_emergency else self.MOVES

    def allowed_next(self):
        return self.moves.targets(self.status)

    def check_move(self, to):
        self.moves.check(self.status, to, subject=self.reference)

    # --- lifecycle -------------------------------------------------------
    def transition(self, to, *, by, reason=""):
        """Move to status `to`, recording who, when and why; raise InvalidTransition if not allowed."""
        self.check_move(to)
        self._check_guards(to)
        now = timezone.now()
        fields = ["updated_at"]
        if to == self.Status.SUBMITTED:
            self.submitted_at = now
            fields.append("submitted_at")
        if to == self.Status.APPROVED:
            self.approved_at, self.approved_by = now, by
            fields += ["approved_at", "approved_by"]
        return self.record_move(to, by=by, reason=reason, at=now, update_fields=fields)

    def _check_guards(self, to):
        S = self.Status
        if to == S.SUBMITTED and not self.impacts.exists():
            raise InvalidTransition("Add at least one affected service before submitting.")
        if to == S.APPROVED and self.is_major and not self.reviews.evaluations().exists():
            raise InvalidTransition(
                f"{self.reference} is a major change: record its evaluation before approving it.")
        if to == S.REVIEWED:
            if self.needs_retrospective_approval:
                raise InvalidTransition(
                    f"{self.reference} is an emergency change started without approval: "
                    "approve it retrospectively before the review.")
            if self.is_major and not self.reviews.post_implementation().exists():
                raise InvalidTransition(
                    f"{self.reference} is a major change: record its post-implementation "
                    "review first.")

    def approve_retrospectively(self, *, by, reason=""):
        """Record approval of an emergency change that has already started."""
        if not self.needs_retrospective_approval:
            raise InvalidTransition(
                f"{self.reference} does not need retrospective approval: only an emergency "
                "change that started before it was approved does.")
        self.approved_at, self.approved_by = timezone.now(), by
        self.approved_retrospectively = True
        self.save(update_fields=["approved_at", "approved_by", "approved_retrospectively",
                                 "updated_at"])
        return self.transitions.create(
            from_status=self.status, to_status=self.status, by=by,
            reason=reason or "Approved retrospectively", is_retrospective_approval=True,
        )


class ChangeImpact(models.Model):
    """The expected effect of a change on one service."""

    change_notification = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE,
                                            related_name="impacts")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="change_impacts")
    impact = models.CharField(max_length=10, choices=ChangeNotification.Impact.choices,
                              default=ChangeNotification.Impact.OUTAGE)

    class Meta:
        ordering = ["service__name"]
        constraints = [models.UniqueConstraint(fields=["change_notification", "service"],
                                               name="uniq_change_impact_service")]

    def __str__(self):
        return f"{self.service}: {self.get_impact_display()}"


class ChangeTransition(TransitionRecord):
    """One step of the lifecycle (who, when, from, to, why, channel). KPIs are computed from these."""

    statuses = ChangeNotification.Status

    change_notification = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE,
                                            related_name="transitions")
    is_retrospective_approval = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.change_notification.reference}: {self.from_status} -> {self.to_status}"


class ChangeReviewQuerySet(models.QuerySet):
    def evaluations(self):
        return self.filter(kind=ChangeReview.Kind.EVALUATION)

    def post_implementation(self):
        return self.filter(kind=ChangeReview.Kind.POST_IMPLEMENTATION)


class ChangeReview(models.Model):
    """The evaluation of a major change before approval, or a review after implementation."""

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "Evaluation (before approval)"
        POST_IMPLEMENTATION = "pir", "Post-implementation review"

    change_notification = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE,
                                            related_name="reviews")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    summary = models.TextField(max_length=10000)
    recommendation = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChangeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.change_notification.reference}"


class ChangeAttachment(Attachment):
    """A file on a notification; whoever may see the notification may download it."""

    storage_folder = "changes"

    change_notification = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE,
                                            related_name="attachments")

    def may_download(self, user):
        return ChangeNotification.objects.visible_to(user).filter(
            pk=self.change_notification_id).exists()
