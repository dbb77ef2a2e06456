"""Checking demand against capacity: forecasts (the evaluation task and submission share
it) and the hourly actuals providers report.

A forecast that alone, or with the forecasts overlapping it, exceeds a capacity
band raises (or joins) an ExcessiveDemandAlert; the desk and the providers of
the service and of every service linked to it are told (s.8.16-8.20). Actual
demand over a band raises an alert on its own basis, once per breach episode (a
run of consecutive hours over), and the desk and every CDS provider are told
(s.7.39, s.8.18-8.19).
Kept apart from demand.services because the evaluation task runs it while
services queues that task: neither module needs to import the other's caller.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from accounts.models import Organisation, Role
from notifications.services import notify_users, queue_email, wants_email
from services.models import Service, ServiceDependency

from . import capacity
from .models import (
    ActualVolume,
    AlertTransition,
    CapacityThreshold,
    ExcessiveDemandAlert,
    Forecast,
)

ALERT_TOPIC = "demand.excessive"


@transaction.atomic
def evaluate_forecast(*, forecast_id):
    """Check one submitted forecast against capacity; return its alert or None.

    Locks the service row so that two forecasts on the same service are
    evaluated one after the other (otherwise each could miss the other and no
    alert be raised, or both raise one). A forecast is evaluated once: any
    status but SUBMITTED means done, so the alert is created once.
    """
    forecast = Forecast.objects.select_related("service").get(pk=forecast_id)
    Service.objects.select_for_update().filter(pk=forecast.service_id).first()
    forecast.refresh_from_db(fields=["status", "alert"])
    if forecast.status != Forecast.Status.SUBMITTED:
        return forecast.alert
    thresholds = list(CapacityThreshold.objects.active().filter(service_id=forecast.service_id,
                                                                unit=forecast.unit))
    breach = capacity.worst_breach(Forecast.objects, service_id=forecast.service_id,
                                   unit=forecast.unit,
                                   start=forecast.window_start, end=forecast.window_end,
                                   thresholds=thresholds)
    if breach is None:
        forecast.transition(to=Forecast.Status.WITHIN_CAPACITY, by=None,
                            reason="Within capacity with every overlapping forecast.")
        return None
    alert, created = _alert_for(forecast, breach)
    forecast.transition(
        to=Forecast.Status.UNDER_REVIEW, by=None, alert=alert,
        reason=f"Peak {breach.peak_volume} > capacity {breach.threshold.max_volume} "
               f"{forecast.get_unit_display()} ({breach.threshold.name}).",
    )
    _join_contributors(alert, breach, raised_by=forecast)
    if created:
        alert_desk_and_providers(alert=alert)
    return alert


def _join_contributors(alert, breach, *, raised_by):
    """Put the forecasts running at the peak that had passed on their own under review too.

    The outcome concerns the combined demand, so every submitter whose forecast
    makes up the peak hears it, not only the one that tipped it over.
    """
    running_at_peak = Forecast.objects.overlapping(
        service_id=alert.service_id, unit=alert.unit, start=breach.peak_at,
        end=breach.peak_at + timedelta(seconds=1),
    ).filter(status=Forecast.Status.WITHIN_CAPACITY, alert__isnull=True)
    for other in running_at_peak:
        other.transition(to=Forecast.Status.UNDER_REVIEW, by=None, alert=alert,
                         reason=f"Part of the peak of {alert.reference}, raised by "
                                f"{raised_by.reference}.")


def _alert_for(forecast, breach):
    """Return (alert, created): join an open alert on the same service whose window overlaps."""
    alert = (ExcessiveDemandAlert.objects.select_for_update().awaiting_outcome()
             .filter(basis=ExcessiveDemandAlert.Basis.FORECAST,
                     service_id=forecast.service_id, unit=forecast.unit,
                     breach_start__lt=forecast.window_end, breach_end__gt=forecast.window_start)
             .order_by("created_at").first())
    if alert is not None:
        if breach.peak_volume > alert.peak_volume:
            alert.peak_volume, alert.peak_at = breach.peak_volume, breach.peak_at
            alert.save(update_fields=["peak_volume", "peak_at"])
        return alert, False
    alert = ExcessiveDemandAlert.objects.create(
        service_id=forecast.service_id, unit=forecast.unit, threshold=breach.threshold,
        max_volume=breach.threshold.max_volume, peak_volume=breach.peak_volume,
        peak_at=breach.peak_at, breach_start=breach.start, breach_end=breach.end,
    )
    AlertTransition.objects.create(alert=alert, to_status=alert.status,
                                   reason=f"Raised by forecast {forecast.reference}")
    return alert, True


HOUR = timedelta(hours=1)


@transaction.atomic
def evaluate_actuals(*, hours):
    """Check reported hours against capacity; return the alerts of new breach episodes.

    `hours` is {(service id, unit): {hour start}} just reported. An hour is over capacity
    when the total reported for it (every participant together) exceeds the lowest band
    in force during it. An hour over joins the actual-demand alert of its service and unit
    whose episode it touches (the hour before or after, or one already in it), whatever
    that alert's outcome; otherwise it starts a new episode, and only then are the desk
    and the providers told. Locks each service row, as forecast evaluation does.
    """
    raised = []
    for (service_id, unit), reported in sorted(hours.items()):
        Service.objects.select_for_update().filter(pk=service_id).first()
        thresholds = list(CapacityThreshold.objects.active().filter(service_id=service_id,
                                                                    unit=unit))
        if not thresholds:
            continue
        totals = dict(ActualVolume.objects.filter(service_id=service_id, unit=unit,
                                                  hour_start__in=list(reported))
                      .order_by().values("hour_start").annotate(total=Sum("volume"))
                      .values_list("hour_start", "total"))
        for hour in sorted(reported):
            bands = [p.threshold for p in capacity.pieces(thresholds, hour, hour + HOUR)
                     if p.threshold is not None]
            if not bands:
                continue
            band = min(bands, key=lambda t: t.max_volume)
            total = totals.get(hour, 0)
            if total > band.max_volume:
                alert, created = _actual_episode(service_id, unit, hour, total, band)
                if created:
                    raised.append(alert)
    for alert in raised:
        alert_desk_and_all_providers(alert=alert)
    return raised


def _actual_episode(service_id, unit, hour, total, band):
    """Return (alert, created): the actual-demand episode `hour` extends, or a new one."""
    alert = (ExcessiveDemandAlert.objects.select_for_update()
             .filter(basis=ExcessiveDemandAlert.Basis.ACTUAL, service_id=service_id, unit=unit,
                     breach_start__lte=hour + HOUR, breach_end__gte=hour)
             .order_by("created_at", "pk").first())
    if alert is not None:
        alert.breach_start = min(alert.breach_start, hour)
        alert.breach_end = max(alert.breach_end, hour + HOUR)
        fields = ["breach_start", "breach_end"]
        if total > alert.peak_volume:
            alert.peak_volume, alert.peak_at = total, hour
            alert.threshold, alert.max_volume = band, band.max_volume
            fields += ["peak_volume", "peak_at", "threshold", "max_volume"]
        alert.save(update_fields=fields)
        return alert, False
    alert = ExcessiveDemandAlert.objects.create(
        basis=ExcessiveDemandAlert.Basis.ACTUAL, service_id=service_id, unit=unit,
        threshold=band, max_volume=band.max_volume, peak_volume=total, peak_at=hour,
        breach_start=hour, breach_end=hour + HOUR)
    AlertTransition.objects.create(alert=alert, to_status=alert.status,
                                   reason="Raised by actual volumes reported over capacity")
    return alert, True


def providers_to_notify(service):
    """Return the provider organisations told of excessive demand on `service`.

    The service's own provider, and the providers of every service linked to it
    in the dependency graph (either direction): traffic into CSS is passed on
    to UK Link, MPAS and the DCC, and each request also calls the services it
    needs, so all of them see the load (s.7.40, s.8.19). Unrelated providers
    are not told, to keep the notice meaningful.
    """
    graph = ServiceDependency.objects.graph()
    ids = {service.pk} | graph.upstream({service.pk}) | graph.downstream({service.pk})
    return Organisation.objects.filter(
        services_provided__pk__in=ids, kind=Organisation.Kind.CDS_PROVIDER, is_active=True,
    ).distinct()


def alert_desk_and_providers(*, alert):
    """Queue the desk alert and one notice per provider (no submitter named to providers)."""
    User = get_user_model()
    desk = User.objects.people().filter(is_active=True,
                                        role__in=[Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS])
    context = {"alert": alert, "service": alert.service}
    notify_users(users=desk, topic=ALERT_TOPIC,
                 subject=f"[{alert.reference}] Excessive demand forecast on {alert.service.name}",
                 template="demand/email/alert_desk", context=context,
                 dedup_key=f"demand-alert-{alert.pk}-desk")
    for provider in providers_to_notify(alert.service):
        people = provider.users.people().filter(is_active=True)
        to = [provider.contact_email] + [u.email for u in people if wants_email(u, ALERT_TOPIC)]
        queue_email(to=to, topic=ALERT_TOPIC,
                    subject=f"[{alert.reference}] Excessive demand expected on "
                            f"{alert.service.name}",
                    template="demand/email/alert_provider",
                    context={**context, "provider": provider},
                    dedup_key=f"demand-alert-{alert.pk}-provider-{provider.pk}")


def alert_desk_and_all_providers(*, alert):
    """Queue the desk notice and one notice per CDS provider of excessive actual demand.

    Every CDS provider is told, not only those linked to the service: demand already
    arriving above a band can spill into any part of the switching arrangements, and
    the strategy has Switching Demand Management tell the Central Data Services
    (s.8.19). No participant is named to providers.
    """
    User = get_user_model()
    desk = User.objects.people().filter(is_active=True,
                                        role__in=[Role.SERVICE_DESK, Role.SWITCHING_OPERATIONS])
    context = {"alert": alert, "service": alert.service}
    notify_users(users=desk, topic=ALERT_TOPIC,
                 subject=f"[{alert.reference}] Excessive actual demand on {alert.service.name}",
                 template="demand/email/actual_desk", context=context,
                 dedup_key=f"demand-alert-{alert.pk}-desk")
    providers = Organisation.objects.filter(kind=Organisation.Kind.CDS_PROVIDER, is_active=True)
    for provider in providers.order_by("name"):
        people = provider.users.people().filter(is_active=True)
        to = [provider.contact_email] + [u.email for u in people if wants_email(u, ALERT_TOPIC)]
        queue_email(to=to, topic=ALERT_TOPIC,
                    subject=f"[{alert.reference}] Excessive demand now on {alert.service.name}",
                    template="demand/email/actual_provider",
                    context={**context, "provider": provider},
                    dedup_key=f"demand-alert-{alert.pk}-provider-{provider.pk}")
