"""The moves to the kernel's transition record and attachment keep every knowledge row."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _people(apps):
    org = apps.get_model("accounts", "Organisation").objects.create(
        name="Xoserve", short_code="xoserve", kind="cds_provider", contact_email="x@x.example")
    return org, apps.get_model("accounts", "User").objects.create(username="olu", role="operations")


def test_problem_history_survives_the_move_to_the_kernel(migrator):
    old = migrator("knowledge", "0002_search_indexes")
    org, user = _people(old)
    problem = old.get_model("knowledge", "Problem").objects.create(
        title="Gas switches stuck", owning_provider=org, created_by=user, status="investigating")
    old.get_model("knowledge", "ProblemTransition").objects.create(
        problem=problem, action="investigate", from_status="new", to_status="investigating",
        by=user, reason="Recurring")

    new = migrator("knowledge", "0003_problem_transition_record")
    row = new.get_model("knowledge", "ProblemTransition").objects.get()
    assert (row.action, row.from_status, row.to_status, row.by_id, row.reason, row.channel) == (
        "investigate", "new", "investigating", user.pk, "Recurring", "")


def test_article_files_move_to_random_names_and_keep_their_names_sizes_and_types(
        migrator, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path
    old = migrator("knowledge", "0003_problem_transition_record")
    _, user = _people(old)
    article = old.get_model("knowledge", "Article").objects.create(
        article_type="how_to", owner=user, review_by="2027-01-01", title="Switching guide",
        body="Read the attached guide.")
    stored = default_storage.save("knowledge/1/Switching guide v2.pdf", ContentFile(b"%PDF-1.7"))
    Attachment = old.get_model("knowledge", "ArticleAttachment")
    Attachment.objects.create(article=article, title="Guide", file=stored, uploaded_by=user)
    Attachment.objects.create(article=article, title="Lost", file="knowledge/1/gone.csv")

    new = migrator("knowledge", "0004_article_transition_record_and_attachment")
    guide, lost = new.get_model("knowledge", "ArticleAttachment").objects.order_by("title")
    assert (guide.original_name, guide.content_type, guide.size) == (
        "Switching guide v2.pdf", "application/pdf", 8)
    assert guide.file.name.startswith("knowledge/") and "Switching" not in guide.file.name
    assert guide.file.read() == b"%PDF-1.7"
    assert not default_storage.exists(stored)
    assert (lost.original_name, lost.size, lost.file.name) == ("gone.csv", 0, "knowledge/1/gone.csv")
