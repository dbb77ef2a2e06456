"""Audience rules on every path: queryset, portal pages, search, snippets, suggestions, API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from knowledge import services
from knowledge.factories import make_article
from knowledge.models import Article
from knowledge.search import search_articles, with_snippets

ROLES = ["anonymous", "supplier_user", "provider_user", "desk_agent", "auditor_user"]


def _user(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def _client(request, role):
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _names(articles, audience_articles):
    by_pk = {article.pk: name for name, article in audience_articles.items()}
    return {by_pk[article.pk] for article in articles if article.pk in by_pk}


@pytest.mark.parametrize("role", ROLES)
def test_visible_to_follows_the_audience(request, role, audience_articles, visible_names):
    user = _user(request, role)
    assert _names(Article.objects.visible_to(user), audience_articles) == visible_names[role]


@pytest.mark.parametrize("role", ROLES)
def test_article_page_is_404_outside_the_audience(request, role, audience_articles,
                                                  visible_names):
    client = _client(request, role)
    for name, article in audience_articles.items():
        response = client.get(reverse("knowledge:article", args=[article.pk]))
        expected = 200 if name in visible_names[role] else 404
        assert response.status_code == expected, (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_search_and_snippets_show_only_visible_articles(request, role, audience_articles,
                                                        visible_names):
    user = _user(request, role)
    found = with_snippets(search_articles(user=user, text="rejection"), "rejection")
    assert _names(found, audience_articles) == visible_names[role]
    snippets = " ".join(str(article.snippet) for article in found)
    assert ("Secret escalation" in snippets) == ("internal" in visible_names[role])


@pytest.mark.parametrize("role", ROLES)
def test_search_page_lists_only_visible_articles(request, role, audience_articles,
                                                 visible_names):
    response = _client(request, role).get(reverse("knowledge:search"), {"q": "rejection"})
    assert response.status_code == 200
    listed = {name for name, article in audience_articles.items()
              if article.published_version.title in response.content.decode()}
    assert listed == visible_names[role]


@pytest.mark.parametrize("role", ROLES)
def test_suggestions_show_only_visible_articles(request, role, audience_articles,
                                                visible_names):
    response = _client(request, role).get(reverse("knowledge:suggest"), {"q": "rejection"})
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    shown = {name for name, article in audience_articles.items() if article.pk in ids}
    # Suggestions are capped at five, so a role that may see six sees five of them.
    assert shown <= visible_names[role]
    assert len(shown) == min(5, len(visible_names[role]))
    assert ("Secret" in response.content.decode()) == (
        "internal" in shown and "internal" in visible_names[role])


def test_internal_article_never_reaches_a_participant(supplier_user, audience_articles):
    client = Client()
    client.force_login(supplier_user)
    internal = audience_articles["internal"]
    for url, params in [(reverse("knowledge:search"), {"q": "secret escalation"}),
                        (reverse("knowledge:suggest"), {"q": "secret escalation triage"}),
                        (reverse("knowledge:home"), {})]:
        body = client.get(url, params).content.decode()
        assert "Secret" not in body and internal.title not in body
    assert client.get(reverse("knowledge:article", args=[internal.pk])).status_code == 404


def test_market_role_article_is_hidden_from_other_roles(supplier_user, audience_articles):
    visible = Article.objects.visible_to(supplier_user)
    assert audience_articles["suppliers"] in visible
    assert audience_articles["shippers"] not in visible


def test_participant_without_market_role_gets_no_market_role_articles(supplier_user,
                                                                       audience_articles):
    supplier_user.organisation.market_role = ""
    supplier_user.organisation.save()
    visible = set(Article.objects.visible_to(supplier_user))
    assert audience_articles["suppliers"] not in visible
    assert audience_articles["participants"] in visible


def test_inactive_user_sees_only_public(supplier_user, audience_articles):
    supplier_user.is_active = False
    assert _names(Article.objects.visible_to(supplier_user), audience_articles) == {"public"}


def test_drafts_are_seen_by_nobody_outside_the_console(desk_agent, supplier_user):
    draft = make_article(title="Unfinished public draft", publish=False)
    for user in (desk_agent, supplier_user, AnonymousUser()):
        assert draft not in Article.objects.visible_to(user)
    client = Client()
    client.force_login(desk_agent)
    assert client.get(reverse("knowledge:article", args=[draft.pk])).status_code == 404
    assert draft in Article.objects.for_console(desk_agent)
    assert not Article.objects.for_console(supplier_user).exists()


def test_retired_article_disappears_from_readers(desk_agent, supplier_user):
    article = make_article(title="Old process")
    services.transition_article(article=article, action="retire", by=desk_agent,
                                reason="Process replaced")
    assert article not in Article.objects.visible_to(supplier_user)
    assert article not in Article.objects.visible_to(desk_agent)


def test_readers_keep_the_published_version_while_it_is_revised(desk_agent, supplier_user):
    article = make_article(title="Published title", body="Published body text.")
    services.transition_article(article=article, action="revise", by=desk_agent)
    article.title, article.body = "Draft title", "Draft body text nobody should read."
    services.save_article(article=article, by=desk_agent, changed_fields=["title", "body"])
    client = Client()
    client.force_login(supplier_user)
    page = client.get(reverse("knowledge:article", args=[article.pk])).content.decode()
    assert "Published title" in page and "Published body text." in page
    assert "Draft" not in page
    assert not search_articles(user=supplier_user, text="nobody")


def test_anonymous_cannot_post_feedback_or_deflection(audience_articles):
    public = audience_articles["public"]
    client = Client()
    for name in ("feedback", "report", "deflection"):
        response = client.post(reverse(f"knowledge:{name}", args=[public.pk]), {"helpful": "yes"})
        assert response.status_code == 302 and "login" in response["Location"]


def test_audience_change_on_a_revision_waits_for_review(desk_agent, supplier_user):
    article = make_article(title="Internal until reviewed", audience=Article.Audience.INTERNAL)
    services.transition_article(article=article, action="revise", by=desk_agent)
    article.audience = Article.Audience.PUBLIC
    services.save_article(article=article, by=desk_agent, changed_fields=["audience"])
    assert article not in Article.objects.visible_to(supplier_user)
    assert not search_articles(user=supplier_user, text="reviewed")
    services.transition_article(article=article, action="submit", by=desk_agent)
    services.transition_article(article=article, action="publish", by=desk_agent)
    assert article in Article.objects.visible_to(supplier_user)
    assert [a.pk for a in search_articles(user=supplier_user, text="reviewed")] == [article.pk]
