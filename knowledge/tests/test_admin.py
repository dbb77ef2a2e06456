"""Console authoring: create and edit drafts, preview, review, retire, versions, tasks."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from knowledge import services
from knowledge.factories import make_article
from knowledge.models import Article, ArticleTask


def console(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "title": "CSS switch request rejected for address mismatch",
        "summary": "Resubmit with the REL address.",
        "body": "Copy the **REL** address.",
        "change_note": "",
        "article_type": "known_error", "audience": "participants",
        "audience_market_role": "", "owner": "", "review_by": "2027-05-01",
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0", "attachments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_desk_creates_a_draft_with_its_first_version(desk_agent):
    response = console(desk_agent).post(reverse("admin:knowledge_article_add"),
                                        form_data(owner=desk_agent.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.versions.get().created_by == desk_agent


@pytest.mark.parametrize("overrides,field", [
    ({"audience": "market_role"}, "audience_market_role"),
    ({"audience_market_role": "gas_shipper"}, "audience_market_role"),
    ({"title": ""}, "title"),
    ({"review_by": "not a date"}, "review_by"),
])
def test_bad_article_input_shows_form_errors(desk_agent, overrides, field):
    response = console(desk_agent).post(reverse("admin:knowledge_article_add"),
                                        form_data(owner=desk_agent.pk, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_owner_must_be_desk_or_operations(desk_agent, supplier_user):
    response = console(desk_agent).post(reverse("admin:knowledge_article_add"),
                                        form_data(owner=supplier_user.pk))
    assert "owner" in response.context["adminform"].form.errors


def test_editing_a_draft_in_the_console_adds_a_version(desk_agent):
    article = make_article(publish=False, owner=desk_agent)
    response = console(desk_agent).post(
        reverse("admin:knowledge_article_change", args=[article.pk]),
        form_data(owner=desk_agent.pk, title=article.title, body="New body",
                  change_note="Reworded"))
    assert response.status_code == 302
    latest = article.latest_version()
    assert latest.number == 2 and latest.body == "New body" and latest.change_note == "Reworded"


def test_published_content_cannot_be_changed_from_the_console_form(desk_agent):
    article = make_article(owner=desk_agent, body="Original body")
    console(desk_agent).post(reverse("admin:knowledge_article_change", args=[article.pk]),
                             form_data(owner=desk_agent.pk, body="Hacked body",
                                       review_by="2028-01-01"))
    article.refresh_from_db()
    assert article.body == "Original body" and article.versions.count() == 1
    assert article.review_by == date(2028, 1, 1)


def test_preview_shows_sanitised_html_and_allowed_actions(desk_agent):
    article = make_article(publish=False, body="Hi <script>alert(1)</script> **there**")
    response = console(desk_agent).get(reverse("admin:knowledge_article_preview",
                                               args=[article.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>there</strong>" in page and "<script>alert(1)" not in page
    assert 'value="submit"' in page and 'value="publish"' not in page


def test_review_in_the_console_publishes_or_returns(desk_agent, operations_user):
    article = make_article(publish=False, owner=desk_agent)
    url = reverse("admin:knowledge_article_transition", args=[article.pk])
    console(desk_agent).post(url, {"action": "submit"})
    client = console(operations_user)
    client.post(url, {"action": "return", "reason": ""})  # refused: needs a comment
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    client.post(url, {"action": "publish"})
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_invalid_transition_in_the_console_is_a_message_not_an_error(desk_agent):
    article = make_article(publish=False)
    response = console(desk_agent).post(
        reverse("admin:knowledge_article_transition", args=[article.pk]),
        {"action": "publish"}, follow=True)
    assert response.status_code == 200
    assert "Cannot publish" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_transitions_are_post_only(desk_agent):
    article = make_article(publish=False)
    response = console(desk_agent).get(
        reverse("admin:knowledge_article_transition", args=[article.pk]))
    assert response.status_code == 405


def test_auditor_reads_but_cannot_author_or_review(auditor_user):
    article = make_article(publish=False)
    client = console(auditor_user)
    assert client.get(reverse("admin:knowledge_article_changelist")).status_code == 200
    assert client.get(reverse("admin:knowledge_article_preview",
                              args=[article.pk])).status_code == 200
    assert client.get(reverse("admin:knowledge_article_versions",
                              args=[article.pk])).status_code == 200
    assert client.get(reverse("admin:knowledge_article_add")).status_code == 403
    response = client.post(reverse("admin:knowledge_article_transition", args=[article.pk]),
                           {"action": "submit"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize("role", ["supplier_user", "provider_user"])
def test_participants_and_providers_are_kept_out_of_the_console(request, db, role):
    article = make_article(publish=False)
    client = console(request.getfixturevalue(role))
    for url in [reverse("admin:knowledge_article_changelist"),
                reverse("admin:knowledge_article_preview", args=[article.pk])]:
        assert client.get(url).status_code == 302  # to the console login
    client.post(reverse("admin:knowledge_article_transition", args=[article.pk]),
                {"action": "submit"})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_versions_page_shows_a_diff_between_chosen_versions(desk_agent):
    article = make_article(publish=False, body="alpha\nbeta")
    article.body = "alpha\ngamma"
    services.save_article(article=article, by=desk_agent, changed_fields=["body"])
    client = console(desk_agent)
    url = reverse("admin:knowledge_article_versions", args=[article.pk])
    page = client.get(url, {"a": 1, "b": 2}).content.decode()
    assert '<span class="del">' in page and "beta" in page and "gamma" in page
    for bad in ({"a": "x", "b": "2"}, {"a": 9, "b": 1}):
        assert client.get(url, bad).status_code == 200


def test_owner_completes_a_task_in_the_console(desk_agent, supplier_user):
    article = make_article(owner=desk_agent)
    task = services.report_problem(article=article, user=supplier_user,
                                   description="Wrong field name")
    client = console(desk_agent)
    assert client.get(reverse("admin:knowledge_articletask_changelist")).status_code == 200
    response = client.post(reverse("admin:knowledge_articletask_change", args=[task.pk]),
                           {"resolution": "Corrected in version 2"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == ArticleTask.Status.DONE and task.closed_by == desk_agent


def test_console_forms_render_for_drafts_and_published_articles(desk_agent, auditor_user):
    draft = make_article(publish=False)
    published = make_article()
    for user in (desk_agent, auditor_user):
        client = console(user)
        for article in (draft, published):
            url = reverse("admin:knowledge_article_change", args=[article.pk])
            assert client.get(url).status_code == 200
    assert console(desk_agent).get(reverse("admin:knowledge_article_add")).status_code == 200


def test_a_file_added_in_the_console_is_checked_and_stored_under_a_random_name(
        desk_agent, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = console(desk_agent)
    url = reverse("admin:knowledge_article_add")

    def with_file(name, content):
        return form_data(owner=desk_agent.pk, **{
            "attachments-TOTAL_FORMS": "1", "attachments-0-title": "Code table",
            "attachments-0-file": SimpleUploadedFile(name, content)})

    refused = client.post(url, with_file("macro.exe", b"MZ"))
    assert refused.status_code == 200 and not Article.objects.exists()
    assert "not accepted" in str(refused.context["inline_admin_formsets"][0].formset.errors)
    assert client.post(url, with_file("My codes.csv", b"R01\n")).status_code == 302
    attachment = Article.objects.get().attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "My codes.csv", "text/csv", 4)
    assert attachment.uploaded_by == desk_agent and "codes" not in attachment.file.name
