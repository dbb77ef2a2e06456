"""Lifecycle transitions (valid and invalid), recorded rows, immutable versions and diffs."""

import pytest

from knowledge import services
from knowledge.diffs import version_diff
from knowledge.errors import ImmutableVersion, InvalidTransition, NotEditable
from knowledge.factories import make_article
from knowledge.models import Article, ArticleTransition, ArticleVersion

S = Article.Status


@pytest.fixture
def draft(desk_agent):
    return make_article(title="How to read a UK Link rejection code", publish=False,
                        owner=desk_agent)


def test_draft_goes_through_review_to_published_with_a_row_per_step(draft, desk_agent,
                                                                    operations_user):
    services.transition_article(article=draft, action="submit", by=desk_agent)
    services.transition_article(article=draft, action="publish", by=operations_user)
    draft.refresh_from_db()
    assert draft.status == S.PUBLISHED
    assert draft.published_version == draft.latest_version()
    assert draft.published_at is not None
    steps = list(ArticleTransition.objects.filter(article=draft).order_by("at", "pk")
                 .values_list("from_status", "to_status", "by__username"))
    assert steps == [(S.DRAFT, S.IN_REVIEW, "dana"), (S.IN_REVIEW, S.PUBLISHED, "olu")]


def test_reviewer_returns_with_comment_and_the_owner_is_told(draft, desk_agent,
                                                             operations_user, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    services.transition_article(article=draft, action="submit", by=desk_agent)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.transition_article(article=draft, action="return", by=operations_user,
                                          reason="Add the rejection code table.")
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and row.reason == "Add the rejection code table."
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [desk_agent.email]
    assert "Add the rejection code table." in mailoutbox[0].body


@pytest.mark.parametrize("status,action", [
    (S.DRAFT, "publish"), (S.DRAFT, "return"), (S.DRAFT, "revise"),
    (S.IN_REVIEW, "submit"), (S.IN_REVIEW, "retire"), (S.IN_REVIEW, "revise"),
    (S.PUBLISHED, "publish"), (S.PUBLISHED, "submit"),
    (S.RETIRED, "submit"), (S.RETIRED, "publish"), (S.RETIRED, "revise"),
    (S.DRAFT, "explode"),
])
def test_invalid_transitions_are_refused_and_leave_no_row(draft, desk_agent, status, action):
    Article.objects.filter(pk=draft.pk).update(status=status)
    draft.refresh_from_db()
    before = ArticleTransition.objects.count()
    with pytest.raises(InvalidTransition):
        services.transition_article(article=draft, action=action, by=desk_agent, reason="x")
    draft.refresh_from_db()
    assert draft.status == status
    assert ArticleTransition.objects.count() == before


@pytest.mark.parametrize("action", ["return", "retire"])
def test_return_and_retire_need_a_reason(desk_agent, action):
    article = make_article(publish=False)
    if action == "return":
        services.transition_article(article=article, action="submit", by=desk_agent)
    with pytest.raises(InvalidTransition, match="Say why"):
        services.transition_article(article=article, action=action, by=desk_agent, reason=" ")


def test_every_content_edit_keeps_a_new_immutable_version(draft, desk_agent):
    draft.body = "Second text"
    services.save_article(article=draft, by=desk_agent, changed_fields=["body"],
                          change_note="Clarified")
    draft.title = "Third title"
    services.save_article(article=draft, by=desk_agent, changed_fields=["title"])
    versions = list(draft.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[1].body == "Second text" and versions[1].change_note == "Clarified"
    assert versions[0].title == "How to read a UK Link rejection code"
    assert versions[2].title == "Third title"


def test_owner_or_review_date_edit_makes_no_new_version(draft, desk_agent, operations_user):
    draft.owner = operations_user
    assert services.save_article(article=draft, by=desk_agent, changed_fields=["owner"]) is None
    assert draft.versions.count() == 1


def test_versions_cannot_be_changed_or_deleted(draft):
    version = draft.latest_version()
    version.body = "Rewritten history"
    with pytest.raises(ImmutableVersion):
        version.save()
    with pytest.raises(ImmutableVersion):
        version.delete()
    with pytest.raises(ImmutableVersion):
        ArticleVersion.objects.filter(pk=version.pk).update(body="sneaky")
    assert ArticleVersion.objects.get(pk=version.pk).body != "Rewritten history"


def test_content_is_frozen_outside_draft_but_owner_and_review_date_may_change(
        desk_agent, operations_user):
    article = make_article(publish=True, owner=desk_agent)
    article.body = "Changed while published"
    with pytest.raises(NotEditable):
        services.save_article(article=article, by=desk_agent, changed_fields=["body"])
    article.refresh_from_db()
    article.owner = operations_user
    services.save_article(article=article, by=desk_agent, changed_fields=["owner"])
    article.refresh_from_db()
    assert article.owner == operations_user and article.status == S.PUBLISHED


def test_revise_then_republish_moves_readers_to_the_new_version(desk_agent):
    article = make_article(body="First published body")
    first = article.published_version
    services.transition_article(article=article, action="revise", by=desk_agent)
    article.body = "Second published body"
    services.save_article(article=article, by=desk_agent, changed_fields=["body"])
    services.transition_article(article=article, action="submit", by=desk_agent)
    assert Article.objects.get(pk=article.pk).published_version == first
    services.transition_article(article=article, action="publish", by=desk_agent)
    article.refresh_from_db()
    assert article.published_version.body == "Second published body"
    assert article.published_version.number == 2


def test_diff_between_any_two_versions_shows_added_and_removed_lines(draft, desk_agent):
    draft.body = "Line one\nLine two\nLine three"
    services.save_article(article=draft, by=desk_agent, changed_fields=["body"])
    draft.body = "Line one\nLine 2\nLine three\nLine four"
    draft.title = "New title"
    services.save_article(article=draft, by=desk_agent, changed_fields=["body", "title"])
    v1, v2, v3 = draft.versions.order_by("number")
    diff = version_diff(v2, v3)
    assert ("del", "Line two") in [(d.kind, d.text) for d in diff]
    assert ("ins", "Line 2") in [(d.kind, d.text) for d in diff]
    assert ("ins", "Line four") in [(d.kind, d.text) for d in diff]
    assert ("ins", "Title: New title") in [(d.kind, d.text) for d in diff]
    assert any(d.kind == "del" and "Title: How to read" in d.text for d in version_diff(v1, v3))
    assert version_diff(v2, v2) == []
