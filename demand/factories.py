from datetime import UTC, datetime, time, timedelta

import factory

from accounts.factories import OrganisationFactory, UserFactory
from services.factories import ServiceFactory

from .models import CapacityThreshold, Forecast, Risk, Unit


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    organisation = factory.SubFactory(OrganisationFactory)
    submitted_by = factory.SubFactory(UserFactory,
                                      organisation=factory.SelfAttribute("..organisation"))
    service = factory.SubFactory(ServiceFactory)
    window_start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    window_end = factory.LazyAttribute(lambda f: f.window_start + timedelta(hours=2))
    volume = 1000
    unit = Unit.SWITCH_REQUESTS
    reason = "Acquisition campaign"
    status = Forecast.Status.WITHIN_CAPACITY


class ThresholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityThreshold

    service = factory.SubFactory(ServiceFactory)
    unit = Unit.SWITCH_REQUESTS
    name = "Weekday 08:00-18:00"
    days = CapacityThreshold.WEEKDAYS
    start_time = time(8, 0)
    end_time = time(18, 0)
    max_volume = 5000

    class Params:
        other = factory.Trait(other_times=True, name="Other times", days="", max_volume=2000)


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    title = factory.Sequence(lambda n: f"Risk {n}")
    description = "Something could go wrong."
