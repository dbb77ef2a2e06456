"""Demand and risk work that other parts of the system call: one function per business act.

Portal views, the API, admin actions, Celery tasks and other apps call these;
each is keyword-only and atomic, and the rule it enforces is written here once.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import Organisation, Role
from kernel.after_commit import enqueue_after_commit
from notifications.services import notify_users, queue_email, wants_email
from services.graph import DependencyGraph
from services.models import Service

from . import capacity
from .errors import InvalidTransition
from .models import (
    ActualVolume,
    AlertTransition,
    CapacityThreshold,
    ExcessiveDemandAlert,
    Forecast,
    ForecastShare,
    ForecastTransition,
    Risk,
    RiskTransition,
)

ALERT_TOPIC = "demand.excessive"
OUTCOME_TOPIC = "demand.outcome"


@transaction.atomic
def submit_forecast(*, organisation, submitted_by, service, window_start, window_end, volume,
                    unit, reason):
    """Record one forecast and check it against capacity at once; return it."""
    forecast = Forecast(organisation=organisation, submitted_by=submitted_by, service=service,
                        window_start=window_start, window_end=window_end, volume=volume,
                        unit=unit, reason=reason)
    forecast.full_clean(exclude=["alert"])
    forecast.save()
    ForecastTransition.objects.create(forecast=forecast, to_status=forecast.status,
                                      by=submitted_by, reason="Submitted")
    evaluate_forecast(forecast_id=forecast.pk)
    forecast.refresh_from_db()
    return forecast


@transaction.atomic
def import_forecasts(*, organisation, submitted_by, rows):
    """Store pre-validated forecast rows (csv_import.read_forecasts) in one go; return them.

    bulk_create keeps a 10 000-row file to a few statements; the capacity check
    of each new forecast runs after commit in a task (evaluate_forecasts).
    """
    now = timezone.now()
    forecasts = Forecast.objects.bulk_create(
        [Forecast(organisation=organisation, submitted_by=submitted_by, created_at=now, **row)
         for row in rows],
        batch_size=2000,
    )
    # bulk_create skips the audit signals; these transition rows record who submitted
    # each forecast, when and how (PostgreSQL and SQLite return the new ids).
    ForecastTransition.objects.bulk_create(
        [ForecastTransition(forecast=f, to_status=f.status, by=submitted_by, at=now,
                            reason="Submitted by CSV upload") for f in forecasts],
        batch_size=2000,
    )
    ids = [f.pk for f in forecasts]

    from .tasks import evaluate_forecasts

    enqueue_after_commit(evaluate_forecasts, ids,
                         sweep="the evaluate_pending sweep (every 5 minutes)")
    return forecasts


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
    breach = capacity.worst_breach(service_id=forecast.service_id, unit=forecast.unit,
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
             .filter(service_id=forecast.service_id, unit=forecast.unit,
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


def providers_to_notify(service):
    """Return the provider organisations told of excessive demand on `service`.

    The service's own provider, and the providers of every service linked to it
    in the dependency graph (either direction): traffic into CSS is passed on
    to UK Link, MPAS and the DCC, and each request also calls the services it
    needs, so all of them see the load (s.7.40, s.8.19). Unrelated providers
    are not told, to keep the notice meaningful.
    """
    graph = DependencyGraph.load()
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


@transaction.atomic
def record_outcome(*, alert, outcome, by, note):
    """Record Switching Operations' outcome of an alert on it and all its forecasts.

    "Cannot be met" drafts a risk in the register linked to the alert (s.8.22).
    """
    from accounts import policy

    if not policy.may_decide_demand(by):
        raise InvalidTransition("Only Switching Operations record demand outcomes.")
    if not note.strip():
        raise InvalidTransition("Say what was decided and why.")
    alert = ExcessiveDemandAlert.objects.select_for_update().get(pk=alert.pk)
    alert.transition(to=outcome, by=by, reason=note)
    forecasts = list(alert.forecasts.filter(status=Forecast.Status.UNDER_REVIEW)
                     .select_related("submitted_by"))
    for forecast in forecasts:
        forecast.transition(to=outcome, by=by, reason=note)
    if outcome == ExcessiveDemandAlert.Status.CANNOT_BE_MET:
        draft_risk(
            title=f"Demand on {alert.service.name} cannot be met",
            description=(
                f"Forecast demand peaks at {alert.peak_volume} {alert.get_unit_display()} from "
                f"{timezone.localtime(alert.peak_at):%d %b %Y %H:%M} (UK), above the capacity "
                f"of {alert.max_volume} ({alert.threshold.name}). Decision: {note}"
            ),
            services=[alert.service], source=Risk.Source.DEMAND, raised_by=by, alert=alert,
            likelihood=4, impact=4,
        )
    # One email per submitter: one shared To: line would tell suppliers about each other.
    for submitter in {f.submitted_by for f in forecasts}:
        notify_users(users=[submitter], topic=OUTCOME_TOPIC,
                     subject=f"Your demand forecast on {alert.service.name}: "
                             f"{alert.get_status_display().lower()}",
                     template="demand/email/outcome", context={"alert": alert, "note": note},
                     dedup_key=f"demand-alert-{alert.pk}-outcome-{submitter.pk}")
    return alert


@transaction.atomic
def withdraw_forecast(*, forecast, by, reason=""):
    """Withdraw a forecast the submitter no longer expects (only its own organisation)."""
    if by.organisation_id != forecast.organisation_id:
        raise InvalidTransition("Only the submitting organisation can withdraw a forecast.")
    forecast.transition(to=Forecast.Status.WITHDRAWN, by=by, reason=reason or "Withdrawn")
    return forecast


@transaction.atomic
def share_forecast(*, forecast, organisation, by, reason=""):
    """Show one forecast in full (with its submitter) to a provider's people.

    The grant is the guardian object permission demand.view_forecast_submitter
    for each user of the provider now (API system account included); people
    who join later are granted by sharing again (it is idempotent).
    """
    from accounts import policy

    if not policy.may_decide_demand(by):
        raise InvalidTransition("Only Switching Operations share forecasts.")
    if organisation.kind != Organisation.Kind.CDS_PROVIDER:
        raise InvalidTransition("Forecasts are shared with CDS providers only.")
    share, _ = ForecastShare.objects.get_or_create(
        forecast=forecast, organisation=organisation,
        defaults={"shared_by": by, "reason": reason},
    )
    for user in organisation.users.filter(is_active=True):
        assign_perm("demand.view_forecast_submitter", user, forecast)
    return share


@transaction.atomic
def report_actuals(*, reported_by, rows):
    """Store hourly actual volumes; a later report for the same hour replaces the earlier one."""
    now = timezone.now()
    objs = [ActualVolume(service=r["service"], participant=r["participant"], unit=r["unit"],
                         hour_start=r["hour_start"], volume=r["volume"], reported_by=reported_by,
                         reported_at=now) for r in rows]
    return ActualVolume.objects.bulk_create(
        objs, batch_size=2000, update_conflicts=True,
        unique_fields=["service", "unit", "participant", "hour_start"],
        update_fields=["volume", "reported_by", "reported_at"],
    )


@transaction.atomic
def draft_risk(*, title, description, services, source, raised_by, alert=None,
               source_reference="", likelihood=3, impact=3):
    """Add a DRAFT risk to the register for Switching Operations to assess; return it.

    The entry point for other apps (e.g. availability shortfalls call it with
    source=Risk.Source.AVAILABILITY, source_reference="INC-000123"). `raised_by`
    may be None when the system raises it. A second call for the same alert
    returns the existing draft.
    """
    if alert is not None:
        existing = Risk.objects.filter(alert=alert).first()
        if existing is not None:
            return existing
        source_reference = source_reference or alert.reference
    risk = Risk.objects.create(
        title=title[:200], description=description, source=Risk.Source(source),
        source_reference=source_reference[:60], raised_by=raised_by, alert=alert,
        likelihood=likelihood, impact=impact,
    )
    risk.services.set(services)
    RiskTransition.objects.create(risk=risk, to_status=risk.status, by=raised_by,
                                  reason=f"Drafted ({risk.get_source_display().lower()})")
    return risk
