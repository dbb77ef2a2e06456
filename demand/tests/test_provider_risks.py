"""Risks a service provider raises (s.9.3): a draft for Switching Operations to triage, which
the provider follows; the rest of the register stays internal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from demand import services
from demand.factories import RiskFactory
from demand.models import Risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(provider_user, service):
    return services.raise_provider_risk(
        by=provider_user, title="UK Link batch window overruns", services=[service],
        description="Month-end batches now finish after 06:00.", likelihood=4, impact=4)


def test_a_provider_risk_is_a_draft_attributed_to_its_organisation(raised, provider_org):
    assert raised.status == Risk.Status.DRAFT and raised.source == Risk.Source.PROVIDER
    assert raised.raised_by_organisation == provider_org and raised.score == 16
    assert [(t.from_status, t.to_status) for t in raised.transitions.all()] == [("", "draft")]


def test_a_provider_sees_only_the_risks_it_raised(raised, provider_user, other_provider_user,
                                                  supplier_user, desk_agent):
    internal = RiskFactory(title="Internal capacity risk")
    assert list(Risk.objects.visible_to(provider_user)) == [raised]
    assert not Risk.objects.visible_to(other_provider_user).exists()
    assert not Risk.objects.visible_to(supplier_user).exists()
    assert set(Risk.objects.visible_to(desk_agent)) == {raised, internal}


def test_only_providers_raise_risks_here(supplier_user, desk_agent):
    for user in (supplier_user, desk_agent):
        with pytest.raises(PermissionDenied):
            services.raise_provider_risk(by=user, title="t", description="d")


def test_operations_are_told_and_the_provider_follows_the_triage(
        provider_user, operations_user, service, mailoutbox, django_capture_on_commit_callbacks):
    operations_address = operations_user.organisation.contact_email
    with django_capture_on_commit_callbacks(execute=True):
        risk = services.raise_provider_risk(by=provider_user, title="Batch overrun",
                                            description="Batches finish late.")
    assert any(operations_address in m.to and risk.reference in m.subject
               for m in mailoutbox)
    risk.owner, risk.review_date, risk.mitigation = operations_user, date(2026, 4, 1), "Move it"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_risk(risk=risk, by=operations_user, move_to=Risk.Status.OPEN,
                           reason="Accepted into the register")
    told = [m for m in mailoutbox if provider_user.email in m.to]
    assert told and "Accepted into the register" in told[-1].body


def test_api_raise_list_and_404_for_another_providers(token_client, provider_org,
                                                      other_provider_org, service):
    api = token_client(provider_org)
    created = api.post("/api/v1/demand/provider-risks/", {
        "title": "Batch overrun", "description": "Batches finish late.",
        "services": [service.code], "likelihood": 2, "impact": 5}, format="json",
        HTTP_IDEMPOTENCY_KEY="r-1")
    assert created.status_code == 201, created.json()
    assert created.json()["score"] == 10 and created.json()["status"] == "draft"
    replay = api.post("/api/v1/demand/provider-risks/", {
        "title": "Batch overrun", "description": "Batches finish late.",
        "services": [service.code], "likelihood": 2, "impact": 5}, format="json",
        HTTP_IDEMPOTENCY_KEY="r-1")
    assert replay.json()["id"] == created.json()["id"] and Risk.objects.count() == 1
    other = token_client(other_provider_org)
    assert other.get(f"/api/v1/demand/provider-risks/{created.json()['id']}/"
                     ).status_code == 404
    assert other.get("/api/v1/demand/provider-risks/").json()["count"] == 0


@pytest.mark.parametrize("payload, field", [
    ({"description": "d"}, "title"),
    ({"title": "t", "description": "d", "likelihood": 6}, "likelihood"),
    ({"title": "t", "description": "d", "services": ["nope"]}, "services"),
])
def test_api_bad_risks_are_400_with_fields(token_client, provider_org, payload, field):
    response = token_client(provider_org).post("/api/v1/demand/provider-risks/", payload,
                                               format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_participants_cannot_raise_risks_over_the_api(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/demand/provider-risks/",
                                              {"title": "t", "description": "d"}, format="json")
    assert response.status_code == 403


def test_portal_raise_and_follow(client, provider_user, other_provider_user, service):
    client.force_login(provider_user)
    response = client.post("/demand/risks/", {"title": "Batch overrun", "likelihood": 3,
                                              "impact": 3, "description": "Late batches.",
                                              "services": [service.pk]})
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert client.get(f"/demand/risks/{risk.pk}/").status_code == 200
    client.force_login(other_provider_user)
    assert client.get(f"/demand/risks/{risk.pk}/").status_code == 404
    bad = client.post("/demand/risks/", {"title": "", "likelihood": 9, "impact": 3,
                                         "description": ""})
    assert bad.status_code == 400 and Risk.objects.count() == 1


def test_a_risk_raised_over_the_api_is_followed_at_the_organisations_address(
        token_client, provider_org, operations_user, mailoutbox,
        django_capture_on_commit_callbacks):
    created = token_client(provider_org).post("/api/v1/demand/provider-risks/", {
        "title": "Batch overrun", "description": "Batches finish late."}, format="json")
    risk = Risk.objects.get(pk=created.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        services.save_risk(risk=risk, by=operations_user, move_to=Risk.Status.CLOSED,
                           reason="Covered by RSK-000001")
    assert any(provider_org.contact_email in m.to and "Covered by" in m.body for m in mailoutbox)
