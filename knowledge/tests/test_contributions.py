"""Providers' knowledge contributions: drafts only their organisation sees, the desk's review,
and the article's audience rules kept once accepted (s.9.6, s.11.35)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from knowledge import contributions, problems
from knowledge.errors import InvalidTransition
from knowledge.models import Article, KnowledgeContribution

S = KnowledgeContribution.Status


@pytest.fixture
def draft(provider_user):
    return contributions.create_contribution(
        by=provider_user, title="Reading UK Link rejection MPR00012",
        body="MPR00012 means the effective date is too soon.", kind="known_error",
        suggested_audience=Article.Audience.PARTICIPANTS)


def test_only_providers_draft_contributions(supplier_user, desk_agent):
    for user in (supplier_user, desk_agent):
        with pytest.raises(PermissionDenied):
            contributions.create_contribution(by=user, title="x", body="y")


def test_a_known_error_draft_is_proposed_as_a_known_error_article(draft):
    assert draft.article_type == Article.Type.KNOWN_ERROR
    assert [(r.from_status, r.to_status) for r in draft.transitions.all()] == [("", "draft")]


def test_drafts_are_seen_only_by_their_organisation_and_staff(
        draft, provider_user, other_provider_user, supplier_user, desk_agent, auditor_user):
    for user in (provider_user, desk_agent, auditor_user):
        assert draft in KnowledgeContribution.objects.visible_to(user)
    for user in (other_provider_user, supplier_user):
        assert draft not in KnowledgeContribution.objects.visible_to(user)


def test_another_provider_cannot_edit_submit_or_read_the_draft(client, api_client, draft,
                                                               other_provider_user):
    with pytest.raises(PermissionDenied):
        contributions.act_on_contribution(contribution=draft, action="submit",
                                          by=other_provider_user)
    with pytest.raises(PermissionDenied):
        contributions.update_contribution(contribution=draft, by=other_provider_user,
                                          changes={"title": "Hijacked"})
    api = api_client(other_provider_user)
    assert api.get(f"/api/v1/knowledge/contributions/{draft.pk}/").status_code == 404
    assert api.post(f"/api/v1/knowledge/contributions/{draft.pk}/submit/").status_code == 404
    client.force_login(other_provider_user)
    assert client.get(reverse("knowledge:contribution", args=[draft.pk])).status_code == 404


def test_a_provider_cannot_review_its_own_contribution(draft, provider_user):
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    with pytest.raises(PermissionDenied):
        contributions.act_on_contribution(contribution=draft, action="accept", by=provider_user,
                                          publish=True)


def test_desk_returns_with_a_reason_and_the_provider_is_told(
        draft, provider_user, desk_agent, mailoutbox, django_capture_on_commit_callbacks):
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    with pytest.raises(InvalidTransition, match="Say why"):
        contributions.act_on_contribution(contribution=draft, action="return", by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        contributions.act_on_contribution(contribution=draft, action="return", by=desk_agent,
                                          reason="Add the steps to resubmit.")
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert any(provider_user.email in m.to and "Add the steps" in m.body for m in mailoutbox)
    contributions.update_contribution(contribution=draft, by=provider_user,
                                      changes={"body": "Resubmit five working days ahead."})


def test_only_a_draft_can_be_edited(draft, provider_user):
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    with pytest.raises(InvalidTransition, match="only a draft"):
        contributions.update_contribution(contribution=draft, by=provider_user,
                                          changes={"title": "Changed after submission"})


def test_accepting_publishes_to_the_audience_the_desk_chooses(
        draft, provider_user, other_provider_user, supplier_user, desk_agent):
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    with pytest.raises(ValidationError):
        contributions.act_on_contribution(contribution=draft, action="accept", by=desk_agent,
                                          audience="market_role", publish=True)
    contributions.act_on_contribution(contribution=draft, action="accept", by=desk_agent,
                                      audience=Article.Audience.INTERNAL, publish=True)
    draft.refresh_from_db()
    article = draft.article
    assert draft.status == S.ACCEPTED and article.is_live
    assert article.article_type == Article.Type.KNOWN_ERROR
    # Audience rules kept: an internal article stays internal, even for its contributor.
    assert article in Article.objects.visible_to(desk_agent)
    for user in (provider_user, other_provider_user, supplier_user):
        assert article not in Article.objects.visible_to(user)


def test_an_accepted_known_error_becomes_the_problems_article(desk_agent, provider_org,
                                                              provider_user):
    problem = problems.create_problem(title="MPR00012", owning_provider=provider_org,
                                      by=desk_agent)
    draft = contributions.create_contribution(by=provider_user, title="MPR00012 workaround",
                                              body="Resubmit later.", kind="known_error",
                                              problem=problem)
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    contributions.act_on_contribution(contribution=draft, action="accept", by=desk_agent)
    problem.refresh_from_db()
    draft.refresh_from_db()
    assert problem.known_error_article == draft.article
    assert draft.article.status == Article.Status.DRAFT  # not published: the desk edits first


def test_a_provider_cannot_attach_its_draft_to_a_problem_it_cannot_see(
        desk_agent, other_provider_org, provider_user):
    hidden = problems.create_problem(title="Not yours", owning_provider=other_provider_org,
                                     by=desk_agent)
    with pytest.raises(ValidationError):
        contributions.create_contribution(by=provider_user, title="x", body="y", problem=hidden)


def test_api_draft_submit_and_idempotent_create(token_client, provider_org, service):
    api = token_client(provider_org)
    payload = {"title": "How to read UK Link rejections", "body": "Steps…",
               "services": [service.code], "suggested_audience": "providers"}
    first = api.post("/api/v1/knowledge/contributions/", payload, format="json",
                     HTTP_IDEMPOTENCY_KEY="kc-1")
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/knowledge/contributions/", payload, format="json",
                     HTTP_IDEMPOTENCY_KEY="kc-1")
    assert again.json()["id"] == first.json()["id"]
    assert KnowledgeContribution.objects.count() == 1
    pk = first.json()["id"]
    edited = api.patch(f"/api/v1/knowledge/contributions/{pk}/", {"summary": "Short."},
                       format="json")
    assert edited.status_code == 200 and edited.json()["summary"] == "Short."
    submitted = api.post(f"/api/v1/knowledge/contributions/{pk}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert api.patch(f"/api/v1/knowledge/contributions/{pk}/", {"title": "Late"},
                     format="json").status_code == 409
    assert api.post(f"/api/v1/knowledge/contributions/{pk}/submit/", {},
                    format="json").status_code == 409


@pytest.mark.parametrize("payload, field", [
    ({"body": "b"}, "title"),
    ({"title": "t", "body": "b", "services": ["no-such"]}, "services"),
    ({"title": "t", "body": "b", "problem": "PRB-999999"}, "problem"),
    ({"title": "t", "body": "b", "suggested_audience": "everyone"}, "suggested_audience"),
])
def test_api_bad_contributions_are_400_with_fields(token_client, provider_org, payload, field):
    response = token_client(provider_org).post("/api/v1/knowledge/contributions/", payload,
                                               format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_participant_api_cannot_create_contributions(api_client, supplier_user):
    response = api_client(supplier_user).post("/api/v1/knowledge/contributions/",
                                              {"title": "t", "body": "b"}, format="json")
    assert response.status_code == 403


def test_portal_draft_and_submit(client, provider_user):
    client.force_login(provider_user)
    response = client.post(reverse("knowledge:contributions"), {
        "kind": "article", "article_type": "how_to", "title": "Reading rejections",
        "summary": "", "body": "Open the rejection and read the code.",
        "suggested_audience": "providers"})
    assert response.status_code == 302, response.content[:2000]
    contribution = KnowledgeContribution.objects.get()
    client.post(reverse("knowledge:contribution_action", args=[contribution.pk]),
                {"action": "submit"})
    contribution.refresh_from_db()
    assert contribution.status == S.SUBMITTED
    # The desk's steps are not reachable from the portal.
    assert client.post(reverse("knowledge:contribution_action", args=[contribution.pk]),
                       {"action": "accept"}).status_code == 403


def test_console_review_accepts_and_publishes(client, desk_agent, auditor_user, draft,
                                              provider_user):
    contributions.act_on_contribution(contribution=draft, action="submit", by=provider_user)
    url = reverse("admin:knowledge_knowledgecontribution_review", args=[draft.pk])
    client.force_login(auditor_user)
    assert client.post(url, {"action": "accept", "publish": "on"}).status_code == 403
    client.force_login(desk_agent)
    assert client.get(reverse("admin:knowledge_knowledgecontribution_changelist")
                      ).status_code == 200
    response = client.post(url, {"action": "accept", "audience": "participants",
                                 "publish": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.ACCEPTED and draft.article.is_live
    assert draft.article.publication.audience == "participants"
