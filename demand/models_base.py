"""The shape every recorded status change shares: who, when, from, to, why."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TransitionRecord(models.Model):
    from_status = models.CharField(max_length=20, blank=True, help_text="Empty on creation.")
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+", help_text="Empty when the system acted.")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or 'new'} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"
