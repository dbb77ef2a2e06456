"""The email outbox: a notice is a row written in the same transaction as the change.

A Celery task delivers it; a periodic sweep delivers anything a lost task
left behind. So when Redis or the mail server is down, the business record is
still saved and the notice goes out later: a delay, never a loss.

Delivery is claim-then-send (services.deliver): the attempt is recorded and committed
before the mail server is contacted, and each row carries one Message-ID for all its
attempts. A worker that dies between the server accepting a message and recording it
as sent leaves a claim that expires; the sweep sends again with the same Message-ID,
which mail clients and our inbound mail reader de-duplicate on. The guarantee is "at
least once, same Message-ID".
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Return emails due an attempt: pending and due, or claimed by a worker whose claim
        expired (it died mid-send). Index used by the outbox sweep."""
        now = now or timezone.now()
        return self.filter(status__in=(OutboundEmail.Status.PENDING, OutboundEmail.Status.SENDING),
                           next_attempt_at__lte=now)


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for (another) delivery attempt
        SENDING = "sending", "Sending"  # claimed by a worker until next_attempt_at (the lease)
        SENT = "sent", "Sent"  # handed to the mail server
        FAILED = "failed", "Failed"  # gave up after MAX_ATTEMPTS; visible to the desk

    MAX_ATTEMPTS = 8

    to = models.JSONField(help_text="List of recipient addresses.")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    topic = models.CharField(max_length=60, blank=True, help_text="e.g. incident.resolved")
    dedup_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True,
        help_text="If set, a second notice with the same key is not queued.",
    )
    sensitive = models.BooleanField(
        default=False,
        help_text="Carries a credential (e.g. a set-password link): the body is never shown "
                  "in the console and is wiped once delivered.",
    )
    reply_to = models.CharField(max_length=254, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(
        max_length=255, blank=True,
        help_text="Message-ID sent with every attempt, so a repeat is recognisable.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="When pending: when to try next. When sending: when the claim expires.")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            # The messages about one record: an incident's "[INC-000123] ..." subjects, read
            # by its workspace timeline with a prefix match (PostgreSQL needs the pattern
            # opclass for LIKE 'prefix%'; other databases ignore opclasses).
            models.Index(fields=["subject"], name="outbox_subject_prefix_idx",
                         opclasses=["varchar_pattern_ops"]),
        ]
        verbose_name = "outbound email"

    def __str__(self):
        return f"{self.subject} -> {', '.join(self.to)}"

    def backoff(self):
        """Return the wait before the next attempt: 1, 2, 4 ... minutes, capped at 2 hours."""
        return timedelta(minutes=min(2 ** max(self.attempts - 1, 0), 120))


class NotificationPreference(models.Model):
    """A user's choice not to be emailed about a topic (default: emailed)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    topic = models.CharField(max_length=60)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="uniq_pref_topic")]

    def __str__(self):
        return f"{self.user}: {self.topic} {'on' if self.email else 'off'}"
