"""Builders for reporting tests: status intervals, changes with recorded outcomes, returns."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory

from changes.factories import ChangeImpactFactory, ChangeNotificationFactory
from changes.models import ChangeNotification, ChangeTransition
from servicestatus.models import StatusInterval

from .models import ImprovementOpportunity, KpiReturn, KpiReturnFigure

LONDON = ZoneInfo("Europe/London")


def london(*args):
    """Return an aware datetime in UK time: london(2026, 10, 25, 9, 0)."""
    return datetime(*args, tzinfo=LONDON)


def status_history(service, *spans):
    """Write a service's intervals: spans are (status, start, end or None), tiling time."""
    return [StatusInterval.objects.create(service=service, status=status, start=start, end=end,
                                          cause="manual")
            for status, start, end in spans]


def change_with_outcome(*, provider, service, change_type, outcome=None, outcome_at=None,
                        status=None):
    """Return a change notification whose lifecycle rows end in `outcome` at `outcome_at`.

    Built from rows directly: the KPI reads only the type and the recorded outcome.
    """
    change = ChangeNotificationFactory(provider=provider, change_type=change_type,
                                       status=status or outcome or "in_progress",
                                       planned_start=outcome_at or london(2026, 10, 1),
                                       planned_end=(outcome_at or london(2026, 10, 1))
                                       .replace(year=2027))
    ChangeImpactFactory(change_notification=change, service=service)
    ChangeTransition.objects.create(change_notification=change, from_status="approved",
                                    to_status="in_progress",
                                    at=(outcome_at or london(2026, 10, 1)))
    if outcome:
        ChangeTransition.objects.create(change_notification=change, from_status="in_progress",
                                        to_status=outcome, at=outcome_at)
    return change


MAJOR, EMERGENCY, NORMAL = (ChangeNotification.Type.MAJOR, ChangeNotification.Type.EMERGENCY,
                            ChangeNotification.Type.NORMAL)


class KpiReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiReturn

    period = "2026-10"
    channel = KpiReturn.Channel.API
    due_on = factory.LazyFunction(lambda: datetime(2026, 11, 6).date())


class KpiReturnFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiReturnFigure

    kpi_return = factory.SubFactory(KpiReturnFactory)
    kpi = "incidents"


class ImprovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementOpportunity

    title = factory.Sequence(lambda n: f"Shorten Sev2 resolution ({n})")
    description = "Sev2 incidents wait too long for the provider."
    source = ImprovementOpportunity.Source.REVIEW
