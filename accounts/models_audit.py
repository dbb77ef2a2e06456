"""The audit table. Kept apart from accounts.models because every app writes to it."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from kernel import inserts

from .policy import VisibleQuerySet


class AuditEntryQuerySet(VisibleQuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )


class AuditEntry(models.Model):
    """One change to one business record. Rows are never updated or deleted."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    actor_label = models.CharField(max_length=150)
    channel = models.CharField(max_length=10)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        # Used by the admin console's per-record history.
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr} by {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Audit entries are append-only.")

    # The columns `append` writes, in order (the id is the database's).
    APPENDED = ("content_type", "object_id", "object_repr", "action", "changes", "actor",
                "actor_label", "channel", "remote_addr", "at")

    @classmethod
    def append(cls, rows):
        """Insert `rows` (tuples of the APPENDED fields' values but `at`, ids for the foreign
        keys): the trail's one write path, one INSERT per 500 rows (kernel.inserts).

        Every audited save writes a row, so this skips what the ORM's save() would do for
        nothing here: building an instance, the save signals (nothing listens to the
        trail), reading the new id back, compiling the statement each time. Each value
        still goes through its field's own conversion for the database in use.
        """
        at = timezone.now()
        inserts.insert_rows(cls, cls.APPENDED, [(*row, at) for row in rows])
