"""A service request, its lifecycle, the rows that make up its history, its approval and tasks.

Every move checks the allowed-moves table (`MOVES`, `TASK_MOVES`), raises
InvalidTransition with a readable message, writes a transition row (who, when,
from, to, why, channel) and saves with update_fields. Permission is checked and
the SLA clocks are recomputed from the rows by the callers (servicerequests.services).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from ..errors import InvalidTransition
from .catalogue import ApproverRole, RequestItem, RequestSlaVersion


class Status(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"  # raised; the desk has not acted yet (response clock runs)
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"  # with the named approver role
    APPROVED = "approved", "Approved"  # approver said yes; waiting for fulfilment to start
    REJECTED = "rejected", "Rejected"  # approver said no; final
    IN_FULFILMENT = "in_fulfilment", "In fulfilment"  # tasks handed to the desk or a provider
    FULFILLED = "fulfilled", "Fulfilled"  # done (access effects applied); awaiting closure
    CLOSED = "closed", "Closed"  # confirmed or closed by the desk; final
    CANCELLED = "cancelled", "Cancelled"  # withdrawn by the requester or the desk; final


FINAL_STATUSES = (Status.REJECTED, Status.CLOSED, Status.CANCELLED)
DONE_STATUSES = (Status.FULFILLED, *FINAL_STATUSES)
S = Status
MOVES = Moves(Status, {
    S.SUBMITTED: {S.AWAITING_APPROVAL, S.IN_FULFILMENT, S.CANCELLED},
    S.AWAITING_APPROVAL: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.IN_FULFILMENT, S.CANCELLED},
    S.IN_FULFILMENT: {S.FULFILLED, S.CANCELLED},
    S.FULFILLED: {S.CLOSED},
    S.REJECTED: set(),
    S.CLOSED: set(),
    S.CANCELLED: set(),
}, error=InvalidTransition)
# Moves that count as the first response (the response clock stops).
RESPONSES = {S.APPROVED, S.REJECTED, S.IN_FULFILMENT}


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone (recorded by the desk)"
    EMAIL = "email", "Email (recorded by the desk)"
    API = "api", "API"


class ServiceRequestQuerySet(VisibleQuerySet):
    def open(self):
        """Return requests not yet fulfilled, rejected, closed or cancelled."""
        return self.exclude(status__in=DONE_STATUSES)

    def awaiting_approval(self):
        return self.filter(status=Status.AWAITING_APPROVAL)

    def awaiting_fulfilment(self):
        """Return requests the desk should start: submitted without approval, or approved."""
        return self.filter(status__in=[Status.SUBMITTED, Status.APPROVED])

    def breached(self):
        return self.filter(Q(response_breached=True) | Q(fulfilment_breached=True))

    def awaiting_decision_by(self, user):
        """Return requests awaiting an approval `user` may give."""
        if policy.is_operations(user):
            roles = Q(item__approver_role=ApproverRole.OPERATIONS)
        else:
            roles = Q(pk__in=[])
        if policy.organisation_scope(user) and user.is_org_admin and not policy.is_internal(user):
            roles |= Q(item__approver_role=ApproverRole.ORG_ADMIN,
                       organisation_id=user.organisation_id)
        return self.awaiting_approval().filter(roles).exclude(raised_by=user).exclude(
            requester=user)


class ServiceRequest(Lifecycle, models.Model):
    MOVES = MOVES
    Status = Status
    Channel = Channel

    reference = models.CharField(max_length=20, unique=True, editable=False)
    item = models.ForeignKey(RequestItem, on_delete=models.PROTECT, related_name="requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="service_requests",
                                     help_text="The organisation the request is for.")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="service_requests",
                                  help_text="The person the request is for.")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", help_text="Who recorded it (the desk on "
                                  "behalf of a caller, or the requester).")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    answers = models.JSONField(default=dict, help_text="Answers to the item's fields, by key.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    sla_version = models.ForeignKey(RequestSlaVersion, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What was done, shown to the requester.")
    # Live SLA figures, recomputed from the transition rows by servicerequests.clocks.
    response_due_at = models.DateTimeField(null=True, blank=True)
    fulfilment_due_at = models.DateTimeField(null=True, blank=True)
    response_breached = models.BooleanField(default=False)
    fulfilment_breached = models.BooleanField(default=False)
    sla_paused = models.BooleanField(default=False)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "status"]),
                   models.Index(fields=["status", "fulfilment_due_at"])]

    def __str__(self):
        return f"{self.reference}: {self.item.name}"

    def get_absolute_url(self):
        return reverse("servicerequests:detail", args=[self.reference])

    @property
    def is_open(self):
        return self.status not in DONE_STATUSES

    def answer_rows(self):
        """Return [(label, shown answer)] in the item's field order."""
        rows = []
        for field in self.item.fields.all():
            if field.key in self.answers:
                value = self.answers[field.key]
                if isinstance(value, bool):
                    value = "Yes" if value else "No"
                rows.append((field.label, "" if value is None else str(value)))
        return rows

    # --- the lifecycle ---------------------------------------------------
    def _move(self, to, *, by, reason="", at=None, extra_fields=()):
        self.check_move(to)
        at = at or timezone.now()
        fields = ["updated_at", *extra_fields]
        if to in RESPONSES and self.responded_at is None:
            self.responded_at = at
            fields.append("responded_at")
        self.record_move(to, by=by, reason=reason, at=at, update_fields=fields)

    def send_for_approval(self, *, by=None, at=None):
        """Submitted -> Awaiting approval; opens the Approval for the item's approver role."""
        self.check_move(S.AWAITING_APPROVAL)
        at = at or timezone.now()
        Approval.objects.create(request=self, approver_role=self.item.approver_role,
                                requested_at=at)
        self._move(S.AWAITING_APPROVAL, by=by, at=at,
                   reason=f"Sent to {self.item.get_approver_role_display()} for approval")

    def _decide(self, decision, *, by, comment, at):
        approval = self.approval
        at = at or timezone.now()
        approval.decision, approval.decided_by, approval.decided_at = decision, by, at
        approval.comment = comment
        approval.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
        return at

    def approve(self, *, by, comment="", at=None):
        self.check_move(S.APPROVED)
        at = self._decide(S.APPROVED, by=by, comment=comment, at=at)
        self._move(S.APPROVED, by=by, reason=comment or "Approved", at=at)

    def reject(self, *, by, comment, at=None):
        """Awaiting approval -> Rejected (final); the requester is told why."""
        if not (comment or "").strip():
            raise InvalidTransition("Say why the request is rejected; the requester sees it.")
        self.check_move(S.REJECTED)
        at = self._decide(S.REJECTED, by=by, comment=comment, at=at)
        self.closed_at = at
        self._move(S.REJECTED, by=by, reason=comment, at=at, extra_fields=["closed_at"])

    def start_fulfilment(self, *, by, reason="", at=None):
        """Submitted (no approval needed) or Approved -> In fulfilment."""
        if self.status == S.SUBMITTED and self.item.needs_approval:
            raise InvalidTransition(f"{self.reference} must be approved before it is fulfilled.")
        self._move(S.IN_FULFILMENT, by=by, reason=reason or "Fulfilment started", at=at)

    def fulfil(self, *, by, outcome, at=None):
        """In fulfilment -> Fulfilled, once every task is done or cancelled."""
        if not (outcome or "").strip():
            raise InvalidTransition("Say what was done; the requester sees it.")
        self.check_move(S.FULFILLED)
        if self.tasks.open().exists():
            raise InvalidTransition(f"{self.reference} still has open fulfilment tasks.")
        at = at or timezone.now()
        self.fulfilled_at, self.outcome = at, outcome
        self._move(S.FULFILLED, by=by, reason=outcome, at=at,
                   extra_fields=["fulfilled_at", "outcome"])

    def close(self, *, by, reason="", at=None):
        self.check_move(S.CLOSED)
        self.closed_at = at or timezone.now()
        self._move(S.CLOSED, by=by, reason=reason or "Closed", at=self.closed_at,
                   extra_fields=["closed_at"])

    def cancel(self, *, by, reason, at=None):
        """Withdraw the request; open tasks are cancelled with it. Return those tasks."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the request is cancelled.")
        self.check_move(S.CANCELLED)
        at = at or timezone.now()
        tasks = list(self.tasks.open())
        for task in tasks:
            task.cancel(by=by, reason=f"Request cancelled: {reason}", at=at)
        self.closed_at = at
        self._move(S.CANCELLED, by=by, reason=reason, at=at, extra_fields=["closed_at"])
        return tasks


class RequestTransition(TransitionRecord):
    """A status change of a request. The SLA clocks are replayed from these."""

    statuses = Status

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE,
                                related_name="transitions")

    def __str__(self):
        return f"{self.request.reference}: {self.from_status or '-'} -> {self.to_status}"


class RequestComment(models.Model):
    """A note on a request from the requester's side or the desk; everyone who sees it reads it.

    There are no internal notes on requests: a requester sees every comment, so the desk
    writes them to the requester.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE,
                                related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.request.reference}: comment by {self.author}"


class Approval(models.Model):
    """The approval a request needs; decided once, by someone holding the named role."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for the approver
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE,
                                   related_name="approval")
    approver_role = models.CharField(max_length=20)
    decision = models.CharField(max_length=10, choices=Decision.choices,
                                default=Decision.PENDING)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    def __str__(self):
        return f"{self.request.reference}: {self.get_decision_display()}"

    @property
    def approver_role_label(self):
        return ApproverRole(self.approver_role).label


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"  # handed over, not started (the task's clock runs)
    IN_PROGRESS = "in_progress", "In progress"  # the group is working on it
    DONE = "done", "Done"  # completed, with notes; final
    CANCELLED = "cancelled", "Cancelled"  # no longer needed; final


TASK_MOVES = Moves(TaskStatus, {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.DONE: set(),
    TaskStatus.CANCELLED: set(),
}, error=InvalidTransition)


class FulfilmentTaskQuerySet(VisibleQuerySet):
    def open(self):
        return self.filter(status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS])

    def for_group(self, organisation_id):
        return self.filter(assigned_group_id=organisation_id)


class FulfilmentTask(Lifecycle, models.Model):
    """A piece of fulfilment work handed to the desk, Operations or a CDS provider.

    Open -> in progress -> done (or cancelled); the task's own clock runs until then.
    """

    MOVES = TASK_MOVES
    Status = TaskStatus
    lifecycle_subject = "The task"

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    assigned_group = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                       related_name="request_tasks")
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)

    objects = FulfilmentTaskQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.request.reference} task: {self.title}"

    @property
    def is_open(self):
        return self.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)

    def start(self, *, by, at=None):
        self.record_move(TaskStatus.IN_PROGRESS, by=by, reason="Started", at=at)

    def complete(self, *, by, notes, at=None):
        if not (notes or "").strip():
            raise InvalidTransition("Say what was done to complete the task.")
        self.check_move(TaskStatus.DONE)
        self.completed_at, self.notes = at or timezone.now(), notes
        self.record_move(TaskStatus.DONE, by=by, reason=notes, at=self.completed_at,
                         update_fields=["completed_at", "notes"])

    def cancel(self, *, by, reason, at=None):
        self.record_move(TaskStatus.CANCELLED, by=by, reason=reason, at=at)


class TaskTransition(TransitionRecord):
    """A task's status change; the task's own clock is replayed from these."""

    statuses = TaskStatus

    task = models.ForeignKey(FulfilmentTask, on_delete=models.CASCADE,
                             related_name="transitions")

    def __str__(self):
        return f"{self.task}: {self.from_status or '-'} -> {self.to_status}"
