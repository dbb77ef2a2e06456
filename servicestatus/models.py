"""Live service status: the current state of each catalogue service and its history.

The history is a chain of StatusInterval rows per service (one open interval,
`end` null, at a time). Availability (availability.py) and the KPI reports are
computed from these rows, never from the current state alone.
"""

from django.conf import settings
from django.db import models

from accounts.policy import VisibleQuerySet
from services.models import Service


class Status(models.TextChoices):
    OPERATIONAL = "operational", "Operational"  # working normally
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"  # planned outage of a change
    DEGRADED = "degraded", "Degraded"  # working, at reduced capacity or speed
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"  # some functions or parties cannot use it
    MAJOR_OUTAGE = "major_outage", "Major outage"  # unusable for a large group of participants


# What each state means, in the words of the status page's legend (one per state).
STATUS_MEANING = {
    Status.OPERATIONAL: "Working normally.",
    Status.UNDER_MAINTENANCE: "Out of use, or limited, during a planned change window.",
    Status.DEGRADED: "Working, but slower or at reduced capacity.",
    Status.PARTIAL_OUTAGE: "Some functions, or some parties, cannot use it.",
    Status.MAJOR_OUTAGE: "Unusable for a large group of participants.",
}
AT_RISK_MEANING = ("Working, but a service it depends on is down, so it may be affected "
                   "at any moment.")

# Worse statuses win when several causes apply at once. An incident during a
# maintenance window outranks the window: participants need to know it overran.
SEVERITY_RANK = {
    Status.OPERATIONAL: 0,
    Status.UNDER_MAINTENANCE: 1,
    Status.DEGRADED: 2,
    Status.PARTIAL_OUTAGE: 3,
    Status.MAJOR_OUTAGE: 4,
}
# A service is "down" for its dependents (which are then marked at risk).
DOWN_STATUSES = {Status.UNDER_MAINTENANCE, Status.PARTIAL_OUTAGE, Status.MAJOR_OUTAGE}
BADGE = {
    Status.OPERATIONAL: "ok",
    Status.UNDER_MAINTENANCE: "warn",
    Status.DEGRADED: "warn",
    Status.PARTIAL_OUTAGE: "bad",
    Status.MAJOR_OUTAGE: "bad",
}


class Cause(models.TextChoices):
    INITIAL = "initial", "Initial state"  # the service's first interval
    MANUAL = "manual", "Set by the desk or Switching Operations"
    INCIDENT = "incident", "Open service-affecting incident"
    CHANGE = "change", "Change notification in progress"
    EVENT = "event", "Monitoring event"
    RECOVERED = "recovered", "All causes cleared"


class ServiceStateQuerySet(VisibleQuerySet):
    def public(self):
        return self.filter(service__in=Service.objects.public())


class ServiceState(models.Model):
    """The current status of one service, and how it is set (manual override or derived).

    A manual status, while set, wins over derivation: the desk may know that an
    incident affects fewer parties than its severity suggests. "Return to
    automatic" clears it.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="live_state")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPERATIONAL)
    since = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    at_risk = models.BooleanField(
        default=False, help_text="A service this one depends on is down (derived)."
    )
    at_risk_because = models.CharField(max_length=500, blank=True)
    auto_derive = models.BooleanField(
        default=True,
        help_text="Derive the status from incidents, change notifications and events.",
    )
    manual_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    manual_reason = models.CharField(max_length=500, blank=True)
    manual_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    manual_set_at = models.DateTimeField(null=True, blank=True)

    objects = ServiceStateQuerySet.as_manager()

    class Meta:
        ordering = ["service__name"]

    def __str__(self):
        return f"{self.service}: {self.get_status_display()}"

    @property
    def badge(self):
        return BADGE[self.status]


class StatusIntervalQuerySet(VisibleQuerySet):
    def current(self):
        return self.filter(end__isnull=True)

    def overlapping(self, start, end):
        """Return intervals that overlap [start, end) (index used by availability)."""
        return self.filter(start__lt=end).filter(models.Q(end__isnull=True) | models.Q(end__gt=start))


class StatusInterval(models.Model):
    """One stretch of time during which a service had one status.

    Written by services.recompute_status only; the open interval of a service
    is closed (end set) at the very moment the next one starts, so intervals
    of a service tile time without gaps or overlaps.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="status_intervals")
    status = models.CharField(max_length=20, choices=Status.choices)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty while current.")
    cause = models.CharField(max_length=12, choices=Cause.choices)
    cause_reference = models.CharField(
        max_length=60, blank=True, help_text="e.g. INC-000123, CHG-000045, or an event key."
    )
    reason = models.CharField(max_length=500, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StatusIntervalQuerySet.as_manager()

    class Meta:
        ordering = ["service", "start"]
        indexes = [models.Index(fields=["service", "start"], name="interval_service_start_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["service"], condition=models.Q(end__isnull=True),
                name="one_open_interval_per_service",
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="interval_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.service}: {self.get_status_display()} from {self.start:%Y-%m-%d %H:%M}"


from .models_bulletins import Bulletin, BulletinAcknowledgement  # noqa: E402,F401
from .models_events import Event, EventRule  # noqa: E402,F401
from .models_subscriptions import (  # noqa: E402,F401
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
