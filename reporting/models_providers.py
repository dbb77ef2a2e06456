"""Service provider records (s.5.7, s.9.4 Service Provider Management): each CDS provider's
agreement, service hours and escalation contacts, and the periodic service reviews held
with it (agenda from the month's KPIs, actions with owners and due dates)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from .errors import InvalidTransition


class ProviderRecordQuerySet(VisibleQuerySet):
    pass


class ProviderRecord(models.Model):
    """What Switching Operations holds about one CDS provider: the agreement and its terms."""

    class AgreementKind(models.TextChoices):
        CONTRACT = "contract", "Contract"  # a binding contract (the CSS provider)
        OLA = "ola", "Operational Level Agreement"  # an existing CDS under an OLA
        CODE = "code", "Industry code obligation"  # obligations set by the industry codes

    provider = models.OneToOneField(Organisation, on_delete=models.PROTECT,
                                    related_name="provider_record",
                                    limit_choices_to={"kind": Organisation.Kind.CDS_PROVIDER})
    agreement_kind = models.CharField(max_length=8, choices=AgreementKind.choices)
    agreement_reference = models.CharField(max_length=100,
                                           help_text="e.g. the contract or OLA number.")
    agreement_starts_on = models.DateField()
    agreement_ends_on = models.DateField(null=True, blank=True,
                                         help_text="Empty: open-ended (renewal is reviewed).")
    service_hours = models.CharField(
        max_length=300, help_text="Agreed service hours, e.g. 24x7x365 except planned "
                                  "maintenance Sundays 00:00-04:00 UK time.")
    review_every_months = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="How often a service review is held with the provider.")
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderRecordQuerySet.as_manager()

    class Meta:
        ordering = ["provider__name"]

    def __str__(self):
        return f"{self.provider.name}: {self.agreement_reference}"

    def next_review_due(self):
        """Return the first day of the month the next review falls due (after the last one)."""
        last = self.provider.service_reviews.order_by("-period_start").first()
        if last is None:
            return None
        start = last.period_start
        months = start.year * 12 + start.month - 1 + self.review_every_months
        return start.replace(year=months // 12, month=months % 12 + 1, day=1)


class EscalationContact(models.Model):
    """Who at the provider to escalate to, level 1 first."""

    record = models.ForeignKey(ProviderRecord, on_delete=models.CASCADE,
                               related_name="escalation_contacts")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1),
                                                         MaxValueValidator(5)])
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    hours = models.CharField(max_length=100, blank=True, help_text="When to call, e.g. 24x7.")

    class Meta:
        ordering = ["record", "level", "pk"]

    def __str__(self):
        return f"Level {self.level}: {self.name} ({self.role})"


class ServiceReviewQuerySet(VisibleQuerySet):
    pass


class ServiceReview(Lifecycle, models.Model):
    """A periodic service review with a provider (s.5.7): the month's KPIs are its agenda."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"  # agenda drawn from the month's KPIs, not yet held
        HELD = "held", "Held"  # the meeting took place; minutes recorded

    MOVES = Moves(Status, {Status.PLANNED: {Status.HELD}, Status.HELD: set()},
                  error=InvalidTransition)

    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                 related_name="service_reviews")
    period_start = models.DateField(help_text="The first day of the month reviewed.")
    meeting_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    agenda = models.TextField(help_text="Generated from the month's KPIs (reporting).")
    agenda_generated_at = models.DateTimeField(default=timezone.now)
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ServiceReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["provider", "period_start"],
                                               name="one_review_per_provider_month")]

    def __str__(self):
        if self.period_start is None or self.provider_id is None:
            return "Service review (new)"
        return f"Service review: {self.provider.name}, {self.period_start:%B %Y}"

    @property
    def lifecycle_subject(self):
        return f"the {self.period_start:%B %Y} review with {self.provider.name}"


class ServiceReviewTransition(TransitionRecord):
    statuses = ServiceReview.Status

    review = models.ForeignKey(ServiceReview, on_delete=models.CASCADE,
                               related_name="transitions")


class ReviewActionQuerySet(VisibleQuerySet):
    def open(self):
        return self.filter(status=ReviewAction.Status.OPEN)


class ReviewAction(models.Model):
    """An action agreed at a service review: an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # still to do
        DONE = "done", "Done"  # the owner (or Switching Operations) recorded it done

    review = models.ForeignKey(ServiceReview, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="review_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=4, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReviewActionQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_on", "pk"]

    def __str__(self):
        return self.description

    def complete(self):
        if self.status == self.Status.DONE:
            raise InvalidTransition("This action is already done.")
        self.status, self.done_at = self.Status.DONE, timezone.now()
        self.save(update_fields=["status", "done_at"])
