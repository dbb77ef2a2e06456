"""Server-enforced lifecycles of a request and of a fulfilment task.

Every move checks the allowed-transitions map, raises InvalidTransition with a
readable message, writes a transition row (who, when, from, to, why), saves with
update_fields and recomputes the SLA clocks from the rows. Permission is checked
by the callers (servicerequests.services) through accounts.policy.
"""

from django.utils import timezone

from ..errors import InvalidTransition

SUBMITTED, AWAITING_APPROVAL, APPROVED, REJECTED = (
    "submitted", "awaiting_approval", "approved", "rejected")
IN_FULFILMENT, FULFILLED, CLOSED, CANCELLED = "in_fulfilment", "fulfilled", "closed", "cancelled"

ALLOWED_TRANSITIONS = {
    SUBMITTED: {AWAITING_APPROVAL, IN_FULFILMENT, CANCELLED},
    AWAITING_APPROVAL: {APPROVED, REJECTED, CANCELLED},
    APPROVED: {IN_FULFILMENT, CANCELLED},
    IN_FULFILMENT: {FULFILLED, CANCELLED},
    FULFILLED: {CLOSED},
    REJECTED: set(),
    CLOSED: set(),
    CANCELLED: set(),
}
# Moves that count as the first response (the response clock stops).
RESPONSES = {APPROVED, REJECTED, IN_FULFILMENT}

TASK_OPEN, TASK_IN_PROGRESS, TASK_DONE, TASK_CANCELLED = "open", "in_progress", "done", "cancelled"
TASK_TRANSITIONS = {
    TASK_OPEN: {TASK_IN_PROGRESS, TASK_DONE, TASK_CANCELLED},
    TASK_IN_PROGRESS: {TASK_DONE, TASK_CANCELLED},
    TASK_DONE: set(),
    TASK_CANCELLED: set(),
}


class RequestLifecycle:
    """Mixin for ServiceRequest holding the moves (kept apart to keep modules small)."""

    def _label(self, status):
        return self.Status(status).label.lower()

    def allowed_targets(self):
        return ALLOWED_TRANSITIONS[self.status]

    def _check(self, to):
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"{self.reference} is {self._label(self.status)}; it cannot be moved to "
                f"{self._label(to)}.")

    def _move(self, to, *, by, reason="", at=None, extra_fields=()):
        from ..clocks import refresh_request
        from .request import RequestTransition

        self._check(to)
        at = at or timezone.now()
        RequestTransition.objects.create(request=self, from_status=self.status, to_status=to,
                                         by=by, at=at, reason=reason)
        self.status = to
        fields = ["status", "updated_at", *extra_fields]
        if to in RESPONSES and self.responded_at is None:
            self.responded_at = at
            fields.append("responded_at")
        self.save(update_fields=fields)
        refresh_request(self, now=at)

    def send_for_approval(self, *, by=None, at=None):
        """Submitted -> Awaiting approval; opens the Approval for the item's approver role."""
        from .request import Approval

        self._check(AWAITING_APPROVAL)
        at = at or timezone.now()
        Approval.objects.create(request=self, approver_role=self.item.approver_role,
                                requested_at=at)
        self._move(AWAITING_APPROVAL, by=by, at=at,
                   reason=f"Sent to {self.item.get_approver_role_display()} for approval")

    def _decide(self, decision, *, by, comment, at):
        approval = self.approval
        at = at or timezone.now()
        approval.decision, approval.decided_by, approval.decided_at = decision, by, at
        approval.comment = comment
        approval.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
        return at

    def approve(self, *, by, comment="", at=None):
        self._check(APPROVED)
        at = self._decide(APPROVED, by=by, comment=comment, at=at)
        self._move(APPROVED, by=by, reason=comment or "Approved", at=at)

    def reject(self, *, by, comment, at=None):
        """Awaiting approval -> Rejected (final); the requester is told why."""
        if not (comment or "").strip():
            raise InvalidTransition("Say why the request is rejected; the requester sees it.")
        self._check(REJECTED)
        at = self._decide(REJECTED, by=by, comment=comment, at=at)
        self.closed_at = at
        self._move(REJECTED, by=by, reason=comment, at=at, extra_fields=["closed_at"])

    def start_fulfilment(self, *, by, reason="", at=None):
        """Submitted (no approval needed) or Approved -> In fulfilment."""
        if self.status == SUBMITTED and self.item.needs_approval:
            raise InvalidTransition(f"{self.reference} must be approved before it is fulfilled.")
        self._move(IN_FULFILMENT, by=by, reason=reason or "Fulfilment started", at=at)

    def fulfil(self, *, by, outcome, at=None):
        """In fulfilment -> Fulfilled, once every task is done or cancelled."""
        if not (outcome or "").strip():
            raise InvalidTransition("Say what was done; the requester sees it.")
        self._check(FULFILLED)
        if self.tasks.open().exists():
            raise InvalidTransition(f"{self.reference} still has open fulfilment tasks.")
        at = at or timezone.now()
        self.fulfilled_at, self.outcome = at, outcome
        self._move(FULFILLED, by=by, reason=outcome, at=at,
                   extra_fields=["fulfilled_at", "outcome"])

    def close(self, *, by, reason="", at=None):
        self._check(CLOSED)
        self.closed_at = at or timezone.now()
        self._move(CLOSED, by=by, reason=reason or "Closed", at=self.closed_at,
                   extra_fields=["closed_at"])

    def cancel(self, *, by, reason, at=None):
        """Withdraw the request; open tasks are cancelled with it."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the request is cancelled.")
        self._check(CANCELLED)
        at = at or timezone.now()
        for task in self.tasks.open():
            task.cancel(by=by, reason=f"Request cancelled: {reason}", at=at)
        self.closed_at = at
        self._move(CANCELLED, by=by, reason=reason, at=at, extra_fields=["closed_at"])


class TaskLifecycle:
    """Mixin for FulfilmentTask: open -> in progress -> done (or cancelled)."""

    def allowed_targets(self):
        return TASK_TRANSITIONS[self.status]

    def _move(self, to, *, by, reason="", at=None, extra_fields=()):
        from ..clocks import refresh_task
        from .request import TaskTransition

        if to not in TASK_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"The task is {self.Status(self.status).label.lower()}; it cannot be moved to "
                f"{self.Status(to).label.lower()}.")
        at = at or timezone.now()
        TaskTransition.objects.create(task=self, from_status=self.status, to_status=to, by=by,
                                      at=at, reason=reason)
        self.status = to
        self.save(update_fields=["status", *extra_fields])
        refresh_task(self, now=at)

    def start(self, *, by, at=None):
        self._move(TASK_IN_PROGRESS, by=by, reason="Started", at=at)

    def complete(self, *, by, notes, at=None):
        if not (notes or "").strip():
            raise InvalidTransition("Say what was done to complete the task.")
        self.completed_at, self.notes = at or timezone.now(), notes
        self._move(TASK_DONE, by=by, reason=notes, at=self.completed_at,
                   extra_fields=["completed_at", "notes"])

    def cancel(self, *, by, reason, at=None):
        self._move(TASK_CANCELLED, by=by, reason=reason, at=at)
