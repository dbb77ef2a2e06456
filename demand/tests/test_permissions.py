"""Every visibility rule, tried from the side that must not get through."""

from datetime import UTC, datetime

import pytest

from demand import services
from demand.factories import ForecastFactory, RiskFactory, ThresholdFactory
from demand.models import ActualVolume, ExcessiveDemandAlert, Forecast, Risk

API = "/api/v1/demand/forecasts/"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def theirs(other_supplier_user, service):
    return ForecastFactory(service=service, organisation=other_supplier_user.organisation,
                           submitted_by=other_supplier_user, volume=700,
                           reason="Kestrel secret campaign")


@pytest.fixture
def mine(supplier_user, service):
    return ForecastFactory(service=service, organisation=supplier_user.organisation,
                           submitted_by=supplier_user, volume=300)


@pytest.mark.django_db
def test_supplier_never_sees_another_suppliers_forecast(client, api_client, supplier_user,
                                                        mine, theirs):
    assert list(Forecast.objects.visible_to(supplier_user)) == [mine]
    api = api_client(supplier_user)
    assert [f["id"] for f in api.get(API).json()["results"]] == [mine.pk]
    assert api.get(f"{API}{theirs.pk}/").status_code == 404
    assert api.post(f"{API}{theirs.pk}/withdraw/").status_code == 404
    client.force_login(supplier_user)
    assert "Kestrel" not in client.get("/demand/").content.decode()
    assert client.get(f"/demand/{theirs.pk}/").status_code == 404
    assert client.post(f"/demand/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status != Forecast.Status.WITHDRAWN


@pytest.mark.django_db
def test_supplier_colleague_sees_the_organisations_forecasts(supplier_colleague, mine):
    assert list(Forecast.objects.visible_to(supplier_colleague)) == [mine]


@pytest.mark.django_db
def test_supplier_calendar_counts_only_its_own_demand(client, supplier_user, service, mine,
                                                      theirs):
    client.force_login(supplier_user)
    page = client.get("/demand/services/uk-link/calendar/?start=2026-03-02&days=1").content
    assert b">300<" in page and b">1000<" not in page and b">700<" not in page


@pytest.mark.django_db
def test_provider_sees_totals_on_its_service_but_not_who(client, api_client, provider_user,
                                                         service, mine, theirs):
    assert list(Forecast.objects.visible_to(provider_user)) == []
    api = api_client(provider_user)
    assert api.get(API).json()["results"] == []
    assert api.get(f"{API}{mine.pk}/").status_code == 404
    rows = api.get("/api/v1/demand/aggregate/?service=uk-link").json()
    assert rows == [{"window_start": "2026-03-02T09:00:00Z", "window_end": "2026-03-02T11:00:00Z",
                     "unit": "switch_requests", "total_volume": 1000}]
    client.force_login(provider_user)
    page = client.get("/demand/services/uk-link/calendar/?start=2026-03-02&days=1").content
    assert b">1000<" in page
    assert b"Kestrel" not in page and b"Brightwater" not in page


@pytest.mark.django_db
def test_provider_gets_no_aggregate_for_another_providers_service(api_client, provider_user,
                                                                  other_service, supplier_user):
    ForecastFactory(service=other_service)
    response = api_client(provider_user).get("/api/v1/demand/aggregate/?service=ecoes")
    assert response.status_code == 404


@pytest.mark.django_db
def test_participant_gets_no_aggregate(api_client, supplier_user, service, theirs):
    response = api_client(supplier_user).get("/api/v1/demand/aggregate/?service=uk-link")
    assert response.status_code == 404


@pytest.mark.django_db
def test_shared_forecast_becomes_visible_to_that_provider_only(
        api_client, operations_user, provider_user, other_provider_user, supplier_user, theirs):
    api = api_client(provider_user)
    assert api.get(f"{API}{theirs.pk}/").status_code == 404

    response = api_client(operations_user).post(f"{API}{theirs.pk}/share/",
                                                {"organisation": "xoserve"})

    assert response.status_code == 204
    body = api.get(f"{API}{theirs.pk}/").json()
    assert body["organisation"] == "kestrel"
    from accounts.factories import UserFactory

    joined_later = UserFactory(username="xena", provider=True,
                               organisation=provider_user.organisation)
    assert api_client(joined_later).get(f"{API}{theirs.pk}/").status_code == 200
    assert api_client(other_provider_user).get(f"{API}{theirs.pk}/").status_code == 404
    assert list(Forecast.objects.visible_to(supplier_user)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supplier_user", "provider_user", "desk_agent"])
def test_only_operations_share_forecasts(request, api_client, client, who, theirs):
    user = request.getfixturevalue(who)
    response = api_client(user).post(f"{API}{theirs.pk}/share/", {"organisation": "xoserve"})
    assert response.status_code in (403, 404)
    client.force_login(user)
    assert client.post(f"/demand/{theirs.pk}/share/",
                       {"organisation": "xoserve"}).status_code in (403, 404)
    assert not theirs.shares.exists()


@pytest.mark.django_db
def test_forecasts_are_not_shared_with_participants(operations_user, supplier_org, theirs):
    from demand.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        services.share_forecast(forecast=theirs, organisation=supplier_org, by=operations_user)


@pytest.mark.django_db
def test_alerts_are_for_staff_and_the_services_providers(api_client, client, supplier_user,
                                                         provider_user, other_provider_user,
                                                         desk_agent, service):
    ThresholdFactory(service=service, max_volume=10)
    services.submit_forecast(organisation=supplier_user.organisation, submitted_by=supplier_user,
                             service=service, window_start=utc(2026, 3, 2, 9),
                             window_end=utc(2026, 3, 2, 10), volume=50, unit="switch_requests",
                             reason="x")
    alert = ExcessiveDemandAlert.objects.get()
    assert list(ExcessiveDemandAlert.objects.visible_to(desk_agent)) == [alert]
    assert list(ExcessiveDemandAlert.objects.visible_to(provider_user)) == [alert]
    assert not ExcessiveDemandAlert.objects.visible_to(other_provider_user).exists()
    assert not ExcessiveDemandAlert.objects.visible_to(supplier_user).exists()
    assert api_client(other_provider_user).get(
        f"/api/v1/demand/alerts/{alert.pk}/").status_code == 404
    client.force_login(provider_user)
    page = client.get(f"/demand/alerts/{alert.pk}/").content.decode()
    assert alert.reference in page and "Brightwater" not in page
    assert client.post(f"/demand/alerts/{alert.pk}/",
                       {"outcome": "accepted", "note": "x"}).status_code == 403
    client.force_login(supplier_user)
    assert client.get("/demand/alerts/").status_code == 403


@pytest.mark.django_db
def test_actuals_visibility(supplier_user, other_supplier_user, provider_user,
                            other_provider_user, service):
    ActualVolume.objects.create(service=service, participant=supplier_user.organisation,
                                hour_start=utc(2026, 3, 2, 9), volume=5,
                                reported_by=provider_user)
    assert ActualVolume.objects.visible_to(supplier_user).count() == 1
    assert ActualVolume.objects.visible_to(provider_user).count() == 1
    assert not ActualVolume.objects.visible_to(other_supplier_user).exists()
    assert not ActualVolume.objects.visible_to(other_provider_user).exists()


@pytest.mark.django_db
def test_risk_register_is_internal(supplier_user, provider_user, desk_agent, auditor_user):
    """Providers see only the risks they raised (test_provider_risks.py), never these."""
    RiskFactory()
    assert not Risk.objects.visible_to(supplier_user).exists()
    assert not Risk.objects.visible_to(provider_user).exists()
    assert Risk.objects.visible_to(desk_agent).count() == 1
    assert Risk.objects.visible_to(auditor_user).count() == 1


@pytest.mark.django_db
def test_anonymous_and_inactive_see_nothing(client, api_client, supplier_user, mine):
    from django.contrib.auth.models import AnonymousUser

    assert not Forecast.objects.visible_to(AnonymousUser()).exists()
    supplier_user.is_active = False
    supplier_user.save()
    assert not Forecast.objects.visible_to(supplier_user).exists()
    assert api_client().get(API).status_code in (401, 403)
    assert client.get("/demand/").status_code == 302


@pytest.mark.django_db
def test_console_risks_are_changed_by_operations_only(client, auditor_user, desk_agent,
                                                      operations_user, provider_user):
    risk = RiskFactory()
    url = f"/admin/demand/risk/{risk.pk}/change/"
    client.force_login(provider_user)
    assert client.get(url).status_code == 302  # no console at all
    client.force_login(auditor_user)
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "changed"}).status_code == 403
    client.force_login(desk_agent)
    assert client.post(url, {"title": "changed"}).status_code == 403
    client.force_login(operations_user)
    assert client.get(url).status_code == 200
    risk.refresh_from_db()
    assert risk.title != "changed"


@pytest.mark.django_db
def test_participants_and_providers_have_no_console_view_of_forecasts(client, supplier_user,
                                                                      provider_user, theirs):
    for user in (supplier_user, provider_user):
        client.force_login(user)
        response = client.get(f"/admin/demand/forecast/{theirs.pk}/change/")
        assert response.status_code == 302 and "/admin/login/" in response.url
