import factory
from django.utils import timezone

from accounts.factories import UserFactory
from services.factories import ServiceFactory

from .models import Bulletin, Event, EventRule, Status, StatusInterval, WebhookEndpoint


class StatusIntervalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusInterval

    service = factory.SubFactory(ServiceFactory)
    status = Status.MAJOR_OUTAGE
    start = factory.LazyFunction(timezone.now)
    end = None
    cause = "manual"


class BulletinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bulletin
        skip_postgeneration_save = True

    kind = Bulletin.Kind.GENERAL
    title = factory.Sequence(lambda n: f"Bulletin {n}")
    body = "Details of the notice."
    audience = Bulletin.Audience.PARTICIPANTS
    status = Bulletin.State.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory, desk=True)


class EventRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventRule

    service = None


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    service = factory.SubFactory(ServiceFactory)
    organisation = factory.SelfAttribute("service.provider")
    source = "monitor"
    severity = Event.Severity.WARNING
    dedup_key = factory.Sequence(lambda n: f"key-{n}")
    message = "Disk nearly full"
    occurred_at = factory.LazyFunction(timezone.now)
    last_seen = factory.SelfAttribute("occurred_at")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint
        skip_postgeneration_save = True

    organisation = factory.SubFactory("accounts.factories.OrganisationFactory")
    url = "http://127.0.0.1:9/hook"
    topics = factory.LazyFunction(lambda: ["status", "bulletin"])
