"""The risk register (s.8.22, s.9.3): availability and capacity risks and their treatment."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .errors import InvalidTransition

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskQuerySet(VisibleQuerySet):
    def live(self):
        """Return risks still being worked (not closed)."""
        return self.exclude(status=Risk.Status.CLOSED)

    def due_for_review(self, on):
        return self.live().filter(review_date__lte=on)


class Risk(Lifecycle, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"  # raised (often automatically); Operations still to assess
        OPEN = "open", "Open"  # assessed and accepted into the register, owner named
        MITIGATING = "mitigating", "Mitigating"  # mitigation under way
        CLOSED = "closed", "Closed"  # no longer a risk, or retired with a reason

    class Source(models.TextChoices):
        DEMAND = "demand", "Demand cannot be met"  # an excessive-demand outcome (s.8.22)
        AVAILABILITY = "availability", "Availability shortfall"  # from availability management
        CAPACITY = "capacity", "Capacity"
        MANUAL = "manual", "Raised by hand"
        PROVIDER = "provider", "Raised by a service provider"  # a CDS provider's risk (s.9.3)

    MOVES = Moves(Status, {
        Status.DRAFT: {Status.OPEN, Status.CLOSED},
        Status.OPEN: {Status.MITIGATING, Status.CLOSED},
        Status.MITIGATING: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }, error=InvalidTransition)

    title = models.CharField(max_length=200)
    description = models.TextField()
    services = models.ManyToManyField(Service, related_name="risks", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="risks_owned", limit_choices_to={"role": "operations"},
        help_text="Switching Operations person accountable; needed to open the risk.",
    )
    likelihood = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE,
                                                  help_text="1 (rare) to 5 (almost certain).")
    impact = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE,
                                              help_text="1 (negligible) to 5 (severe).")
    score = models.PositiveSmallIntegerField(default=9, editable=False,
                                             help_text="Likelihood x impact, 1-25.")
    mitigation = models.TextField(blank=True)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    source_reference = models.CharField(
        max_length=60, blank=True, help_text="What raised it, e.g. EDA-000012 or INC-000123.",
    )
    alert = models.ForeignKey(
        "demand.ExcessiveDemandAlert", on_delete=models.PROTECT, null=True, blank=True,
        related_name="risks",
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    raised_by_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="risks_raised", editable=False,
        help_text="The service provider that raised it (it follows the risk's progress).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "review_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(likelihood__gte=1, likelihood__lte=5,
                                                      impact__gte=1, impact__lte=5),
                                   name="demand_risk_scale"),
            # One automatic draft per excessive-demand alert, however often it is triggered.
            models.UniqueConstraint(fields=["alert"], condition=models.Q(alert__isnull=False),
                                    name="demand_one_risk_per_alert"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs):
        self.score = (self.likelihood or 0) * (self.impact or 0)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"likelihood", "impact"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "score"}
        super().save(*args, **kwargs)

    @property
    def reference(self):
        return f"RSK-{self.pk:06d}" if self.pk else "RSK-(new)"

    @property
    def rating(self):
        """Return 'high' (15+), 'medium' (8-14) or 'low' for badges and sorting by eye."""
        return "high" if self.score >= 15 else "medium" if self.score >= 8 else "low"

    def missing_for_open(self):
        """Return what must be filled in before the risk can leave draft."""
        missing = []
        if self.owner_id is None:
            missing.append("an owner")
        if self.review_date is None:
            missing.append("a review date")
        if not self.mitigation.strip():
            missing.append("a mitigation")
        return missing

    @property
    def lifecycle_subject(self):
        return f"Risk {self.reference}"

    def transition(self, *, to, by, reason=""):
        """Move to status `to`, recording who, when, from, to and why."""
        self.check_transition(to=to, reason=reason)
        self.record_move(to, by=by, reason=reason)

    def check_transition(self, *, to, reason=""):
        """Raise InvalidTransition (with a readable reason) unless the move is allowed now."""
        self.check_move(to)
        if to in (self.Status.OPEN, self.Status.MITIGATING) and self.missing_for_open():
            raise InvalidTransition(
                f"Risk {self.reference} needs {', '.join(self.missing_for_open())} first."
            )
        if to == self.Status.CLOSED and not reason.strip():
            raise InvalidTransition("Say why the risk is closed.")

    def clean(self):
        if self.status != self.Status.DRAFT and self.missing_for_open():
            raise ValidationError(f"An {self.get_status_display().lower()} risk needs "
                                  f"{', '.join(self.missing_for_open())}.")


class RiskTransition(TransitionRecord):
    statuses = Risk.Status

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="transitions")
