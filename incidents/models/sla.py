"""SLA and OLA targets as versioned data, and the escalations their clocks raise."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from kernel.clocks.units import Unit, describe_amount, to_duration
from services.models import BusinessCalendar

from .choices import PendingReason

SEVERITY_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]


class SlaPolicyQuerySet(models.QuerySet):
    def in_force(self, at=None):
        """Return the policy version in force at `at` (default now), or None."""
        at = at or timezone.now()
        return self.filter(effective_from__lte=at).order_by("-effective_from").first()


class SlaPolicy(models.Model):
    """One version of the incident service levels. Incidents pin the version they were raised
    under, so a new version applies to new incidents and never rewrites old ones."""

    name = models.CharField(max_length=120)
    effective_from = models.DateTimeField(unique=True)
    pause_awaiting_participant = models.BooleanField(
        default=True, help_text="Stop the resolution clock while pending on the participant.")
    pause_awaiting_provider = models.BooleanField(
        default=False, help_text="Stop the resolution clock while pending on a provider.")
    warning_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn when this share of a target has been used.")
    auto_close_days = models.PositiveSmallIntegerField(
        default=5, help_text="Close a resolved incident automatically after this many days.")
    reopen_window_days = models.PositiveSmallIntegerField(
        default=10, help_text="The participant may reopen a resolved incident within this window.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "SLA policy version"

    def __str__(self):
        return f"{self.name} (from {timezone.localtime(self.effective_from):%d %b %Y})"

    def pausing_reasons(self):
        """Return the pending reasons that stop the resolution clock under this version."""
        reasons = set()
        if self.pause_awaiting_participant:
            reasons.add(PendingReason.AWAITING_PARTICIPANT)
        if self.pause_awaiting_provider:
            reasons.add(PendingReason.AWAITING_PROVIDER)
        return reasons

    def target_for(self, severity):
        return self.targets.select_related("calendar").get(severity=severity)


class SlaTarget(models.Model):
    """Respond and resolve targets for one severity within one policy version."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="targets")
    severity = models.PositiveSmallIntegerField(validators=SEVERITY_VALIDATORS)
    response_amount = models.PositiveIntegerField()
    response_unit = models.CharField(max_length=12, choices=Unit.choices)
    resolution_amount = models.PositiveIntegerField()
    resolution_unit = models.CharField(max_length=12, choices=Unit.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    guidance = models.CharField(max_length=300, help_text="Shown to people choosing a severity.")

    class Meta:
        ordering = ["policy", "severity"]
        constraints = [models.UniqueConstraint(fields=["policy", "severity"],
                                               name="uniq_sla_target_per_severity")]

    def __str__(self):
        return f"Sev{self.severity}: respond {self.response_text}, resolve {self.resolution_text}"

    @property
    def response_text(self):
        return describe_amount(self.response_amount, self.response_unit)

    @property
    def resolution_text(self):
        return describe_amount(self.resolution_amount, self.resolution_unit)

    def response_duration(self):
        return to_duration(self.response_amount, self.response_unit, self.calendar.maths)

    def resolution_duration(self):
        return to_duration(self.resolution_amount, self.resolution_unit, self.calendar.maths)


class OlaTarget(models.Model):
    """How long a resolver group has to resolve an incident handed to it, per severity."""

    resolver_group = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="ola_targets",
        limit_choices_to={"kind__in": [Organisation.Kind.CDS_PROVIDER,
                                       Organisation.Kind.SWITCHING_OPERATIONS,
                                       Organisation.Kind.SERVICE_DESK]})
    severity = models.PositiveSmallIntegerField(validators=SEVERITY_VALIDATORS)
    resolution_amount = models.PositiveIntegerField()
    resolution_unit = models.CharField(max_length=12, choices=Unit.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["resolver_group__name", "severity"]
        verbose_name = "OLA target"
        constraints = [models.UniqueConstraint(fields=["resolver_group", "severity"],
                                               name="uniq_ola_per_group_severity")]

    def __str__(self):
        return f"{self.resolver_group} Sev{self.severity}: " \
               f"{describe_amount(self.resolution_amount, self.resolution_unit)}"

    def clean(self):
        if self.resolver_group_id and \
                self.resolver_group.kind == Organisation.Kind.MARKET_PARTICIPANT:
            raise ValidationError({"resolver_group": "A Market Participant is not a resolver."})

    def duration(self):
        return to_duration(self.resolution_amount, self.resolution_unit, self.calendar.maths)


class Escalation(models.Model):
    """An SLA warning or breach, recorded once per incident, clock and level."""

    class Clock(models.TextChoices):
        RESPONSE = "response", "Response"  # time to first response
        RESOLUTION = "resolution", "Resolution"  # time to resolve, less paused time

    class Level(models.TextChoices):
        WARNING = "warning", "Warning"  # the warning share of the target has been used
        BREACH = "breach", "Breach"  # the target has been missed; Switching Operations told

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE,
                                 related_name="escalations")
    clock = models.CharField(max_length=12, choices=Clock.choices)
    level = models.CharField(max_length=8, choices=Level.choices)
    severity = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "clock", "level"],
                                               name="uniq_escalation_once")]

    def __str__(self):
        return f"{self.incident.reference} {self.get_clock_display()} {self.get_level_display()}"
