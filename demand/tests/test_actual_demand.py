"""Actual demand (s.7.39, s.8.16-8.22): hourly actuals checked against capacity bands; one
alert per breach episode, the desk and every CDS provider told once; an availability risk."""

from datetime import UTC, datetime

import pytest

from demand import services
from demand.factories import ThresholdFactory
from demand.models import ExcessiveDemandAlert, Risk
from notifications.models import OutboundEmail

UPLOAD = "/api/v1/demand/actuals/upload/"
HEADER = "service,participant,hour_start,volume\n"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def bands(service):
    """Weekdays 08:00-18:00 UK time take 5000 an hour; other times 2000."""
    return [ThresholdFactory(service=service, max_volume=5000),
            ThresholdFactory(service=service, other=True, max_volume=2000)]


@pytest.fixture
def upload(api_client, provider_user, supplier_org, other_supplier_org, bands,
           other_provider_org):
    client = api_client(provider_user)

    def send(*rows):
        body = HEADER + "".join(f"uk-link,{org},{hour},{volume}\n" for org, hour, volume in rows)
        response = client.post(UPLOAD, body, content_type="text/csv")
        assert response.status_code == 201, response.content
        return response

    return send


def alert_emails():
    return OutboundEmail.objects.filter(topic="demand.excessive")


@pytest.mark.django_db
def test_hours_within_their_band_raise_nothing(upload):
    upload(("brightwater", "2026-03-02T09:00", 3000), ("kestrel", "2026-03-02T09:00", 2000))
    assert not ExcessiveDemandAlert.objects.exists() and not alert_emails().exists()


@pytest.mark.django_db
def test_an_hour_over_its_band_summed_over_participants_raises_an_alert_and_tells_everyone(
        upload, desk_agent, operations_user, provider_org, other_provider_org):
    upload(("brightwater", "2026-03-02T09:00", 3000), ("kestrel", "2026-03-02T09:00", 2500))
    alert = ExcessiveDemandAlert.objects.get()
    assert (alert.basis, alert.peak_volume, alert.max_volume) == ("actual", 5500, 5000)
    assert (alert.breach_start, alert.breach_end) == (utc(2026, 3, 2, 9), utc(2026, 3, 2, 10))
    desk = alert_emails().get(subject__contains="Excessive actual demand")
    assert set(desk.to) == {desk_agent.email, operations_user.email}
    told = {address for e in alert_emails().filter(subject__contains="demand now on")
            for address in e.to}
    # Every CDS provider, including Gemserv, whose services are not linked to UK Link.
    assert {provider_org.contact_email, other_provider_org.contact_email} <= told
    assert not any("Brightwater" in e.body_text or "Kestrel" in e.body_text
                   for e in alert_emails().filter(subject__contains="demand now on"))


@pytest.mark.django_db
def test_one_breach_episode_is_one_alert_and_one_round_of_notices_not_one_per_hour(upload):
    upload(("brightwater", "2026-03-02T09:00", 6000), ("brightwater", "2026-03-02T10:00", 6500))
    sent = alert_emails().count()
    upload(("brightwater", "2026-03-02T11:00", 7000))  # a later report continues the episode
    alert = ExcessiveDemandAlert.objects.get()
    assert (alert.breach_start, alert.breach_end) == (utc(2026, 3, 2, 9), utc(2026, 3, 2, 12))
    assert (alert.peak_volume, alert.peak_at) == (7000, utc(2026, 3, 2, 11))
    assert alert_emails().count() == sent
    # 12:00 within capacity, 13:00 over again: a new episode, and everyone is told again.
    upload(("brightwater", "2026-03-02T12:00", 4000), ("brightwater", "2026-03-02T13:00", 5200))
    assert ExcessiveDemandAlert.objects.count() == 2
    assert alert_emails().count() == 2 * sent


@pytest.mark.django_db
def test_bands_are_uk_time_so_the_same_utc_hour_is_judged_differently_in_summer(upload):
    # 07:00 UTC is 07:00 GMT in March (other times: 2000) but 08:00 BST in June (5000).
    upload(("brightwater", "2026-03-02T07:00", 3000), ("brightwater", "2026-06-01T08:00", 3000))
    alert = ExcessiveDemandAlert.objects.get()
    assert alert.peak_at == utc(2026, 3, 2, 7) and alert.threshold.other_times


@pytest.mark.django_db
def test_a_forecast_never_joins_an_actual_demand_alert(upload, supplier_user, service):
    upload(("brightwater", "2026-03-02T09:00", 6000))
    forecast = services.submit_forecast(
        organisation=supplier_user.organisation, submitted_by=supplier_user, service=service,
        window_start=utc(2026, 3, 2, 9), window_end=utc(2026, 3, 2, 10), volume=6000,
        unit="switch_requests", reason="Campaign")
    assert forecast.alert.basis == "forecast"
    assert ExcessiveDemandAlert.objects.count() == 2


@pytest.mark.django_db
def test_cannot_be_met_drafts_an_availability_risk(upload, operations_user, service):
    upload(("brightwater", "2026-03-02T09:00", 6000))
    alert = ExcessiveDemandAlert.objects.get()
    services.record_outcome(alert=alert, outcome="cannot_be_met", by=operations_user,
                            note="No headroom until the March release.")
    risk = Risk.objects.get(alert=alert)
    assert risk.source == Risk.Source.AVAILABILITY and risk.status == "draft"
    assert list(risk.services.all()) == [service]
    assert "6000" in risk.description and "March release" in risk.description


@pytest.mark.django_db
def test_providers_read_only_alerts_on_their_own_services_by_api(
        upload, api_client, provider_user, other_provider_user, supplier_user):
    upload(("brightwater", "2026-03-02T09:00", 6000))
    own = api_client(provider_user).get("/api/v1/demand/alerts/").json()
    assert [a["basis"] for a in own["results"]] == ["actual"]
    assert api_client(other_provider_user).get("/api/v1/demand/alerts/").json()["results"] == []
    assert api_client(supplier_user).get("/api/v1/demand/alerts/").json()["results"] == []


@pytest.mark.django_db
def test_a_provider_cannot_report_actuals_for_another_providers_service(
        api_client, other_provider_user, bands, supplier_org):
    response = api_client(other_provider_user).post(
        UPLOAD, HEADER + "uk-link,brightwater,2026-03-02T09:00,9000\n", content_type="text/csv")
    assert response.status_code == 400
    assert not ExcessiveDemandAlert.objects.exists()


@pytest.mark.django_db
def test_s8_14_to_8_22_with_actual_demand_from_the_providers_side(
        upload, api_client, provider_user, operations_user, desk_agent, provider_org,
        other_provider_org, service):
    # 8.16/8.18: the provider's demand management sees excessive demand and reports it.
    upload(("brightwater", "2026-03-02T10:00", 5200), ("kestrel", "2026-03-02T10:00", 900))
    alert = ExcessiveDemandAlert.objects.get()
    # 8.19: the desk is told, and every Central Data Service provider.
    recipients = {a for e in alert_emails() for a in e.to}
    assert {desk_agent.email, provider_org.contact_email,
            other_provider_org.contact_email} <= recipients
    # 8.20-8.22: capacity cannot meet it; Operations record that, and an availability
    # risk is drafted in the register for them to assess.
    response = api_client(operations_user).post(
        f"/api/v1/demand/alerts/{alert.pk}/outcome/",
        {"outcome": "cannot_be_met", "note": "CSS cannot scale before Friday."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cannot_be_met"
    risk = Risk.objects.get(alert=alert)
    assert (risk.source, risk.source_reference) == ("availability", alert.reference)
    # The provider sees the outcome of the alert on its service.
    seen = api_client(provider_user).get(f"/api/v1/demand/alerts/{alert.pk}/").json()
    assert seen["outcome_note"] == "CSS cannot scale before Friday."
