"""Excessive-demand evaluation, alerts, notifications, outcomes and the s.8.14-8.24 scenario."""

from datetime import UTC, datetime

import pytest

from demand import evaluation, services
from demand.errors import InvalidTransition
from demand.factories import ForecastFactory, ThresholdFactory
from demand.models import ExcessiveDemandAlert, Forecast, Risk, Unit
from services.factories import ServiceDependencyFactory, ServiceFactory


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def thresholds(service):
    return [ThresholdFactory(service=service, max_volume=5000),
            ThresholdFactory(service=service, other=True, max_volume=2000)]


def submit(user, service, start, end, volume, unit=Unit.SWITCH_REQUESTS):
    return services.submit_forecast(
        organisation=user.organisation, submitted_by=user, service=service, window_start=start,
        window_end=end, volume=volume, unit=unit, reason="Campaign")


@pytest.mark.django_db
def test_forecast_within_capacity_is_recorded_and_no_alert(supplier_user, service, thresholds):
    forecast = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 4000)

    assert forecast.status == Forecast.Status.WITHIN_CAPACITY
    assert forecast.alert is None
    assert [t.to_status for t in forecast.transitions.all()] == ["submitted", "within_capacity"]
    assert not ExcessiveDemandAlert.objects.exists()


@pytest.mark.django_db
def test_forecast_alone_over_capacity_is_excessive(supplier_user, service, thresholds):
    forecast = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 6000)

    assert forecast.status == Forecast.Status.UNDER_REVIEW
    assert forecast.alert.peak_volume == 6000 and forecast.alert.max_volume == 5000


@pytest.mark.django_db
def test_forecast_summed_with_others_is_excessive_and_alert_created_once(
        supplier_user, other_supplier_user, desk_agent, service, thresholds, mailoutbox,
        django_capture_on_commit_callbacks):
    earlier = ForecastFactory(service=service, volume=3000, window_start=utc(2026, 3, 2, 9),
                              window_end=utc(2026, 3, 2, 12))
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(supplier_user, service, utc(2026, 3, 2, 11), utc(2026, 3, 2, 14), 2500)
        second = submit(other_supplier_user, service, utc(2026, 3, 2, 10), utc(2026, 3, 2, 13),
                        500)
        evaluation.evaluate_forecast(forecast_id=first.pk)  # re-evaluation is a no-op

    assert first.status == second.status == Forecast.Status.UNDER_REVIEW
    assert ExcessiveDemandAlert.objects.count() == 1
    alert = first.alert
    assert second.alert == alert
    assert alert.peak_volume == 6000 and alert.peak_at == utc(2026, 3, 2, 11)
    # The forecast that fitted on its own is part of the peak, so it is under review too.
    assert {f.pk for f in alert.forecasts.all()} == {earlier.pk, first.pk, second.pk}
    earlier.refresh_from_db()
    assert earlier.status == Forecast.Status.UNDER_REVIEW
    assert "Part of the peak" in earlier.transitions.last().reason
    assert len([m for m in mailoutbox if "Excessive demand forecast" in m.subject]) == 1


@pytest.mark.django_db
def test_other_times_band_is_lower_at_night(supplier_user, service, thresholds):
    night = submit(supplier_user, service, utc(2026, 3, 2, 20), utc(2026, 3, 2, 23), 2500)
    assert night.status == Forecast.Status.UNDER_REVIEW
    assert night.alert.threshold == thresholds[1]


@pytest.mark.django_db
def test_without_thresholds_nothing_is_excessive(supplier_user, service):
    forecast = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 10**6)
    assert forecast.status == Forecast.Status.WITHIN_CAPACITY


@pytest.mark.django_db
def test_providers_of_linked_services_are_told_but_unrelated_ones_are_not(service,
                                                                            other_service):
    downstream = ServiceFactory(code="dcc-dsp")
    ServiceDependencyFactory(service=downstream, depends_on=service)
    told = set(evaluation.providers_to_notify(service))
    assert told == {service.provider, downstream.provider}
    assert other_service.provider not in told


@pytest.mark.django_db
def test_only_switching_operations_record_an_outcome(supplier_user, desk_agent, provider_user,
                                                     service, thresholds):
    alert = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 6000).alert
    for user in (supplier_user, desk_agent, provider_user):
        with pytest.raises(InvalidTransition):
            services.record_outcome(alert=alert, outcome="accepted", by=user, note="ok")
    alert.refresh_from_db()
    assert alert.status == ExcessiveDemandAlert.Status.OPEN


@pytest.mark.django_db
def test_outcome_is_final_and_needs_a_note(supplier_user, operations_user, service, thresholds):
    alert = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 6000).alert
    with pytest.raises(InvalidTransition, match="Say what"):
        services.record_outcome(alert=alert, outcome="accepted", by=operations_user, note=" ")
    services.record_outcome(alert=alert, outcome="mitigated", by=operations_user,
                            note="Supplier spreads the campaign over two days")
    with pytest.raises(InvalidTransition, match="already mitigated"):
        services.record_outcome(alert=alert, outcome="accepted", by=operations_user, note="x")
    forecast = alert.forecasts.get()
    assert forecast.status == Forecast.Status.MITIGATED
    assert not Risk.objects.exists()


@pytest.mark.django_db
def test_withdrawn_forecast_stops_counting(supplier_user, other_supplier_user, service,
                                           thresholds):
    big = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 4000)
    services.withdraw_forecast(forecast=big, by=supplier_user)
    with pytest.raises(InvalidTransition):
        services.withdraw_forecast(forecast=big, by=supplier_user)
    small = submit(other_supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 2000)
    assert small.status == Forecast.Status.WITHIN_CAPACITY


@pytest.mark.django_db
def test_only_the_submitting_organisation_withdraws(supplier_user, other_supplier_user, service):
    forecast = submit(supplier_user, service, utc(2026, 3, 2, 9), utc(2026, 3, 2, 12), 10)
    with pytest.raises(InvalidTransition):
        services.withdraw_forecast(forecast=forecast, by=other_supplier_user)


@pytest.mark.django_db
def test_draft_risk_is_public_entry_point_for_other_apps(operations_user, service):
    risk = services.draft_risk(title="MPAS availability below target",
                               description="Three outages this month.", services=[service],
                               source=Risk.Source.AVAILABILITY, raised_by=None,
                               source_reference="INC-000042")
    assert risk.status == Risk.Status.DRAFT and risk.reference.startswith("RSK-")
    assert list(risk.services.all()) == [service]
    assert risk.transitions.get().to_status == "draft"


@pytest.mark.django_db
def test_acceptance_excessive_forecast_to_risk_recorded(
        supplier_user, other_supplier_user, desk_agent, operations_user, provider_user,
        other_provider_user, service, other_service, mailoutbox,
        django_capture_on_commit_callbacks):
    """s.8.14-8.24: excessive forecast -> desk alerted -> providers notified -> cannot be met
    -> risk recorded."""
    dependent = ServiceFactory(code="des", provider=other_provider_user.organisation)
    ServiceDependencyFactory(service=dependent, depends_on=service)
    ThresholdFactory(service=service, max_volume=5000)
    earlier = ForecastFactory(service=service, organisation=other_supplier_user.organisation,
                              submitted_by=other_supplier_user, volume=3000,
                              window_start=utc(2026, 3, 2, 9), window_end=utc(2026, 3, 2, 17))

    # 1. A supplier warns of non-BAU demand that, with another's, exceeds capacity.
    with django_capture_on_commit_callbacks(execute=True):
        forecast = submit(supplier_user, service, utc(2026, 3, 2, 10), utc(2026, 3, 2, 12), 2500)
    alert = forecast.alert
    assert forecast.status == Forecast.Status.UNDER_REVIEW and alert.peak_volume == 5500

    # 2. The desk is alerted.
    desk_mail = [m for m in mailoutbox if m.subject.startswith(f"[{alert.reference}] Excessive "
                                                               "demand forecast")]
    assert len(desk_mail) == 1
    assert {desk_agent.email, operations_user.email} <= set(desk_mail[0].to)

    # 3. The providers of the service and of the service depending on it are notified,
    #    without being told who submitted the forecast.
    provider_mail = [m for m in mailoutbox if "Excessive demand expected" in m.subject]
    recipients = {address for m in provider_mail for address in m.to}
    assert provider_user.email in recipients and other_provider_user.email in recipients
    assert all(supplier_user.organisation.name not in m.body for m in provider_mail)

    # 4. Switching Operations records that the demand cannot be met.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_outcome(alert=alert, outcome=ExcessiveDemandAlert.Status.CANNOT_BE_MET,
                                by=operations_user, note="No headroom until the upgrade.")
    alert.refresh_from_db()
    forecast.refresh_from_db()
    earlier.refresh_from_db()
    assert alert.status == forecast.status == earlier.status == "cannot_be_met"
    assert [(t.from_status, t.to_status, t.by) for t in alert.transitions.all()] == [
        ("", "open", None), ("open", "cannot_be_met", operations_user)]

    # 5. The availability risk is recorded in the risk register as a draft, linked to the alert.
    risk = Risk.objects.get()
    assert risk.status == Risk.Status.DRAFT and risk.alert == alert
    assert risk.source == Risk.Source.DEMAND and risk.source_reference == alert.reference
    assert list(risk.services.all()) == [service] and risk.score == 16
    # Both submitters making up the peak are told the outcome, each in its own email.
    outcome_mail = [m for m in mailoutbox if "cannot be met" in m.subject]
    assert sorted(m.to for m in outcome_mail) == sorted([[other_supplier_user.email],
                                                        [supplier_user.email]])


@pytest.mark.django_db
def test_sweep_evaluates_forecasts_whose_task_was_lost(service, thresholds):
    import time_machine

    from demand.tasks import evaluate_pending

    with time_machine.travel(utc(2026, 3, 1, 12), tick=False):
        lost = ForecastFactory(service=service, status=Forecast.Status.SUBMITTED,
                               created_at=utc(2026, 3, 1, 11, 50))
        fresh = ForecastFactory(service=service, status=Forecast.Status.SUBMITTED,
                                created_at=utc(2026, 3, 1, 11, 58))
        assert evaluate_pending() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == Forecast.Status.WITHIN_CAPACITY
    assert fresh.status == Forecast.Status.SUBMITTED  # its own task is still due
