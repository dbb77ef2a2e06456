from datetime import timedelta

import factory
from django.utils import timezone

from accounts.factories import OrganisationFactory
from services.factories import ServiceFactory

from .models import ChangeFreeze, ChangeImpact, ChangeNotification, CoordinationMeeting


class ChangeNotificationFactory(factory.django.DjangoModelFactory):
    """A draft notification; `ChangeImpactFactory` adds the services it affects."""

    class Meta:
        model = ChangeNotification

    provider = factory.SubFactory(OrganisationFactory, provider=True)
    change_type = ChangeNotification.Type.NORMAL
    title = factory.Sequence(lambda n: f"Planned maintenance {n}")
    description = "Database upgrade."
    risk = "Low: rehearsed in pre-production."
    back_out_plan = "Restore the snapshot taken before the change."
    planned_start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    planned_end = factory.LazyAttribute(lambda o: o.planned_start + timedelta(hours=4))


class ChangeImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeImpact

    change_notification = factory.SubFactory(ChangeNotificationFactory)
    service = factory.SubFactory(ServiceFactory)
    impact = ChangeNotification.Impact.OUTAGE


class ChangeFreezeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeFreeze

    name = factory.Sequence(lambda n: f"Freeze {n}")
    recurrence = ChangeFreeze.Recurrence.ONE_OFF


class CoordinationMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoordinationMeeting

    title = factory.Sequence(lambda n: f"Change Co-ordination Group {n}")
    scheduled_for = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
