"""Subscriptions: email to people, webhooks to organisations' systems (through an outbox)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from services.models import Service

from .models_bulletins import Bulletin


class Subscription(models.Model):
    """A user's wish to be emailed about one service's status or one kind of bulletin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_subscriptions"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    bulletin_kind = models.CharField(max_length=20, choices=Bulletin.Kind.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(service__isnull=False) & models.Q(bulletin_kind=""))
                | (models.Q(service__isnull=True) & ~models.Q(bulletin_kind="")),
                name="subscription_one_topic",
            ),
            models.UniqueConstraint(fields=["user", "service"], name="uniq_sub_service",
                                    condition=models.Q(service__isnull=False)),
            models.UniqueConstraint(fields=["user", "bulletin_kind"], name="uniq_sub_bulletin",
                                    condition=~models.Q(bulletin_kind="")),
        ]

    def __str__(self):
        topic = self.service or self.get_bulletin_kind_display()
        return f"{self.user} -> {topic}"


class WebhookEndpointQuerySet(VisibleQuerySet):
    def enabled(self):
        return self.filter(is_enabled=True)


class WebhookEndpoint(models.Model):
    """An organisation's URL called on status changes and bulletins it may see."""

    class Topic(models.TextChoices):
        STATUS = "status", "Service status changes"
        BULLETIN = "bulletin", "Bulletins"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=64, editable=False, help_text="Signs each delivery (HMAC-SHA256)."
    )
    topics = models.JSONField(default=list, help_text="Subset of: status, bulletin.")
    services = models.ManyToManyField(
        Service, blank=True, related_name="+", help_text="Empty: every service."
    )
    is_enabled = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "url"]

    def __str__(self):
        return f"{self.organisation.short_code}: {self.url}"

    def save(self, *args, **kwargs):
        if not self.secret:
            self.secret = secrets.token_hex(32)
        super().save(*args, **kwargs)

    def topic_labels(self):
        """Return the topics as readers name them ("Service status changes", "Bulletins")."""
        return [self.Topic(topic).label if topic in self.Topic.values else topic
                for topic in self.topics]


class WebhookDeliveryQuerySet(VisibleQuerySet):
    def due(self, now=None):
        """Return pending deliveries to enabled endpoints whose attempt is due (sweep)."""
        now = now or timezone.now()
        return self.filter(status=WebhookDelivery.State.PENDING, next_attempt_at__lte=now,
                           endpoint__is_enabled=True)


class WebhookDelivery(models.Model):
    """The webhook outbox: one message to one endpoint, written with the change it reports."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for (another) attempt
        DELIVERED = "delivered", "Delivered"  # the endpoint answered 2xx
        FAILED = "failed", "Failed"  # gave up after MAX_ATTEMPTS

    MAX_ATTEMPTS = 8

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event_type = models.CharField(max_length=40, help_text="e.g. service.status_changed")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} -> {self.endpoint.url}"

    def backoff(self):
        """Return the wait before the next attempt: 1, 2, 4 ... minutes, capped at 2 hours."""
        return timedelta(minutes=min(2 ** max(self.attempts - 1, 0), 120))


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at"]

    def __str__(self):
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"
