"""Feedback (helpful, report a problem), review reminders and deflection events."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from knowledge import services
from knowledge.errors import InvalidTransition
from knowledge.factories import make_article
from knowledge.models import ArticleFeedback, ArticleTask, DeflectionEvent


@pytest.fixture
def article(desk_agent):
    return make_article(title="Switch request rejected for address mismatch", owner=desk_agent,
                        audience="participants")


def test_helpful_answer_is_recorded_once_per_reader_and_can_change(client, supplier_user,
                                                                   article):
    client.force_login(supplier_user)
    url = reverse("knowledge:feedback", args=[article.pk])
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    assert client.post(url, {"helpful": "no"}).status_code == 302
    [feedback] = ArticleFeedback.objects.filter(article=article)
    assert feedback.helpful is False and feedback.version == article.published_version


def test_helpful_with_bad_value_records_nothing(client, supplier_user, article):
    client.force_login(supplier_user)
    client.post(reverse("knowledge:feedback", args=[article.pk]), {"helpful": "maybe"})
    assert not ArticleFeedback.objects.exists()


def test_feedback_by_get_is_not_allowed(client, supplier_user, article):
    client.force_login(supplier_user)
    assert client.get(reverse("knowledge:feedback", args=[article.pk])).status_code == 405


def test_reported_problem_becomes_a_task_for_the_owner_and_an_email(
        client, supplier_user, article, desk_agent, mailoutbox,
        django_capture_on_commit_callbacks):
    client.force_login(supplier_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("knowledge:report", args=[article.pk]),
                               {"description": "Step 3 names the wrong REL field."})
    assert response.status_code == 302
    [task] = ArticleTask.objects.all()
    assert task.kind == ArticleTask.Kind.PROBLEM_REPORT
    assert task.assigned_to == desk_agent and task.raised_by == supplier_user
    assert "Step 3 names the wrong REL field." in task.description
    assert [m.to for m in mailoutbox] == [[desk_agent.email]]
    assert article.reference in mailoutbox[0].subject


def test_too_short_problem_report_shows_form_errors(client, supplier_user, article):
    client.force_login(supplier_user)
    response = client.post(reverse("knowledge:report", args=[article.pk]),
                           {"description": "bad"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not ArticleTask.objects.exists()


def test_cannot_report_on_an_article_outside_the_audience(client, provider_user, article):
    client.force_login(provider_user)
    response = client.post(reverse("knowledge:report", args=[article.pk]),
                           {"description": "Long enough description here."})
    assert response.status_code == 404
    assert not ArticleTask.objects.exists()


def test_owner_completes_a_task_with_a_resolution(article, desk_agent):
    task = services.report_problem(article=article, user=desk_agent, description="Typo in title")
    services.complete_task(task=task, by=desk_agent, resolution="Fixed in v2")
    task.refresh_from_db()
    assert task.status == ArticleTask.Status.DONE and task.closed_by == desk_agent
    with pytest.raises(InvalidTransition):
        services.complete_task(task=task, by=desk_agent, resolution="again")


def test_review_reminder_emails_the_owner_once_a_day(desk_agent, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    overdue = make_article(title="Overdue FAQ", owner=desk_agent,
                           review_by=date(2026, 11, 1))
    make_article(title="Fresh FAQ", owner=desk_agent, review_by=date(2027, 6, 1))
    make_article(title="Overdue draft", owner=desk_agent, review_by=date(2026, 1, 1),
                 publish=False)
    with time_machine.travel("2026-11-20 09:00 +00:00", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_review_reminders() == 1
            assert services.send_review_reminders() == 0  # same day: nothing new
    with time_machine.travel("2026-11-21 09:00 +00:00", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_review_reminders() == 1
    assert len(mailoutbox) == 2
    assert all("Overdue FAQ" in m.subject for m in mailoutbox)
    # One open review task, not one per reminder.
    assert overdue.tasks.filter(kind=ArticleTask.Kind.REVIEW_DUE).count() == 1


def test_review_reminder_task_runs_through_celery(desk_agent):
    from knowledge.tasks import send_review_reminders

    make_article(owner=desk_agent, review_by=timezone.localdate() - timedelta(days=1))
    send_review_reminders.delay()
    assert ArticleTask.objects.filter(kind=ArticleTask.Kind.REVIEW_DUE).count() == 1


# --- deflection ---------------------------------------------------------------------
def test_suggestion_links_lead_to_a_page_that_records_the_view(client, supplier_user, article):
    client.force_login(supplier_user)
    [suggestion] = client.get(reverse("knowledge:suggest"),
                              {"q": "address mismatch"}).json()["results"]
    assert suggestion["url"].startswith(article.get_absolute_url())
    page = client.get(suggestion["url"]).content.decode()
    assert reverse("knowledge:deflection", args=[article.pk]) in page
    response = client.post(reverse("knowledge:deflection", args=[article.pk]),
                           {"q": "address mismatch"})
    assert response.status_code == 201
    event = DeflectionEvent.objects.get()
    assert event.organisation == supplier_user.organisation and event.query == "address mismatch"


def test_only_participants_views_are_deflection_events(client, desk_agent, article):
    client.force_login(desk_agent)
    response = client.post(reverse("knowledge:deflection", args=[article.pk]), {"q": "x"})
    assert response.json() == {"recorded": False}
    assert not DeflectionEvent.objects.exists()


def test_deflection_of_an_invisible_article_is_404(client, provider_user, article):
    client.force_login(provider_user)
    assert client.post(reverse("knowledge:deflection", args=[article.pk])).status_code == 404


def test_deflection_with_an_overlong_query_is_400(client, supplier_user, article):
    client.force_login(supplier_user)
    response = client.post(reverse("knowledge:deflection", args=[article.pk]), {"q": "x" * 500})
    assert response.status_code == 400


def test_view_without_incident_is_deflected_after_the_window(supplier_user, article):
    with time_machine.travel("2026-11-20 09:00 +00:00", tick=False):
        event = services.record_deflection_view(article=article, user=supplier_user, query="q")
        assert services.settle_deflections() == {"deflected": 0, "raised": 0}
    with time_machine.travel("2026-11-21 09:01 +00:00", tick=False):
        assert services.settle_deflections() == {"deflected": 1, "raised": 0}
        assert services.settle_deflections() == {"deflected": 0, "raised": 0}
    event.refresh_from_db()
    assert event.outcome == DeflectionEvent.Outcome.DEFLECTED


def test_an_incident_raised_after_the_window_does_not_undo_the_deflection(
        supplier_user, article, service):
    from incidents.services import raise_incident

    with time_machine.travel("2026-11-20 09:00 +00:00", tick=False):
        services.record_deflection_view(article=article, user=supplier_user)
    with time_machine.travel("2026-11-21 10:00 +00:00", tick=False):  # 25 hours later
        raise_incident(organisation=supplier_user.organisation, raised_by=supplier_user,
                       title="Switch rejected", description="Again", services=[service],
                       severity=3, channel="portal")
        assert services.settle_deflections() == {"deflected": 1, "raised": 0}


def test_incident_raised_through_the_incidents_contract_is_seen(supplier_user, article,
                                                                 service):
    """End to end with the incidents app: an incident within the window undoes the deflection."""
    from incidents import services as incident_services

    article.services.add(service)
    with time_machine.travel("2026-11-20 09:00 +00:00", tick=False):
        services.record_deflection_view(article=article, user=supplier_user)
    with time_machine.travel("2026-11-20 10:00 +00:00", tick=False):
        incident_services.raise_incident(
            organisation=supplier_user.organisation, raised_by=supplier_user,
            title="Switch rejected", description="Address mismatch again",
            services=[service], severity=3, channel="portal")
    with time_machine.travel("2026-11-22 09:00 +00:00", tick=False):
        assert services.settle_deflections() == {"deflected": 0, "raised": 1}
