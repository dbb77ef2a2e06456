"""Compute the service request KPIs (s.10.11) of reporting/kpis/definitions.py.

One aggregate query per scope, or one grouped by catalogue item for the report's
per-item table. Volumes count submissions in the period (cancelled requests are not
measured); fulfilment figures count requests fulfilled in the period. Whether a request
was fulfilled within target is its stored `fulfilment_breached` verdict, which
servicerequests.clocks writes from the one clock engine and its met() rule
(kernel/clocks/engine.py), so no second rule for "within" lives here.
"""

from django.db.models import Count, Q, Sum

from servicerequests.models import ServiceRequest

from .maths import HOUR, between, duration, mean, percent

KEYS = ("requests", "requests_fulfilled", "request_fulfilment_hours", "requests_within_target")


def _aggregates(period):
    submitted = between("created_at", period) & ~Q(status=ServiceRequest.Status.CANCELLED)
    fulfilled = between("fulfilled_at", period)
    reached = submitted | fulfilled
    return reached, {
        "submitted": Count("pk", filter=submitted),
        "fulfilled": Count("pk", filter=fulfilled),
        "fulfilment_total": Sum(duration("fulfilled_at", "created_at"), filter=fulfilled),
        "within": Count("pk", filter=fulfilled & Q(fulfilment_breached=False)),
    }


def _scoped(*, item=None, provider=None):
    qs = ServiceRequest.objects.all()
    if item is not None:
        qs = qs.filter(item_id=item.pk)
    if provider is not None:
        qs = qs.filter(item__fulfilment_provider_id=provider.pk)
    return qs


def figures(row):
    """Return {key: (value, population)} from one aggregated row."""
    row = row or {}
    submitted, fulfilled = row.get("submitted", 0), row.get("fulfilled", 0)
    return {
        "requests": (submitted, submitted),
        "requests_fulfilled": (fulfilled, fulfilled),
        "request_fulfilment_hours": (mean(row.get("fulfilment_total"), fulfilled, HOUR),
                                     fulfilled),
        "requests_within_target": (percent(row.get("within", 0), fulfilled), fulfilled),
    }


def request_figures(period, *, item=None, provider=None):
    """Return {key: (value, population)} for the requests of one scope (one query)."""
    reached, aggregates = _aggregates(period)
    return figures(_scoped(item=item, provider=provider).filter(reached)
                   .aggregate(**aggregates))


def request_figures_by_item(period, *, provider=None):
    """Return {item id: {key: (value, population)}} for every item with requests in the
    period (one query grouped by item)."""
    reached, aggregates = _aggregates(period)
    rows = (_scoped(provider=provider).filter(reached).order_by().values("item_id")
            .annotate(**aggregates))
    return {row.pop("item_id"): figures(row) for row in rows}


def request_figures_by_provider(period):
    """Return {provider id: {key: (value, population)}} for every provider that fulfils
    requests submitted or fulfilled in the period (one query grouped by provider)."""
    reached, aggregates = _aggregates(period)
    rows = (ServiceRequest.objects.filter(reached, item__fulfilment_provider__isnull=False)
            .order_by().values("item__fulfilment_provider_id").annotate(**aggregates))
    return {row.pop("item__fulfilment_provider_id"): figures(row) for row in rows}
