"""Bulletins: notices published by the desk and Switching Operations to an audience."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from services.models import Service


class BulletinQuerySet(VisibleQuerySet):
    def published(self, now=None):
        """Return bulletins that are out and not expired or withdrawn."""
        now = now or timezone.now()
        return self.filter(status=Bulletin.State.PUBLISHED, published_at__lte=now).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def public(self):
        """Return bulletins for the public status page (audience public only)."""
        return self.published().filter(audience=Bulletin.Audience.PUBLIC)


class Bulletin(models.Model):
    class Kind(models.TextChoices):
        AVAILABILITY = "availability", "Availability"  # a service's availability has changed
        SCHEDULED_CHANGE = "scheduled_change", "Scheduled change"  # planned work ahead
        INCIDENT_UPDATE = "incident_update", "Incident update"  # progress on an incident
        GENERAL = "general", "General"  # anything else

    class Audience(models.TextChoices):
        PUBLIC = "public", "Public (status page, no sign-in)"
        PARTICIPANTS = "participants", "All participants and providers"
        MARKET_ROLE = "market_role", "One market role"
        PROVIDERS = "providers", "CDS providers"
        INTERNAL = "internal", "Internal (desk and Switching Operations)"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"  # being written; seen by internal staff only
        PUBLISHED = "published", "Published"  # out to its audience
        WITHDRAWN = "withdrawn", "Withdrawn"  # taken down; kept for the record

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField(max_length=200)
    body = models.TextField()
    audience = models.CharField(max_length=20, choices=Audience.choices)
    market_role = models.CharField(
        max_length=32, blank=True, help_text="For audience 'One market role' only.",
        choices=Organisation.MarketRole.choices,
    )
    services = models.ManyToManyField(Service, blank=True, related_name="bulletins")
    requires_acknowledgement = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]

    def __str__(self):
        return self.title

    @property
    def is_live(self):
        now = timezone.now()
        return (self.status == self.State.PUBLISHED and self.published_at is not None
                and self.published_at <= now and (self.expires_at is None or self.expires_at > now))

    def reaches(self, user):
        """Return True if this bulletin is for `user` (the rule visible_to applies in SQL)."""
        if policy.is_internal(user):
            return True
        if self.status != self.State.PUBLISHED:
            return False
        if self.audience not in policy.bulletin_audiences_for(user):
            return False
        if self.audience == self.Audience.MARKET_ROLE:
            organisation = getattr(user, "organisation", None)
            return bool(organisation and organisation.market_role == self.market_role)
        return True

    def clean(self):
        if self.audience == self.Audience.MARKET_ROLE and not self.market_role:
            raise ValidationError({"market_role": "Choose the market role this bulletin is for."})
        if self.audience != self.Audience.MARKET_ROLE and self.market_role:
            raise ValidationError({"market_role": "Only 'One market role' bulletins name a role."})


class BulletinAcknowledgement(models.Model):
    """Who has read (and, where required, acknowledged) a bulletin."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "user"], name="uniq_bulletin_receipt")
        ]

    def __str__(self):
        return f"{self.user} read {self.bulletin}"
