"""Post-incident reconciliation: each affected party's backlog after a major incident.

When a major incident is resolved every affected party (incidents.selectors.affected_parties:
the participants that raised it or one of its children or joined it, the providers with a
task on it) gets one item: how big its backlog is and in what
unit, progress as it is worked off, when it expects to finish, and its sign-off. Switching
Operations may waive an item with a reason. The post-incident review cannot be completed
while any item is open (incidents.major_incidents.complete_review).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from ..errors import InvalidTransition


class ReconciliationItemQuerySet(VisibleQuerySet):
    def open(self):
        return self.filter(status=ReconciliationItem.Status.OPEN)


class ReconciliationItem(Lifecycle, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"  # the party is still working off its backlog
        SIGNED_OFF = "signed_off", "Signed off"  # the party confirms it has reconciled; final
        WAIVED = "waived", "Waived"  # Switching Operations waived it, with a reason; final

    class PartyRole(models.TextChoices):  # the values of incidents.selectors.AffectedParty.how
        RAISED = "raised", "Raised the incident (or a child of it)"
        JOINED = "joined", "Joined as affected"
        PROVIDER = "provider", "Provider that worked it"

    S = Status
    MOVES = Moves(Status, {S.OPEN: {S.SIGNED_OFF, S.WAIVED}, S.SIGNED_OFF: set(),
                           S.WAIVED: set()}, error=InvalidTransition)
    del S

    major_incident = models.ForeignKey("incidents.MajorIncident", on_delete=models.CASCADE,
                                       related_name="reconciliation_items")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="reconciliation_items",
                                     help_text="The affected party that reconciles.")
    party_role = models.CharField(max_length=10, choices=PartyRole.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    backlog = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The backlog the incident left, in `unit`; empty until "
                                         "the party states it.")
    unit = models.CharField(max_length=60, blank=True,
                            help_text="What is counted, e.g. 'delayed switch requests'.")
    remaining = models.PositiveBigIntegerField(null=True, blank=True,
                                               help_text="Still to reconcile (latest progress).")
    expected_completion = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True,
                                     help_text="When it was signed off or waived.")

    objects = ReconciliationItemQuerySet.as_manager()

    class Meta:
        ordering = ["major_incident", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["major_incident", "organisation"],
                                    name="one_reconciliation_item_per_party"),
            models.CheckConstraint(
                condition=models.Q(remaining__isnull=True) | models.Q(backlog__isnull=True)
                | models.Q(remaining__lte=models.F("backlog")),
                name="reconciliation_remaining_within_backlog"),
        ]

    def __str__(self):
        return f"Reconciliation of {self.major_incident.incident.reference} by {self.organisation}"

    @property
    def lifecycle_subject(self):
        return f"The reconciliation item of {self.organisation}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def percent_done(self):
        """Return how much of the backlog is reconciled, 0-100 (None before a backlog is set).

        Rule: (backlog - remaining) / backlog, rounded down to a whole percent; a backlog of
        0 is 100% done; a signed-off item is 100%.
        """
        if self.status == self.Status.SIGNED_OFF:
            return 100
        if self.backlog is None:
            return None
        if self.backlog == 0:
            return 100
        remaining = self.backlog if self.remaining is None else self.remaining
        return (self.backlog - remaining) * 100 // self.backlog

    def record_progress(self, *, by, remaining, note="", backlog=None, unit=None,
                        expected_completion=None, at=None):
        """Record the backlog still outstanding (and, the first time, the backlog and unit)."""
        if not self.is_open:
            raise InvalidTransition(f"{self.lifecycle_subject} is "
                                    f"{self.get_status_display().lower()}; no more progress.")
        backlog = self.backlog if backlog is None else backlog
        if backlog is None:
            raise InvalidTransition("State the backlog (and its unit) with the first progress.")
        if remaining > backlog:
            raise InvalidTransition(f"{remaining} remaining is more than the backlog of "
                                    f"{backlog}.")
        unit = (self.unit if unit is None else unit).strip()
        if not unit:
            raise InvalidTransition("Say what the backlog counts (e.g. 'delayed switch "
                                    "requests').")
        at = at or timezone.now()
        self.backlog, self.unit, self.remaining = backlog, unit, remaining
        if expected_completion is not None:
            self.expected_completion = expected_completion
        self.save(update_fields=["backlog", "unit", "remaining", "expected_completion"])
        return self.progress.create(at=at, by=by, remaining=remaining, backlog=backlog,
                                    note=(note or "").strip(),
                                    expected_completion=self.expected_completion)

    def sign_off(self, *, by, note="", at=None):
        """The party confirms its backlog is reconciled (what remains is recorded as 0)."""
        self.check_move(self.Status.SIGNED_OFF)
        at = at or timezone.now()
        if self.remaining != 0:
            self.record_progress(by=by, remaining=0, note="Signed off", at=at,
                                 backlog=self.backlog if self.backlog is not None else 0,
                                 unit=self.unit or "items")
        self.closed_at = at
        return self.record_move(self.Status.SIGNED_OFF, by=by, at=at,
                                reason=(note or "").strip() or "Reconciled",
                                update_fields=["closed_at"])

    def waive(self, *, by, reason, at=None):
        """Switching Operations release the party from reconciling (a reason is required)."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the reconciliation item is waived.")
        self.check_move(self.Status.WAIVED)
        self.closed_at = at or timezone.now()
        return self.record_move(self.Status.WAIVED, by=by, at=self.closed_at,
                                reason=reason.strip(), update_fields=["closed_at"])


class ReconciliationProgress(models.Model):
    """One progress report: what was still outstanding at that moment (the chart's points)."""

    item = models.ForeignKey(ReconciliationItem, on_delete=models.CASCADE,
                             related_name="progress")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           null=True, blank=True)
    backlog = models.PositiveBigIntegerField()
    remaining = models.PositiveBigIntegerField()
    expected_completion = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["item", "at"], name="recon_progress_item_at_idx")]

    def __str__(self):
        return f"{self.remaining} of {self.backlog} remaining at {self.at:%Y-%m-%d %H:%M}"


class ReconciliationTransition(TransitionRecord):
    """Sign-off or waiver of an item (who, when, why, channel)."""

    statuses = ReconciliationItem.Status

    item = models.ForeignKey(ReconciliationItem, on_delete=models.CASCADE,
                             related_name="transitions")

    def __str__(self):
        return f"{self.item_id}: {self.from_status} -> {self.to_status}"
