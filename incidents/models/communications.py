"""Market-wide communications about service-affecting incidents (incidents.communications).

A `Communication` is one message about an incident (raised, an update, a workaround,
restored), recorded with who sent it and when; its fan-out queues one email per
organisation told through the outbox and marks the row done, so a fan-out that stops
half-way is finished by the sweep without repeating anyone. A major incident has a
`CommunicationPlan`: the update cadence for its severity (`CommunicationCadence`, data
Switching Operations edit) and when the next update is due, which the reminder sweep
watches for the major incident manager.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.policy import VisibleQuerySet


class CommunicationKind(models.TextChoices):
    RAISE = "raise", "Incident raised"  # the market is told the service is affected
    UPDATE = "update", "Update"  # progress, next update time
    WORKAROUND = "workaround", "Workaround"  # what parties can do meanwhile
    RESTORE = "restore", "Service restored"  # resolved; what parties should do now


class CommunicationQuerySet(VisibleQuerySet):
    def unfinished(self):
        """Return communications whose messages are not all queued yet (the sweep's work)."""
        return self.filter(fanned_out_at__isnull=True)


class Communication(models.Model):
    """One message about an incident to everyone it concerns, recorded with who and when."""

    Kind = CommunicationKind

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                                 related_name="communications")
    kind = models.CharField(max_length=10, choices=CommunicationKind.choices)
    body = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", help_text="Empty when the system sent it.")
    at = models.DateTimeField(default=timezone.now)
    market_wide = models.BooleanField(
        default=False, help_text="Sent to every party using the affected services (a "
                                 "service-affecting incident), not only to those who raised it.")
    organisations_told = models.PositiveIntegerField(default=0)
    fanned_out_at = models.DateTimeField(null=True, blank=True,
                                         help_text="When every message had been queued.")

    objects = CommunicationQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["incident", "at"], name="inc_comm_incident_idx"),
            # the communications sweep: fan-outs not finished (few rows, partial index)
            models.Index(fields=["at"], name="inc_comm_unfinished_idx",
                         condition=Q(fanned_out_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.incident_id} at {self.at:%Y-%m-%d %H:%M}"


class CommunicationCadence(models.Model):
    """How often a major incident of one severity must be updated (e.g. Sev1: 30 minutes)."""

    severity = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(4)])
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(5)])

    class Meta:
        ordering = ["severity"]

    def __str__(self):
        return f"Sev{self.severity}: every {self.minutes} minutes"

    @classmethod
    def minutes_for(cls, severity):
        """Return the update interval for `severity` (60 minutes if none is set)."""
        row = cls.objects.filter(severity=severity).first()
        return row.minutes if row else 60


class CommunicationPlan(models.Model):
    """The communication plan of a major incident: who updates, how often, when next."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE,
                                    related_name="communication_plan")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", help_text="The major incident manager.")
    cadence_minutes = models.PositiveIntegerField()
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    reminded_for = models.DateTimeField(
        null=True, blank=True, help_text="The due time the manager was last reminded of.")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_update_due_at"], name="inc_comm_plan_due_idx",
                                condition=Q(ended_at__isnull=True))]

    def __str__(self):
        return f"Communication plan of {self.incident_id}"

    @property
    def is_running(self):
        return self.ended_at is None

    def update_sent(self, at):
        """Move the next due time on by the cadence from `at` (an update just went out)."""
        self.next_update_due_at = at + timedelta(minutes=self.cadence_minutes)
        self.save(update_fields=["next_update_due_at"])

    def is_overdue(self, now=None):
        return (self.is_running and self.next_update_due_at is not None
                and self.next_update_due_at < (now or timezone.now()))
