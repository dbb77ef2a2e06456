"""The service request catalogue, held as data that Switching Operations maintains.

An item says who may ask for it (audience), what the requester must tell us
(RequestField rows, from which the portal form and the API validation are both
generated), whether someone must approve it first, who fulfils it, and which
versioned SLA policy its clocks run on.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from kernel.clocks.units import Unit, describe_amount, to_duration
from services.models import BusinessCalendar


class RequestSlaPolicy(models.Model):
    """A named set of request service levels (e.g. "Access requests"); targets are versioned."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = "request SLA policy"
        verbose_name_plural = "request SLA policies"

    def __str__(self):
        return self.name

    def version_in_force(self, at=None):
        """Return the version in force at `at` (default now), or None."""
        at = at or timezone.now()
        return (self.versions.select_related("calendar").filter(effective_from__lte=at)
                .order_by("-effective_from").first())


class RequestSlaVersion(models.Model):
    """One version of a policy's targets. Requests pin the version they were raised under,
    so a new version applies to new requests and never rewrites old ones."""

    policy = models.ForeignKey(RequestSlaPolicy, on_delete=models.PROTECT, related_name="versions")
    effective_from = models.DateTimeField()
    response_amount = models.PositiveIntegerField(
        help_text="Time to acknowledge: approve, reject or start fulfilment.")
    response_unit = models.CharField(max_length=12, choices=Unit.choices)
    fulfilment_amount = models.PositiveIntegerField(help_text="Time to fulfil the request.")
    fulfilment_unit = models.CharField(max_length=12, choices=Unit.choices)
    task_amount = models.PositiveIntegerField(
        help_text="Time a fulfilment group has to complete a task handed to it.")
    task_unit = models.CharField(max_length=12, choices=Unit.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    pause_while_awaiting_approval = models.BooleanField(
        default=True, help_text="Stop the fulfilment clock while the request awaits approval.")
    warning_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(99)])

    class Meta:
        ordering = ["policy", "-effective_from"]
        verbose_name = "request SLA version"
        constraints = [models.UniqueConstraint(fields=["policy", "effective_from"],
                                               name="uniq_request_sla_version")]

    def __str__(self):
        return (f"{self.policy}: respond {self.response_text}, fulfil {self.fulfilment_text} "
                f"({self.calendar.name})")

    @property
    def response_text(self):
        return describe_amount(self.response_amount, self.response_unit)

    @property
    def fulfilment_text(self):
        return describe_amount(self.fulfilment_amount, self.fulfilment_unit)

    @property
    def task_text(self):
        return describe_amount(self.task_amount, self.task_unit)

    def response_duration(self):
        return to_duration(self.response_amount, self.response_unit, self.calendar.maths)

    def fulfilment_duration(self):
        return to_duration(self.fulfilment_amount, self.fulfilment_unit, self.calendar.maths)

    def task_duration(self):
        return to_duration(self.task_amount, self.task_unit, self.calendar.maths)


class Audience(models.TextChoices):
    PARTICIPANTS = "participants", "All Market Participants"  # every MP user
    MARKET_ROLE = "market_role", "Market Participants of one market role"  # see market_role
    PROVIDERS = "providers", "CDS providers"  # provider users only
    EVERYONE = "everyone", "Market Participants and CDS providers"  # every external party
    INTERNAL = "internal", "Internal (desk and Switching Operations)"  # staff only


class ApproverRole(models.TextChoices):
    NONE = "", "No approval needed"  # goes straight to the fulfilment queue
    ORG_ADMIN = "org_admin", "The requesting organisation's administrator"  # vouches for its staff
    OPERATIONS = "operations", "Switching Operations"  # authorises access to systems (s.9.7)


class FulfilmentGroup(models.TextChoices):
    DESK = "desk", "Switching Service Desk"  # 1st line fulfils it
    OPERATIONS = "operations", "Switching Operations"
    PROVIDER = "provider", "A CDS provider"  # see fulfilment_provider


class AccessEffect(models.TextChoices):
    NONE = "", "None"  # fulfilment is manual work only
    NEW_USER = "new_user", "Create a portal user"  # on fulfilment, after approval
    REVOKE_USER = "revoke_user", "Deactivate a user"  # on fulfilment, same organisation only
    UNLOCK_USER = "unlock_user", "Clear lockout and send a reset email"


class RequestItemQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def requestable_by(self, user):
        """Return active items `user` may ask for (the desk: every item, on someone's behalf)."""
        items = self.active()
        if policy.is_desk(user):
            return items
        if policy.is_participant(user) and user.organisation_id:
            role = user.organisation.market_role
            return items.filter(
                models.Q(audience__in=[Audience.PARTICIPANTS, Audience.EVERYONE])
                | models.Q(audience=Audience.MARKET_ROLE, market_role=role))
        if policy.is_provider(user) and user.organisation_id:
            return items.filter(audience__in=[Audience.PROVIDERS, Audience.EVERYONE])
        return items.none()


class RequestItem(models.Model):
    """Something a party may ask the Switching Service Desk for."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField()
    audience = models.CharField(max_length=20, choices=Audience.choices,
                                default=Audience.PARTICIPANTS)
    market_role = models.CharField(max_length=32, choices=Organisation.MarketRole.choices,
                                   blank=True, help_text="Only for the market-role audience.")
    approver_role = models.CharField(max_length=20, choices=ApproverRole.choices, blank=True)
    fulfilment_group = models.CharField(max_length=20, choices=FulfilmentGroup.choices,
                                        default=FulfilmentGroup.DESK)
    fulfilment_provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"kind": Organisation.Kind.CDS_PROVIDER},
        help_text="The CDS provider that fulfils it (provider fulfilment only).")
    sla_policy = models.ForeignKey(RequestSlaPolicy, on_delete=models.PROTECT,
                                   related_name="items")
    effect = models.CharField(max_length=20, choices=AccessEffect.choices, blank=True,
                              help_text="What fulfilling the request does to accounts.")
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    objects = RequestItemQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "request catalogue item"

    def __str__(self):
        return self.name

    def clean(self):
        if self.audience == Audience.MARKET_ROLE and not self.market_role:
            raise ValidationError({"market_role": "Say which market role may request this."})
        if self.audience != Audience.MARKET_ROLE and self.market_role:
            raise ValidationError({"market_role": "Only the market-role audience takes a role."})
        if self.fulfilment_group == FulfilmentGroup.PROVIDER and not self.fulfilment_provider_id:
            raise ValidationError({"fulfilment_provider": "Say which CDS provider fulfils it."})
        if self.fulfilment_group != FulfilmentGroup.PROVIDER and self.fulfilment_provider_id:
            raise ValidationError({"fulfilment_provider": "Only provider fulfilment names one."})

    @property
    def needs_approval(self):
        return bool(self.approver_role)


class FieldType(models.TextChoices):
    TEXT = "text", "Text (one line)"
    TEXTAREA = "textarea", "Text (several lines)"
    EMAIL = "email", "Email address"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice from a list"
    CHECKBOX = "checkbox", "Tick box"


class RequestField(models.Model):
    """One question on an item's form. The same row drives the portal form and the API."""

    item = models.ForeignKey(RequestItem, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=40, help_text="Name of the answer in the API (snake_case).")
    label = models.CharField(max_length=120)
    field_type = models.CharField(max_length=12, choices=FieldType.choices,
                                  default=FieldType.TEXT)
    required = models.BooleanField(default=True)
    choices = models.TextField(blank=True, help_text="Choice fields: one option per line.")
    min_value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Numbers: the smallest value. Text: the fewest characters.")
    max_value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Numbers: the largest value. Text: the most characters.")
    regex = models.CharField(max_length=200, blank=True,
                             help_text="Text: the whole answer must match this pattern.")
    regex_message = models.CharField(max_length=200, blank=True,
                                     help_text="Shown when the pattern does not match.")
    help_text = models.CharField(max_length=300, blank=True)
    not_before = models.SlugField(
        max_length=40, blank=True,
        help_text="Dates: the key of another date field of this item this answer may not be "
                  "before (e.g. an end date names its start date).")
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["item", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["item", "key"],
                                               name="uniq_request_field_key")]

    def __str__(self):
        return f"{self.item.code}.{self.key}"

    def choice_list(self):
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        errors = {}
        if self.field_type == FieldType.CHOICE and not self.choice_list():
            errors["choices"] = "A choice field needs at least one option."
        if self.field_type != FieldType.CHOICE and self.choices.strip():
            errors["choices"] = "Only choice fields take options."
        if self.regex:
            if self.field_type not in (FieldType.TEXT, FieldType.TEXTAREA, FieldType.EMAIL):
                errors["regex"] = "Only text answers can be matched against a pattern."
            try:
                re.compile(self.regex)
            except re.error as exc:
                errors["regex"] = f"Not a valid pattern: {exc}."
        if (self.min_value is not None and self.max_value is not None
                and self.min_value > self.max_value):
            errors["max_value"] = "The maximum must not be below the minimum."
        if self.not_before:
            other = self.item.fields.filter(key=self.not_before).exclude(pk=self.pk).first()
            if self.field_type != FieldType.DATE or other is None \
                    or other.field_type != FieldType.DATE:
                errors["not_before"] = "Name another date field of this item."
        if errors:
            raise ValidationError(errors)
