"""Knowledge work that changes records: authoring, review, feedback, reminders, deflection.

Portal views, the console and the API call these functions, so each rule is
written once. All are keyword-only and atomic.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import policy
from incidents.models import Incident
from notifications.services import queue_email

from .errors import NotEditable
from .models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleTask,
    ArticleVersion,
    DeflectionEvent,
)

# How long after opening a suggested article a participant may still raise an
# incident before we count the article as having deflected it.
DEFLECTION_WINDOW = timedelta(hours=24)
# Fields that may change at any time; everything else only while the article is a draft.
ALWAYS_EDITABLE = {"owner", "review_by"}
CONTENT_FIELDS = ("title", "summary", "body")


def _add_version(*, article, by, change_note):
    latest = article.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleVersion.objects.create(
        article=article, number=latest + 1, title=article.title, summary=article.summary,
        body=article.body, created_by=by, change_note=(change_note or "")[:300],
    )


@transaction.atomic
def create_article(*, by, article_type: str, title: str, body: str, owner, review_by: date,
                   audience: str = Article.Audience.PARTICIPANTS, audience_market_role: str = "",
                   summary: str = "", services=(), change_note: str = "First draft") -> Article:
    """Create a draft article and its first version."""
    article = Article(
        article_type=article_type, audience=audience, audience_market_role=audience_market_role,
        owner=owner, review_by=review_by, title=title, summary=summary, body=body,
    )
    save_new_article(article=article, by=by, change_note=change_note)
    article.services.set(services)
    return article


@transaction.atomic
def save_new_article(*, article: Article, by, change_note: str = "First draft") -> Article:
    """Save an unsaved article (e.g. from the console form) as a draft with its first version."""
    article.status = Article.Status.DRAFT
    article.save()
    _add_version(article=article, by=by, change_note=change_note or "First draft")
    return article


@transaction.atomic
def save_article(*, article: Article, by, changed_fields,
                 change_note: str = "") -> ArticleVersion | None:
    """Save console edits to `article`; return the new version if the content changed.

    `article` carries the edited values (a bound ModelForm's instance). Only the
    owner and review-by date may change once the article has left Draft.
    """
    locked = Article.objects.select_for_update().get(pk=article.pk)
    changed = set(changed_fields)
    if not locked.is_editable and changed - ALWAYS_EDITABLE:
        raise NotEditable(
            f"The article is {locked.get_status_display().lower()}: only its owner and "
            "review-by date can change. Revise it to edit the content."
        )
    # Only the edited columns: a stale form must never rewrite the lifecycle or search vector.
    concrete = {field.name for field in Article._meta.concrete_fields}
    fields = [name for name in changed if name in concrete]
    if fields:
        article.save(update_fields=[*fields, "updated_at"])
    if changed & set(CONTENT_FIELDS):
        return _add_version(article=article, by=by, change_note=change_note or "Edited")
    return None


@transaction.atomic
def transition_article(*, article: Article, action: str, by, reason: str = ""):
    """Apply a lifecycle action (submit, publish, return, revise, retire) and tell the owner.

    Raise InvalidTransition if the action is not allowed in the article's current state.
    Locks the row so two reviewers cannot publish and return it at once.
    """
    locked = Article.objects.select_for_update().get(pk=article.pk)
    row = locked.transition(action, by=by, reason=reason)
    if action in {"publish", "return", "retire"} and locked.owner_id != by.pk:
        queue_email(
            to=[locked.owner.email],
            subject=f"{locked.reference} {row.get_to_status_display().lower()}: {locked.title}",
            template="knowledge/email/article_transition",
            context={"article": locked, "transition": row},
            topic=f"knowledge.{action}",
        )
    article.refresh_from_db()
    return row


@transaction.atomic
def save_attachment(*, attachment: ArticleAttachment, by, upload=None) -> ArticleAttachment:
    """Save an article's attachment (its title, and `upload` as its file if given).

    The file is checked by the attachment policy and stored under a random name;
    readers download it only while they may see the article.
    """
    if not policy.may_author_knowledge(by):
        raise PermissionDenied("Only knowledge authors add files to articles.")
    if upload is not None:
        attachment.take(upload)
    if attachment.uploaded_by_id is None:
        attachment.uploaded_by = by
    attachment.save()
    return attachment


@transaction.atomic
def remove_attachment(*, attachment: ArticleAttachment, by) -> None:
    if not policy.may_author_knowledge(by):
        raise PermissionDenied("Only knowledge authors remove files from articles.")
    attachment.delete()


@transaction.atomic
def record_feedback(*, article: Article, user, helpful: bool) -> ArticleFeedback:
    """Record (or change) the reader's "was this helpful" answer for the published version."""
    feedback, _ = ArticleFeedback.objects.update_or_create(
        article=article, user=user,
        defaults={"helpful": helpful, "version": article.published_version},
    )
    return feedback


def _email_owner_about_task(task):
    queue_email(
        to=[task.assigned_to.email],
        subject=f"{task.get_kind_display()}: {task.article.reference} {task.article.title}",
        template="knowledge/email/article_task",
        context={"task": task, "article": task.article},
        topic=f"knowledge.{task.kind}",
        dedup_key=f"knowledge-task:{task.pk}",
    )


@transaction.atomic
def report_problem(*, article: Article, user, description: str) -> ArticleTask:
    """Route a reader's report that an article is wrong to its owner as a task, by email too."""
    version = article.published_version
    organisation = getattr(user.organisation, "name", "no organisation")
    task = ArticleTask.objects.create(
        article=article, kind=ArticleTask.Kind.PROBLEM_REPORT, assigned_to=article.owner,
        raised_by=user,
        description=f"{description.strip()}\n\n(Reported by {user.display_name}, {organisation}, "
                    f"reading version {version.number if version else '-'}.)",
    )
    _email_owner_about_task(task)
    return task


@transaction.atomic
def complete_task(*, task: ArticleTask, by, resolution: str) -> ArticleTask:
    locked = ArticleTask.objects.select_for_update().get(pk=task.pk)
    locked.complete(by=by, resolution=resolution)
    return locked


def send_review_reminders(*, today: date | None = None) -> int:
    """Email the owner of each overdue article, at most once a day per article; return the count.

    Also opens one "review due" task per overdue article (none if one is already open).
    Idempotent: the outbox dedup key is per article per day.
    """
    today = today or timezone.localdate()
    sent = 0
    for article in Article.objects.due_for_review(today).select_related("owner"):
        with transaction.atomic():
            task = article.tasks.open().filter(kind=ArticleTask.Kind.REVIEW_DUE).first()
            if task is None:
                task = ArticleTask.objects.create(
                    article=article, kind=ArticleTask.Kind.REVIEW_DUE,
                    assigned_to=article.owner,
                    description=f"Review was due by {article.review_by:%d %B %Y}. Check the "
                                "article is still accurate, then set a new review-by date.",
                )
            email = queue_email(
                to=[article.owner.email],
                subject=f"Review overdue: {article.reference} {article.title}",
                template="knowledge/email/review_reminder",
                context={"article": article, "task": task, "today": today},
                topic="knowledge.review_due",
                dedup_key=f"knowledge-review:{article.pk}:{today.isoformat()}",
            )
            sent += email is not None
    return sent


@transaction.atomic
def record_deflection_view(*, article: Article, user, query: str = "") -> DeflectionEvent | None:
    """Record that a participant opened `article` from a suggestion while raising an incident.

    Only participants raise incidents in the portal, so other readers are ignored (None).
    """
    if not policy.is_participant(user) or not user.organisation_id:
        return None
    return DeflectionEvent.objects.create(
        article=article, user=user, organisation_id=user.organisation_id,
        query=(query or "")[:200],
    )


def _raised_incident(event):
    """Return True if the event's organisation raised an incident within the window.

    When the article is about particular services, only an incident on one of
    them counts; otherwise any incident from the organisation does.
    """
    incidents = Incident.objects.filter(
        organisation_id=event.organisation_id,
        created_at__gte=event.viewed_at, created_at__lte=event.viewed_at + DEFLECTION_WINDOW,
    )
    service_ids = list(event.article.services.values_list("pk", flat=True))
    if service_ids:
        incidents = incidents.filter(services__in=service_ids)
    return incidents.exists()


def settle_deflections(*, now=None) -> dict:
    """Mark each pending deflection whose window has passed as deflected or raised.

    Idempotent: settled events are never looked at again.
    """
    now = now or timezone.now()
    counts = {"deflected": 0, "raised": 0}
    for event in DeflectionEvent.objects.due(now, DEFLECTION_WINDOW).select_related("article"):
        raised = _raised_incident(event)
        event.settle(raised=raised, now=now)
        counts["raised" if raised else "deflected"] += 1
    return counts
