"""Server-enforced lifecycle of an incident: the allowed moves and what each records.

Every method checks the allowed-transitions map, raises InvalidTransition with a
message a user can read, writes an IncidentTransition row (who, when, from, to,
why), saves with update_fields, recomputes the SLA figures from the rows and
sends `incident_changed` after commit. Permission is checked by the callers
(incidents.services) through accounts.policy.
"""

from datetime import timedelta

from django.utils import timezone

from kernel.after_commit import send_after_commit

from ..errors import InvalidTransition

NEW, IN_PROGRESS, PENDING = "new", "in_progress", "pending"
RESOLVED, CLOSED, CANCELLED = "resolved", "closed", "cancelled"

ALLOWED_TRANSITIONS = {
    NEW: {IN_PROGRESS, PENDING, RESOLVED, CANCELLED},
    IN_PROGRESS: {PENDING, RESOLVED, CANCELLED},
    PENDING: {IN_PROGRESS, RESOLVED, CANCELLED},
    RESOLVED: {CLOSED, IN_PROGRESS},
    CLOSED: set(),
    CANCELLED: set(),
}


class IncidentLifecycle:
    """Mixin for Incident holding the transition methods (kept apart to keep modules small)."""

    def _label(self, status):
        return self.Status(status).label.lower()

    def allowed_targets(self):
        return ALLOWED_TRANSITIONS[self.status]

    def _check(self, to):
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"{self.reference} is {self._label(self.status)}; it cannot be moved to "
                f"{self._label(to)}.")

    def _move(self, to, *, by, reason="", at=None, pending_reason="", resolution_code="",
              extra_fields=()):
        from .incident import IncidentTransition

        self._check(to)
        at = at or timezone.now()
        from_status = self.status
        IncidentTransition.objects.create(
            incident=self, from_status=from_status, to_status=to, pending_reason=pending_reason,
            resolution_code=resolution_code, reason=reason, by=by, at=at)
        self.status = to
        self.pending_reason = pending_reason
        fields = ["status", "pending_reason", "updated_at", *extra_fields]
        if from_status == NEW and self.responded_at is None and to != CANCELLED:
            self.responded_at = at
            fields.append("responded_at")
        self.save(update_fields=fields)
        self._after_change(at)

    def _after_change(self, at):
        from ..sla_service import refresh_sla

        refresh_sla(self, now=at)
        self.announce()

    def announce(self):
        """Send `incident_changed` once the current transaction commits."""
        from ..signals import incident_changed
        from .incident import Incident

        incident = self
        send_after_commit(incident_changed, sender=Incident, incident=incident,
                          name="incident_changed", sweep="the status sweep (every minute)")

    # --- the moves -------------------------------------------------------
    def respond(self, *, by, reason="", at=None):
        """Record the first response: New -> In progress."""
        if self.status != NEW:
            raise InvalidTransition(f"{self.reference} has already been responded to.")
        self._move(IN_PROGRESS, by=by, reason=reason, at=at)

    def pend(self, *, by, pending_reason, reason="", at=None):
        """Wait on the participant or a provider (the first may pause the SLA clock)."""
        if pending_reason not in self.PendingReason.values:
            raise InvalidTransition("Say what the incident is waiting for: "
                                    "awaiting participant or awaiting provider.")
        self._move(PENDING, by=by, reason=reason, at=at, pending_reason=pending_reason)

    def resume(self, *, by, reason="", at=None):
        """Pending -> In progress; a paused clock resumes, extended by the paused time."""
        if self.status != PENDING:
            raise InvalidTransition(f"{self.reference} is {self._label(self.status)}, "
                                    "not pending; there is nothing to resume.")
        self._move(IN_PROGRESS, by=by, reason=reason, at=at)

    def resolve(self, *, by, resolution_code, notes, at=None):
        """Record the fix with a resolution code and notes; the participant then confirms."""
        if resolution_code not in self.ResolutionCode.values:
            raise InvalidTransition("Choose a resolution code.")
        if not (notes or "").strip():
            raise InvalidTransition("Resolution notes are required.")
        self._check(RESOLVED)
        at = at or timezone.now()
        self.resolution_code, self.resolution_notes, self.resolved_at = resolution_code, notes, at
        self._move(RESOLVED, by=by, reason=notes, at=at, resolution_code=resolution_code,
                   extra_fields=["resolution_code", "resolution_notes", "resolved_at"])

    def close(self, *, by, reason="", at=None):
        """Resolved -> Closed: the participant confirms, or the auto-close sweep acts."""
        self._check(CLOSED)
        self.closed_at = at or timezone.now()
        self._move(CLOSED, by=by, reason=reason or "Resolution confirmed", at=self.closed_at,
                   extra_fields=["closed_at"])

    def reopen_deadline(self):
        if self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(days=self.sla_policy.reopen_window_days)

    def reopen(self, *, by, reason, at=None):
        """Resolved -> In progress within the reopen window; the resolution clock resumes."""
        at = at or timezone.now()
        if self.status != RESOLVED:
            raise InvalidTransition(f"{self.reference} is {self._label(self.status)}; only a "
                                    "resolved incident can be reopened.")
        if not (reason or "").strip():
            raise InvalidTransition("Say why the incident is being reopened.")
        if at > self.reopen_deadline():
            raise InvalidTransition(
                f"The reopen window ({self.sla_policy.reopen_window_days} days) has passed; "
                "raise a new incident instead.")
        self.resolved_at = None
        self.resolution_code = ""
        self._move(IN_PROGRESS, by=by, reason=reason, at=at,
                   extra_fields=["resolved_at", "resolution_code"])

    def cancel(self, *, by, reason, duplicate_of=None, at=None):
        """Cancel (withdrawn, raised in error, or a duplicate of another incident)."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the incident is being cancelled.")
        if duplicate_of is not None and duplicate_of.pk == self.pk:
            raise InvalidTransition("An incident cannot be a duplicate of itself.")
        self._check(CANCELLED)
        self.duplicate_of = duplicate_of
        self._move(CANCELLED, by=by, reason=reason, at=at, extra_fields=["duplicate_of"])

    def transition(self, to, *, by, reason="", pending_reason="", resolution_code="",
                   resolution_notes="", duplicate_of=None, at=None):
        """Move to status `to`, choosing the move from the current status (used by the API)."""
        valid = {s for s in self.Status.values}
        if to not in valid:
            raise InvalidTransition(f"'{to}' is not a status. Use one of: {', '.join(valid)}.")
        if to == IN_PROGRESS:
            move = {NEW: self.respond, PENDING: self.resume, RESOLVED: self.reopen}.get(self.status)
            if move is None:
                self._check(to)
            return move(by=by, reason=reason, at=at)
        if to == PENDING:
            return self.pend(by=by, pending_reason=pending_reason, reason=reason, at=at)
        if to == RESOLVED:
            return self.resolve(by=by, resolution_code=resolution_code,
                                notes=resolution_notes or reason, at=at)
        if to == CLOSED:
            return self.close(by=by, reason=reason, at=at)
        if to == CANCELLED:
            return self.cancel(by=by, reason=reason, duplicate_of=duplicate_of, at=at)
        self._check(to)

    def change_severity(self, *, to, by, reason, at=None):
        """Set a new severity with a reason; the SLA is recomputed from the start on it."""
        from .incident import SeverityChange

        if to not in (1, 2, 3, 4):
            raise InvalidTransition("Severity must be 1, 2, 3 or 4.")
        if not (reason or "").strip():
            raise InvalidTransition("A severity change needs a reason.")
        if self.status in (CLOSED, CANCELLED):
            raise InvalidTransition(f"{self.reference} is {self._label(self.status)}; its "
                                    "severity can no longer change.")
        if to == self.severity:
            raise InvalidTransition(f"{self.reference} is already Sev{to}.")
        at = at or timezone.now()
        SeverityChange.objects.create(incident=self, from_severity=self.severity, to_severity=to,
                                      reason=reason, by=by, at=at)
        self.severity = to
        self.save(update_fields=["severity", "updated_at"])
        self._after_change(at)
