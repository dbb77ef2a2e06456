"""Change Co-ordination records: impact consultation, CCG meetings, schedule subscriptions."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from services.models import Service


class ConsultationRequestQuerySet(VisibleQuerySet):
    def awaiting_response(self):
        return self.filter(response=ConsultationRequest.Response.PENDING)

    def overdue(self, now=None):
        """Return requests with no response by their deadline (the non-responses)."""
        return self.awaiting_response().filter(deadline__lt=now or timezone.now())


class ConsultationRequest(models.Model):
    """A provider of an affected or dependent service is asked what the change means for it."""

    class Response(models.TextChoices):
        PENDING = "pending", "Awaiting response"  # asked, not answered yet
        NO_IMPACT = "no_impact", "No impact"  # the provider expects no effect
        IMPACT = "impact", "Impact (see comment)"  # the provider expects an effect

    change_notification = models.ForeignKey("changes.ChangeNotification", on_delete=models.CASCADE,
                                            related_name="consultations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="change_consultations")
    services = models.ManyToManyField(Service, related_name="+",
                                      help_text="The organisation's services affected or dependent.")
    deadline = models.DateTimeField()
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.PENDING)
    comment = models.TextField(blank=True, max_length=5000)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsultationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        constraints = [models.UniqueConstraint(fields=["change_notification", "organisation"],
                                               name="uniq_consultation_per_org")]

    def __str__(self):
        return f"{self.change_notification.reference}: {self.organisation}"

    @property
    def is_overdue(self):
        return self.response == self.Response.PENDING and self.deadline < timezone.now()


class CoordinationMeeting(models.Model):
    """A Change Co-ordination Group meeting: an agenda of notifications awaiting decision."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"  # agenda being prepared
        HELD = "held", "Held"  # decisions and minutes recorded

    title = models.CharField(max_length=200)
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    minutes = models.TextField(blank=True, max_length=50000)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for"]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.scheduled_for):%d %b %Y})"


class AgendaItem(models.Model):
    """One notification on a meeting's agenda, and the group's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not yet decided"
        APPROVE = "approve", "Approve"  # the notification becomes approved (scheduled)
        REJECT = "reject", "Reject"  # the notification is rejected
        DEFER = "defer", "Defer"  # no decision; comes back on the next agenda

    meeting = models.ForeignKey(CoordinationMeeting, on_delete=models.CASCADE,
                                related_name="items")
    change_notification = models.ForeignKey("changes.ChangeNotification",
                                            on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    rationale = models.TextField(blank=True, max_length=5000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "change_notification"],
                                               name="uniq_agenda_item")]

    def __str__(self):
        return f"{self.change_notification} ({self.get_decision_display()})"


class ScheduleSubscription(models.Model):
    """A person asks to be emailed about scheduled changes on one service."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="change_subscriptions")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "service"],
                                               name="uniq_schedule_subscription")]

    def __str__(self):
        return f"{self.user} -> {self.service}"
