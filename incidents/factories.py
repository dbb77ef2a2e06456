import factory

from accounts.factories import OrganisationFactory, UserFactory
from kernel.clocks.units import Unit
from services.models import BusinessCalendar

from .models import Incident, OlaTarget
from .services import raise_incident


class IncidentFactory(factory.django.DjangoModelFactory):
    """Build incidents through services.raise_incident so clocks and references are real."""

    class Meta:
        model = Incident

    organisation = factory.SubFactory(OrganisationFactory)
    raised_by = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..organisation"))
    title = factory.Sequence(lambda n: f"Switch requests rejected ({n})")
    description = "Registration responses are not arriving for gas switches."
    severity = 3
    channel = "portal"

    @classmethod
    def _create(cls, model_class, services=(), at=None, **kwargs):
        return raise_incident(services=list(services), at=at, **kwargs)


class OlaTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OlaTarget
        django_get_or_create = ["resolver_group", "severity"]

    resolver_group = factory.SubFactory(OrganisationFactory, provider=True)
    severity = 3
    resolution_amount = 48
    resolution_unit = Unit.HOURS
    calendar = factory.LazyFunction(BusinessCalendar.twenty_four_seven)
