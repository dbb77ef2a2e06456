"""The KPI API: the same figures as the reports, scoped by who asks."""

import pytest

from .conftest import AFTER

URL = "/api/v1/kpis/"


@pytest.fixture
def after_october():
    import time_machine

    with time_machine.travel(AFTER, tick=False):
        yield


def _kpis(response):
    assert response.status_code == 200, response.content
    return {k["key"]: k for k in response.json()["kpis"]}


def test_operations_get_end_to_end_kpis_with_definitions(api_client, operations_user, october,
                                                         after_october):
    body = _kpis(api_client(operations_user).get(URL, {"period": "2026-10"}))
    assert body["resolution_hours"]["value"] == 26.33
    assert body["resolution_hours"]["by_severity"]["2"] == {"value": 32.5, "population": 2}
    assert body["resolved_within_sla"]["met"] is False
    assert "resolved in the period" in body["resolution_hours"]["definition"]


def test_scopes_by_service_and_severity(api_client, desk_agent, october, after_october):
    client = api_client(desk_agent)
    assert _kpis(client.get(URL, {"period": "2026-10", "service": "ecoes"}))["incidents"][
        "value"] == 1
    assert set(_kpis(client.get(URL, {"period": "2026-10", "severity": "2"}))) == {
        "incidents", "escalations", "response_minutes", "resolution_hours",
        "resolved_within_sla"}


def test_a_provider_gets_its_own_figures_and_404_for_anothers(api_client, provider_user,
                                                              october, after_october):
    client = api_client(provider_user)
    response = client.get(URL, {"period": "2026-10"})
    assert response.json()["scope"] == "Xoserve"
    assert client.get(URL, {"period": "2026-10", "provider": "gemserv"}).status_code == 404
    assert client.get(URL, {"period": "2026-10", "service": "ecoes"}).status_code == 404


def test_participants_are_refused_and_bad_input_is_400(api_client, supplier_user, desk_agent,
                                                       db):
    assert api_client(supplier_user).get(URL).status_code == 403
    client = api_client(desk_agent)
    assert client.get(URL, {"period": "last month"}).status_code == 400
    assert client.get(URL, {"severity": "9"}).status_code == 400
    assert client.get(URL, {"provider": "nobody"}).status_code == 404
