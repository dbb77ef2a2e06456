"""Major incidents and post-incident reviews (their communications: models.communications);
inbound email."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class MajorIncident(models.Model):
    """A declared major incident (always Sev1); a BCDR invocation is always one."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE,
                                    related_name="major")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    declared_at = models.DateTimeField(default=timezone.now)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="major_incidents_managed",
                                help_text="Major incident manager.")
    bcdr_invoked = models.BooleanField("BCDR invoked", default=False)
    bcdr_invoked_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(help_text="What is happening, for all market participants.")

    def __str__(self):
        return f"Major incident {self.incident.reference}"


class PostIncidentReview(models.Model):
    """The obligation, created on declaration, to review a major incident by a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # review owed
        COMPLETED = "completed", "Completed"  # findings recorded

    major_incident = models.OneToOneField(MajorIncident, on_delete=models.CASCADE,
                                          related_name="review")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    findings = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Post-incident review of {self.major_incident.incident.reference}"


class InboundEmail(models.Model):
    """One mail read from the inbound mailbox: what became of it (guards double processing)."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Created an incident"
        UPDATED = "updated", "Added to an incident"
        HELD = "held", "Held for the desk"

    message_id = models.CharField(max_length=300, unique=True)
    sender = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.subject} from {self.sender} ({self.outcome})"


class HeldEmail(models.Model):
    """A mail from an unknown sender (or about an incident they cannot see), held for the desk."""

    inbound = models.OneToOneField(InboundEmail, on_delete=models.CASCADE, related_name="held")
    sender = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    why = models.CharField(max_length=200)
    released_as = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"Held: {self.subject} from {self.sender}"
