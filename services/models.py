"""The service catalogue: the central systems a switch crosses, and how they depend on each other."""

from datetime import time
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.clocks.calendar import CalendarMaths

from .graph import DependencyGraph

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class BusinessCalendar(models.Model):
    """When the clock runs: 24x7, or working days and hours with bank holidays.

    Calendars are data so that Switching Operations can change hours or add a
    holiday without a release. SLA, OLA and notice-period clocks use them.
    """

    TWENTY_FOUR_SEVEN = "24x7"
    ENGLAND_AND_WALES = "england-and-wales-working-days"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    is_24x7 = models.BooleanField(default=False, help_text="Every minute counts; ignores the fields below.")
    working_days = models.CharField(
        max_length=13, default="0,1,2,3,4", help_text="Weekday numbers, Monday=0, comma separated.",
    )
    day_start = models.TimeField(default=time(8, 0))
    day_end = models.TimeField(default=time(18, 0), help_text="00:00 means midnight at the end of the day.")
    timezone = models.CharField(max_length=40, default="Europe/London")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            days = self.weekday_numbers
        except ValueError as exc:
            raise ValidationError(
                {"working_days": "Use weekday numbers 0-6 separated by commas."}
            ) from exc
        if not self.is_24x7:
            if not days:
                raise ValidationError({"working_days": "A working calendar needs at least one day."})
            if self.day_end != time(0, 0) and self.day_end <= self.day_start:
                raise ValidationError({"day_end": "The working day must end after it starts."})

    @property
    def weekday_numbers(self):
        days = [int(part) for part in self.working_days.split(",") if part.strip()]
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("weekday out of range")
        return days

    @cached_property
    def maths(self) -> CalendarMaths:
        """Return the arithmetic for this calendar (holidays loaded once per instance)."""
        return CalendarMaths(
            is_24x7=self.is_24x7,
            working_days=self.weekday_numbers,
            day_start=self.day_start,
            day_end=self.day_end,
            tz_name=self.timezone,
            holidays=set(self.holidays.values_list("date", flat=True)) if self.pk else set(),
        )

    # Convenience pass-throughs used across apps.
    def add_business_time(self, start, duration):
        return self.maths.add_business_time(start, duration)

    def business_time_between(self, start, end):
        return self.maths.business_time_between(start, end)

    def add_working_days(self, day, n):
        return self.maths.add_working_days(day, n)

    def working_days_between(self, start, end):
        return self.maths.working_days_between(start, end)

    def is_working_day(self, day):
        return self.maths.is_working_day(day)

    @classmethod
    def twenty_four_seven(cls):
        return cls.objects.get(slug=cls.TWENTY_FOUR_SEVEN)

    @classmethod
    def england_and_wales(cls):
        return cls.objects.get(slug=cls.ENGLAND_AND_WALES)


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_holiday_per_day")]

    def __str__(self):
        return f"{self.date:%d %b %Y} {self.name}"


class ServiceQuerySet(VisibleQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def public(self):
        """Return services shown on the public status page."""
        return self.filter(is_active=True, is_public=True)


class Service(models.Model):
    class Fuel(models.TextChoices):
        BOTH = "both", "Gas and electricity"
        GAS = "gas", "Gas"
        ELECTRICITY = "electricity", "Electricity"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services_provided",
        limit_choices_to={"kind__in": [Organisation.Kind.CDS_PROVIDER,
                                       Organisation.Kind.SWITCHING_OPERATIONS]},
    )
    resolver_group = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services_resolved",
        limit_choices_to={"kind__in": [Organisation.Kind.CDS_PROVIDER,
                                       Organisation.Kind.SWITCHING_OPERATIONS,
                                       Organisation.Kind.SERVICE_DESK]},
        help_text="Who incidents on this service are handed to.",
    )
    fuel = models.CharField(max_length=12, choices=Fuel.choices, default=Fuel.BOTH)
    availability_target = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("99.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent of service hours the service must be available.",
    )
    service_hours = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="+",
        help_text="When the service is expected to run (24x7 for most).",
    )
    is_public = models.BooleanField(default=True, help_text="Shown on the public status page.")
    is_active = models.BooleanField(default=True)
    used_by_market_roles = models.JSONField(
        default=list, blank=True,
        help_text="Market roles whose participants use the service (Organisation.MarketRole "
                  "values, e.g. [\"energy_supplier\", \"gas_shipper\"]); empty: every market "
                  "role. Who is told when it is affected by an incident.")

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.provider_id and self.provider.kind == Organisation.Kind.MARKET_PARTICIPANT:
            raise ValidationError({"provider": "A Market Participant cannot provide a central service."})
        roles = self.used_by_market_roles
        if not isinstance(roles, list) or set(roles) - set(Organisation.MarketRole.values):
            raise ValidationError({"used_by_market_roles": "List market roles from: "
                                   + ", ".join(Organisation.MarketRole.values) + "."})

    def is_used_by(self, market_role):
        """Return True if participants with `market_role` use this service."""
        return not self.used_by_market_roles or market_role in self.used_by_market_roles

    def depends_on_closure(self):
        """Return ids of every service this one needs, directly or transitively."""
        return ServiceDependency.objects.graph().upstream({self.pk})

    def dependents_closure(self):
        """Return ids of every service that needs this one, directly or transitively."""
        return ServiceDependency.objects.graph().downstream({self.pk})


class ServiceDependencyQuerySet(models.QuerySet):
    def graph(self, *, exclude_edge_id=None):
        """Return the DependencyGraph of these edges (one query), without one edge if asked."""
        rows = self if exclude_edge_id is None else self.exclude(pk=exclude_edge_id)
        return DependencyGraph(rows.values_list("service_id", "depends_on_id"))


class ServiceDependency(models.Model):
    """`service` needs `depends_on`: when `depends_on` is down, `service` is at risk."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependents")
    description = models.CharField(max_length=200, blank=True)

    objects = ServiceDependencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "service dependencies"
        constraints = [
            models.UniqueConstraint(fields=["service", "depends_on"], name="uniq_service_dependency"),
            models.CheckConstraint(
                condition=~models.Q(service=models.F("depends_on")), name="no_self_dependency"
            ),
        ]

    def __str__(self):
        return f"{self.service} needs {self.depends_on}"

    def clean(self):
        if self.service_id and self.service_id == self.depends_on_id:
            raise ValidationError("A service cannot depend on itself.")
        if self.service_id and self.depends_on_id:
            graph = ServiceDependency.objects.graph(exclude_edge_id=self.pk)
            if graph.creates_cycle(self.service_id, self.depends_on_id):
                raise ValidationError(
                    f"{self.depends_on} already depends on {self.service}; "
                    "this would make a dependency cycle."
                )
