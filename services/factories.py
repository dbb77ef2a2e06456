import factory

from accounts.factories import OrganisationFactory

from .models import BusinessCalendar, Service, ServiceDependency


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Central Service {n}")
    provider = factory.SubFactory(OrganisationFactory, provider=True)
    resolver_group = factory.SelfAttribute("provider")
    service_hours = factory.LazyFunction(BusinessCalendar.twenty_four_seven)


class ServiceDependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceDependency

    service = factory.SubFactory(ServiceFactory)
    depends_on = factory.SubFactory(ServiceFactory)
