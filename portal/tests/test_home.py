"""The home page shows each party its own work, and nobody else's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(supplier_user, other_supplier_user, service):
    mine = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                           title="Our gas switches are rejected", services=[service])
    theirs = IncidentFactory(organisation=other_supplier_user.organisation,
                             raised_by=other_supplier_user,
                             title="Kestrel's secret incident", services=[service])
    return mine, theirs


def test_participant_sees_only_its_own_open_incidents(client, supplier_user, incidents):
    client.force_login(supplier_user)
    response = client.get("/")
    body = response.content.decode()
    assert response.context["incidents"]["open"] == 1
    assert "Our gas switches are rejected" in body
    assert "Kestrel&#x27;s secret incident" not in body and "Kestrel's secret incident" not in body
    assert "Raise an incident" in body


def test_desk_sees_every_open_incident(client, desk_agent, incidents):
    client.force_login(desk_agent)
    response = client.get("/")
    assert response.context["incidents"]["open"] == 2


def test_provider_sees_none_until_one_is_handed_to_it(client, provider_user, incidents):
    client.force_login(provider_user)
    response = client.get("/")
    assert response.context["incidents"]["open"] == 0
    assert "Raise an incident" not in response.content.decode()


def test_home_page_query_count_does_not_grow_with_incidents(client, desk_agent, supplier_user,
                                                            service):
    client.force_login(desk_agent)
    IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                    services=[service])
    client.get("/")  # warm the status cache
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(5):
        IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                        services=[service])
    client.get("/")
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_auditor_is_not_offered_to_raise_requests(client, auditor_user):
    client.force_login(auditor_user)
    assert "Request something" not in client.get("/").content.decode()


def test_participant_is_offered_to_raise_requests(client, supplier_user):
    client.force_login(supplier_user)
    assert "Request something" in client.get("/").content.decode()


def test_every_party_sees_the_major_incident_banner(client, desk_agent, supplier_user,
                                                    other_supplier_user, service):
    from django.core.cache import cache

    from incidents.major_incidents import declare_major

    incident = IncidentFactory(organisation=supplier_user.organisation, raised_by=supplier_user,
                               title="CSS rejecting all switch requests", services=[service])
    declare_major(incident=incident, by=desk_agent, manager=desk_agent,
                  summary="Suppliers cannot submit switches; workaround being assessed")
    cache.clear()
    client.force_login(other_supplier_user)
    body = client.get("/").content.decode()
    assert "Major incident" in body and incident.reference in body
    assert "workaround being assessed" in body


def test_no_banner_without_a_major_incident(client, supplier_user):
    from django.core.cache import cache

    cache.clear()
    client.force_login(supplier_user)
    assert "major-banner" not in client.get("/").content.decode()
