"""Event Management: what providers' monitoring systems report, and the rules acting on it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from services.models import Service


class EventQuerySet(VisibleQuerySet):
    def for_review(self):
        """Return warnings nobody has reviewed yet (the console's review list)."""
        return self.filter(severity=Event.Severity.WARNING, reviewed_at__isnull=True)

    def active(self):
        """Return events no clear has closed yet."""
        return self.filter(cleared_at__isnull=True)

    def degrading(self, now=None):
        """Return events currently holding their service Degraded."""
        now = now or timezone.now()
        return self.filter(degrades_until__gt=now)


class Event(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", "Information"  # recorded for trends only
        WARNING = "warning", "Warning"  # listed for the desk to review
        EXCEPTION = "exception", "Exception"  # acted on by EventRule (incident, status)
        CLEAR = "clear", "Clear"  # the condition has ended: closes the open event of its key

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # No index of its own: event_dedup_idx and event_trend_idx below both lead with it, and
    # every event posted would write a third.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="events",
                                db_index=False)
    source = models.CharField(max_length=100, help_text="The monitoring system, e.g. 'nagios-eu1'.")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    dedup_key = models.CharField(max_length=200)
    message = models.TextField()
    occurred_at = models.DateTimeField(help_text="When the first occurrence happened.")
    last_seen = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)
    # The incident raised for (or updated by) this event; plain id, so this app
    # does not depend on the incidents app's migrations.
    incident_id = models.BigIntegerField(null=True, blank=True)
    incident_reference = models.CharField(max_length=20, blank=True)
    degrades_until = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(
        null=True, blank=True, help_text="When a clear (or a resolved state) with the same "
        "deduplication key closed the event; a later occurrence starts a new event.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen"]
        indexes = [
            # Used by ingestion to find the event a repeat folds into.
            models.Index(fields=["service", "dedup_key", "last_seen"], name="event_dedup_idx"),
            models.Index(fields=["service", "occurred_at"], name="event_trend_idx"),
        ]

    def __str__(self):
        return f"{self.service.code} {self.severity}: {self.message[:60]}"

    @property
    def state(self):
        """Return "resolved" once a clear has closed the event, else "active"."""
        return "resolved" if self.cleared_at else "active"


class EventRuleQuerySet(models.QuerySet):
    def for_service(self, service):
        """Return the enabled rules for `service`, service-specific ones first."""
        return self.filter(is_enabled=True).filter(
            models.Q(service=service) | models.Q(service__isnull=True)
        ).order_by(models.F("service").asc(nulls_last=True), "pk")


class EventRule(models.Model):
    """What an exception event on a service does. The first matching rule applies.

    No rule, no action: the event is stored and shown in trends only.
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="event_rules",
        help_text="Empty: applies to every service without its own rule.",
    )
    is_enabled = models.BooleanField(default=True)
    raise_incident = models.BooleanField(
        default=True, help_text="Raise an incident, or comment on the open event incident."
    )
    incident_severity = models.PositiveSmallIntegerField(
        default=3, choices=[(1, "Sev 1"), (2, "Sev 2"), (3, "Sev 3"), (4, "Sev 4")]
    )
    set_degraded = models.BooleanField(
        default=True, help_text="Mark the service Degraded while exceptions keep arriving."
    )
    degraded_hold = models.DurationField(
        default=timedelta(minutes=30),
        help_text="How long after the last exception the service stays Degraded.",
    )

    objects = EventRuleQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "pk"]

    def __str__(self):
        return f"Event rule for {self.service or 'every service'}"
