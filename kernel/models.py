"""Records the kernel keeps for every app: stored idempotent responses, process heartbeats."""

from datetime import timedelta

from django.db import models
from django.utils import timezone


class IdempotencyRecordQuerySet(models.QuerySet):
    def expired(self, *, now=None):
        """Return records older than IdempotencyRecord.TTL (index used by the expiry sweep)."""
        return self.filter(created_at__lt=(now or timezone.now()) - IdempotencyRecord.TTL)


class IdempotencyRecord(models.Model):
    """The stored response of a POST sent with an `Idempotency-Key`, replayed on a retry.

    `scope` is whose key it is ("org:<id>" for an organisation's users and tokens,
    "user:<id>" for a user without one), so two parties may use the same key.
    """

    TTL = timedelta(hours=24)  # a retry after this is a new request

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = IdempotencyRecordQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"],
                                               name="kernel_uniq_idempotency_key")]
        indexes = [models.Index(fields=["created_at"], name="kernel_idempotency_expiry_idx")]

    def __str__(self):
        return f"{self.scope}: {self.key}"


class Heartbeat(models.Model):
    """The last time a background process said it was alive ("beat", "worker:<hostname>")."""

    name = models.CharField(max_length=200, primary_key=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
