"""Market Participants' own outages (s.12.6): a supplier tells the desk its systems are down.

A participant "notifies the Service Desk if it has system problems/outages that affect its
ability to complete its Switching obligations". A planned outage is declared ahead, goes
through the notice check (`checks.outage_warnings`) and is published on the Forward Schedule
of Change; an unplanned one is declared as it happens and shown on the signed-in status page
to the audience the participant chose. Who sees a declaration is the rule in accounts.policy.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .errors import InvalidTransition
from .models_policy import ChangeWarning


class ParticipantOutageQuerySet(VisibleQuerySet):
    def published(self):
        """Return declarations other parties may be shown (a cancelled one is withdrawn)."""
        return self.exclude(status=ParticipantOutage.Status.CANCELLED)

    def planned(self):
        return self.filter(kind=ParticipantOutage.Kind.PLANNED)

    def unplanned(self):
        return self.filter(kind=ParticipantOutage.Kind.UNPLANNED)

    def ongoing(self):
        return self.filter(status=ParticipantOutage.Status.ONGOING)

    def on_schedule(self):
        """Return planned outages still to happen or under way (the Forward Schedule shows these)."""
        S = ParticipantOutage.Status
        return self.planned().filter(status__in=[S.SCHEDULED, S.ONGOING])

    def overlapping(self, start, end):
        """Return outages whose window overlaps [start, end); an open end is still going on."""
        return self.filter(starts_at__lt=end).filter(
            models.Q(ends_at__gt=start) | models.Q(ends_at__isnull=True))


class ParticipantOutage(Lifecycle, models.Model):
    class Kind(models.TextChoices):
        PLANNED = "planned", "Planned"  # declared ahead; on the Forward Schedule of Change
        UNPLANNED = "unplanned", "Unplanned"  # declared as it happens; on the status page

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"  # planned, not yet begun
        ONGOING = "ongoing", "Under way"  # the participant's systems are out now
        ENDED = "ended", "Ended"  # the systems are back; final
        CANCELLED = "cancelled", "Cancelled"  # a planned outage called off before it began; final

    class Audience(models.TextChoices):
        PROVIDERS = "providers", "The Service Desk and the CDS providers"
        MARKET = "market", "Every market party (participants and providers)"

    S = Status
    MOVES = Moves(Status, {
        S.SCHEDULED: {S.ONGOING, S.CANCELLED},
        S.ONGOING: {S.ENDED},
        S.ENDED: set(),
        S.CANCELLED: set(),
    }, error=InvalidTransition)
    del S

    reference = models.CharField(max_length=20, unique=True, null=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="participant_outages",
        limit_choices_to={"kind": Organisation.Kind.MARKET_PARTICIPANT},
        help_text="The Market Participant whose systems are out.")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=10000, blank=True)
    starts_at = models.DateTimeField(help_text="Stored in UTC, shown in UK time.")
    ends_at = models.DateTimeField(null=True, blank=True,
                                   help_text="Planned: the end of the window. Unplanned: the "
                                             "expected end, if known.")
    services = models.ManyToManyField(Service, blank=True, related_name="participant_outages",
                                      help_text="The central services it stops you using.")
    flows_affected = models.CharField(
        max_length=300, blank=True,
        help_text="The switching flows you cannot send or receive, e.g. 'switch requests, "
                  "objections'.")
    audience = models.CharField(max_length=10, choices=Audience.choices,
                                default=Audience.PROVIDERS,
                                help_text="Who besides the desk is shown it.")
    contact_name = models.CharField(max_length=120)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    notified_at = models.DateTimeField(default=timezone.now, editable=False,
                                       help_text="When the current window was declared (notice "
                                                 "is counted from here).")
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantOutageQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            # The schedule and the status page: live outages by window.
            models.Index(fields=["status", "starts_at"], name="outage_status_start_idx"),
            models.Index(fields=["organisation", "-starts_at"], name="outage_org_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F(
                    "starts_at")), name="outage_end_after_start"),
            models.CheckConstraint(
                condition=~models.Q(kind="planned") | models.Q(ends_at__isnull=False),
                name="planned_outage_has_end"),
        ]

    def __str__(self):
        return f"{self.reference or 'OUT (new)'} {self.title}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if not self.reference:
            # The reference follows the primary key, so it is unique without a counter table.
            self.reference = f"OUT-{self.pk:06d}"
            super().save(update_fields=["reference"])

    @property
    def is_planned(self):
        return self.kind == self.Kind.PLANNED

    @property
    def is_live(self):
        return self.status in (self.Status.SCHEDULED, self.Status.ONGOING)

    def begin(self, *, by, at=None, reason=""):
        """Record that a planned outage has begun (the start moves to when it really did)."""
        at = at or timezone.now()
        self.check_move(self.Status.ONGOING)
        if self.ends_at and at >= self.ends_at:
            raise InvalidTransition(f"{self.reference} was due to end at {self.ends_at:%H:%M}; "
                                    "record it as ended instead.")
        self.starts_at = at
        return self.record_move(self.Status.ONGOING, by=by, at=at, reason=reason,
                                update_fields=["starts_at", "updated_at"])

    def end(self, *, by, at=None, reason=""):
        """Record that the participant's systems are back."""
        at = at or timezone.now()
        self.check_move(self.Status.ENDED)
        if at <= self.starts_at:
            raise InvalidTransition(f"{self.reference} began at {self.starts_at:%H:%M}; it "
                                    "cannot end before that.")
        self.ended_at = self.ends_at = at
        return self.record_move(self.Status.ENDED, by=by, at=at, reason=reason,
                                update_fields=["ended_at", "ends_at", "updated_at"])

    def cancel(self, *, by, reason):
        """Call off a planned outage before it begins."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the outage is cancelled.")
        return self.record_move(self.Status.CANCELLED, by=by, reason=reason.strip(),
                                update_fields=["updated_at"])


class OutageTransition(TransitionRecord):
    """One step of an outage's lifecycle (who, when, from, to, why, channel)."""

    statuses = ParticipantOutage.Status

    outage = models.ForeignKey(ParticipantOutage, on_delete=models.CASCADE,
                               related_name="transitions")

    def __str__(self):
        return f"{self.outage.reference}: {self.from_status or 'new'} -> {self.to_status}"


class OutageWarning(models.Model):
    """A policy check's finding about a planned outage (late notice, during a freeze).

    Derived rows: `checks.refresh_outage_warnings` rewrites them when the window changes.
    """

    KINDS = [ChangeWarning.Kind.LATE_NOTICE, ChangeWarning.Kind.FREEZE]

    outage = models.ForeignKey(ParticipantOutage, on_delete=models.CASCADE,
                               related_name="warnings")
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in KINDS])
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.message
