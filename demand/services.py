"""Demand and risk work that other parts of the system call: one function per business act.

Portal views, the API, admin actions, Celery tasks and other apps call these;
each is keyword-only and atomic, and the rule it enforces is written here once.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from kernel.after_commit import enqueue_after_commit
from notifications.services import notify_users, queue_email

from . import evaluation, tasks
from .errors import InvalidTransition
from .models import (
    ActualVolume,
    ExcessiveDemandAlert,
    Forecast,
    ForecastShare,
    ForecastTransition,
    Risk,
    RiskTransition,
)

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
    evaluation.evaluate_forecast(forecast_id=forecast.pk)
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

    enqueue_after_commit(tasks.evaluate_forecasts, ids,
                         sweep="the evaluate_pending sweep (every 5 minutes)")
    return forecasts


@transaction.atomic
def record_outcome(*, alert, outcome, by, note):
    """Record Switching Operations' outcome of an alert on it and all its forecasts.

    "Cannot be met" drafts a risk in the register linked to the alert (s.8.22): for actual
    demand an availability risk (the service is already short), for forecasts a demand one.
    """
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
    if outcome == ExcessiveDemandAlert.Status.CANNOT_BE_MET and \
            alert.basis == ExcessiveDemandAlert.Basis.ACTUAL:
        draft_risk(
            title=f"Availability of {alert.service.name} at risk from actual demand",
            description=(
                f"Reported demand reached {alert.peak_volume} {alert.get_unit_display()} in "
                f"the hour from {timezone.localtime(alert.peak_at):%d %b %Y %H:%M} (UK), above "
                f"the capacity of {alert.max_volume} ({alert.threshold.name}), between "
                f"{timezone.localtime(alert.breach_start):%d %b %H:%M} and "
                f"{timezone.localtime(alert.breach_end):%d %b %H:%M}. Decision: {note}"
            ),
            services=[alert.service], source=Risk.Source.AVAILABILITY, raised_by=by,
            alert=alert, likelihood=4, impact=4,
        )
    elif outcome == ExcessiveDemandAlert.Status.CANNOT_BE_MET:
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

    The ForecastShare row is the grant: the provider's users (its API system account and
    people who join later included) see the forecast while it exists. Idempotent.
    """
    if not policy.may_decide_demand(by):
        raise InvalidTransition("Only Switching Operations share forecasts.")
    if organisation.kind != Organisation.Kind.CDS_PROVIDER:
        raise InvalidTransition("Forecasts are shared with CDS providers only.")
    share, _ = ForecastShare.objects.get_or_create(
        forecast=forecast, organisation=organisation,
        defaults={"shared_by": by, "reason": reason},
    )
    return share


@transaction.atomic
def report_actuals(*, reported_by, rows):
    """Store hourly actual volumes and check the hours against capacity; return the rows.

    A later report for the same hour replaces the earlier one. Hours over capacity raise
    or extend an actual-demand alert (demand.evaluation.evaluate_actuals).
    """
    now = timezone.now()
    objs = [ActualVolume(service=r["service"], participant=r["participant"], unit=r["unit"],
                         hour_start=r["hour_start"], volume=r["volume"], reported_by=reported_by,
                         reported_at=now) for r in rows]
    stored = ActualVolume.objects.bulk_create(
        objs, batch_size=2000, update_conflicts=True,
        unique_fields=["service", "unit", "participant", "hour_start"],
        update_fields=["volume", "reported_by", "reported_at"],
    )
    hours = defaultdict(set)
    for r in rows:
        hours[(r["service"].pk, r["unit"])].add(r["hour_start"])
    evaluation.evaluate_actuals(hours=dict(hours))
    return stored


@transaction.atomic
def save_risk(*, risk, by, move_to="", reason="") -> Risk:
    """Save a risk edited in the console (a new one is raised by hand) and, if asked, move it
    to `move_to` with `reason`. Switching Operations only."""
    if not policy.may_manage_risks(by):
        raise PermissionDenied("Only Switching Operations change the risk register.")
    created = risk.pk is None
    if created:
        risk.raised_by, risk.source = by, Risk.Source.MANUAL
    risk.save()
    if created:
        risk.transitions.create(to_status=risk.status, by=by, reason="Raised in the console")
    if move_to:
        risk.transition(to=move_to, by=by, reason=reason)
        _tell_raising_provider(risk, reason=reason)
    return risk


PROVIDER_RISK_TOPIC = "demand.provider_risk"


@transaction.atomic
def raise_provider_risk(*, by, title, description, services=(), likelihood=3,
                        impact=3) -> Risk:
    """Record a risk a service provider communicates (s.9.3) as a draft for Switching
    Operations to triage (open it into the register, or close it with a reason), and
    tell them. The provider follows its status; the rest of the register stays internal."""
    if not policy.may_raise_provider_risk(by):
        raise PermissionDenied("Only service providers raise risks here.")
    risk = draft_risk(title=title.strip(), description=description.strip(), services=services,
                      source=Risk.Source.PROVIDER, raised_by=by,
                      source_reference=by.organisation.short_code,
                      likelihood=likelihood, impact=impact)
    risk.raised_by_organisation_id = by.organisation_id
    risk.save(update_fields=["raised_by_organisation"])
    operations = Organisation.objects.filter(kind=Organisation.Kind.SWITCHING_OPERATIONS,
                                             is_active=True)
    queue_email(to=[org.contact_email for org in operations],
                subject=f"Risk raised by {by.organisation}: {risk.reference} {risk.title}",
                template="demand/email/provider_risk", context={"risk": risk, "event": "raised"},
                topic=PROVIDER_RISK_TOPIC, dedup_key=f"demand-provider-risk:{risk.pk}")
    return risk


def _tell_raising_provider(risk, *, reason):
    """Tell whoever raised a provider's risk that Switching Operations moved it."""
    if risk.raised_by_organisation_id is None or risk.raised_by is None:
        return
    subject = f"{risk.reference} is now {risk.get_status_display().lower()}: {risk.title}"
    context = {"risk": risk, "event": "moved", "reason": reason}
    if risk.raised_by.is_system_account:  # raised over the API: the organisation's address
        queue_email(to=[risk.raised_by_organisation.contact_email], subject=subject,
                    template="demand/email/provider_risk", context=context,
                    topic=PROVIDER_RISK_TOPIC)
        return
    notify_users(users=[risk.raised_by], topic=PROVIDER_RISK_TOPIC, subject=subject,
                 template="demand/email/provider_risk", context=context)


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
