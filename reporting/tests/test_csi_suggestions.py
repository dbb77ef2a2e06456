"""Service providers' improvement suggestions for the CSI register (s.9.8): proposed for
Switching Operations to triage, followed by the provider; the register stays internal."""

import pytest

from reporting import services
from reporting.errors import InvalidTransition, NotAllowed
from reporting.models import ImprovementOpportunity

pytestmark = pytest.mark.django_db
S = ImprovementOpportunity.Status


@pytest.fixture
def suggestion(provider_user, service):
    return services.suggest_improvement(
        by=provider_user, title="Publish UK Link rejection codes in the knowledge base",
        description="Half our tickets are about codes participants could look up.",
        service=service, benefit="Fewer incidents about rejection codes.")


def test_a_suggestion_is_proposed_and_attributed(suggestion, provider_org, provider_user):
    assert suggestion.status == S.PROPOSED and suggestion.suggested_by == provider_org
    assert suggestion.source == ImprovementOpportunity.Source.PROVIDER
    row = suggestion.transitions.get()
    assert row.from_status == "" and row.by == provider_user


def test_a_provider_sees_only_its_own_suggestions(suggestion, provider_user, other_provider_user,
                                                  supplier_user, operations_user):
    internal, _ = services.record_improvement(by=operations_user, title="Internal",
                                              description="d", source="review")
    assert list(ImprovementOpportunity.objects.visible_to(provider_user)) == [suggestion]
    assert not ImprovementOpportunity.objects.visible_to(other_provider_user).exists()
    assert not ImprovementOpportunity.objects.visible_to(supplier_user).exists()
    assert set(ImprovementOpportunity.objects.visible_to(operations_user)) == {suggestion,
                                                                             internal}


def test_only_providers_suggest_and_only_operations_triage(suggestion, supplier_user,
                                                          provider_user):
    with pytest.raises(NotAllowed):
        services.suggest_improvement(by=supplier_user, title="t", description="d")
    with pytest.raises(NotAllowed):
        services.move_improvement(opportunity=suggestion, by=provider_user, to=S.APPROVED)
    with pytest.raises(InvalidTransition):
        services.suggest_improvement(by=provider_user, title=" ", description="d")


def test_operations_are_told_and_the_provider_follows_the_triage(
        provider_user, operations_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.suggest_improvement(by=provider_user, title="Faster hand-offs",
                                             description="Email us the incident at once.")
    assert any(operations_user.organisation.contact_email in m.to for m in mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_improvement(opportunity=entry, by=operations_user, to=S.REJECTED,
                                  reason="Already covered by the hand-off rule.")
    told = [m for m in mailoutbox if provider_user.email in m.to]
    assert told and "Already covered" in told[-1].body


def test_api_suggest_list_and_404_for_another_providers(token_client, provider_org,
                                                        other_provider_org, service):
    api = token_client(provider_org)
    payload = {"title": "Faster hand-offs", "description": "Email at once.",
               "service": service.code}
    created = api.post("/api/v1/csi-suggestions/", payload, format="json",
                       HTTP_IDEMPOTENCY_KEY="s-1")
    assert created.status_code == 201, created.json()
    replay = api.post("/api/v1/csi-suggestions/", payload, format="json",
                      HTTP_IDEMPOTENCY_KEY="s-1")
    assert replay.json()["id"] == created.json()["id"]
    assert ImprovementOpportunity.objects.count() == 1
    other = token_client(other_provider_org)
    assert other.get(f"/api/v1/csi-suggestions/{created.json()['id']}/").status_code == 404
    bad = api.post("/api/v1/csi-suggestions/", {"title": "t", "description": "d",
                                               "service": "nope"}, format="json")
    assert bad.status_code == 400 and "service" in bad.json()["error"]["fields"]


def test_participants_cannot_suggest_over_the_api(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/csi-suggestions/",
                                              {"title": "t", "description": "d"}, format="json")
    assert response.status_code == 403


def test_portal_suggest_and_follow(client, provider_user, other_provider_user):
    client.force_login(provider_user)
    response = client.post("/reports/csi/suggestions/", {"title": "Faster hand-offs",
                                                         "description": "Email at once."})
    assert response.status_code == 302
    entry = ImprovementOpportunity.objects.get()
    assert client.get(f"/reports/csi/suggestions/{entry.pk}/").status_code == 200
    assert client.get("/reports/csi/").status_code == 404  # the register itself is internal
    client.force_login(other_provider_user)
    assert client.get(f"/reports/csi/suggestions/{entry.pk}/").status_code == 404


def test_a_suggestion_made_over_the_api_is_followed_at_the_organisations_address(
        token_client, provider_org, operations_user, mailoutbox,
        django_capture_on_commit_callbacks):
    created = token_client(provider_org).post("/api/v1/csi-suggestions/", {
        "title": "Faster hand-offs", "description": "Email at once."}, format="json")
    entry = ImprovementOpportunity.objects.get(pk=created.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        services.move_improvement(opportunity=entry, by=operations_user, to=S.REJECTED,
                                  reason="Not now")
    assert any(provider_org.contact_email in m.to and "Not now" in m.body for m in mailoutbox)
