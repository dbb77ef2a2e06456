"""Knowledge articles (s.9.6): typed, audience-scoped, reviewed, every version kept.

An article has a working copy (title, summary, body) that authors edit while
it is a Draft; every saved edit is an immutable ArticleVersion. Readers only
ever see `published_version`: while a published article is revised (back to
Draft, then In Review) readers keep seeing the last published version, never
the draft. Retired is terminal.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.attachments import Attachment
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .choices import ArticleAudience, ArticleType
from .errors import ImmutableVersion, InvalidTransition
from .models_contributions import KnowledgeContribution, KnowledgeContributionTransition
from .models_feedback import ArticleFeedback, ArticleTask, DeflectionEvent
from .models_problems import (
    InvestigationEvidence,
    Problem,
    ProblemIncident,
    ProblemTransition,
    ProviderInvestigation,
    ProviderInvestigationTransition,
    WorkaroundApplication,
)
from .rendering import cached_version_html, plain_text
from .vectors import is_postgresql, search_vectors_for

# Django registers the models of the two topic modules through these imports.
__all__ = ["Article", "ArticleAttachment", "ArticleFeedback", "ArticleTask", "ArticleTransition",
           "ArticleVersion", "DeflectionEvent", "InvestigationEvidence", "KnowledgeContribution",
           "KnowledgeContributionTransition", "Problem", "ProblemIncident",
           "ProblemTransition", "ProviderInvestigation", "ProviderInvestigationTransition",
           "PublishedArticle",
           "WorkaroundApplication"]


class ArticleQuerySet(VisibleQuerySet):
    def live(self):
        """Return articles readers can see now: published and not retired."""
        return self.filter(publication__isnull=False)

    def for_console(self, user):
        """Return every article, in any state, for internal staff in the console; else none."""
        return self if policy.may_use_console(user) else self.none()

    def due_for_review(self, today=None):
        """Return live articles whose review-by date has passed (index used by the reminder)."""
        today = today or timezone.localdate()
        return self.live().filter(review_by__lt=today)


class Article(Lifecycle, models.Model):
    # Defined in knowledge/choices.py so provider contributions name the same choices.
    Type = ArticleType
    Audience = ArticleAudience

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"  # authors edit the working copy
        IN_REVIEW = "in_review", "In review"  # content frozen until published or returned
        PUBLISHED = "published", "Published"  # the latest version is what readers see
        RETIRED = "retired", "Retired"  # withdrawn from readers for good

    ACTION_LABELS = {"submit": "Submit for review", "publish": "Publish",
                     "return": "Return to author", "revise": "Revise", "retire": "Retire"}
    # from-status -> {action: to-status}. The console, portal and API all go through transition().
    MOVES = Moves.by_action(Status, {
        Status.DRAFT: {"submit": Status.IN_REVIEW, "retire": Status.RETIRED},
        Status.IN_REVIEW: {"publish": Status.PUBLISHED, "return": Status.DRAFT},
        Status.PUBLISHED: {"revise": Status.DRAFT, "retire": Status.RETIRED},
        Status.RETIRED: {},
    }, labels=ACTION_LABELS, error=InvalidTransition)
    # Actions that must say why (shown to the author or kept for the record).
    ACTIONS_NEEDING_REASON = {"return", "retire"}

    article_type = models.CharField("type", max_length=20, choices=Type.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices,
                                default=Audience.PARTICIPANTS)
    audience_market_role = models.CharField(
        max_length=32, choices=Organisation.MarketRole.choices, blank=True,
        help_text="Only for the 'one market role' audience.",
    )
    services = models.ManyToManyField(Service, blank=True, related_name="knowledge_articles",
                                      help_text="The central services this article is about.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="owned_articles",
                              help_text="Keeps it accurate; receives feedback and reminders.")
    review_by = models.DateField(help_text="The owner is reminded daily once this date passes.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The working copy; each saved change is also an ArticleVersion.
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True,
                               help_text="One or two sentences shown in search results.")
    body = models.TextField(help_text="Markdown. HTML is sanitised when shown.")
    published_version = models.ForeignKey(
        "ArticleVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, help_text="What readers see.",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "audience"], name="kb_article_status_aud_idx"),
                   models.Index(fields=["review_by"], name="kb_article_review_idx")]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("knowledge:article", args=[self.pk])

    @property
    def reference(self):
        return f"KB-{self.pk:06d}" if self.pk else "KB-(new)"

    @property
    def is_live(self):
        return self.published_version_id is not None and self.status != self.Status.RETIRED

    @property
    def is_editable(self):
        """Return True while the working copy may change (Draft only)."""
        return self.status == self.Status.DRAFT

    def latest_version(self):
        return self.versions.order_by("-number").first()

    def allowed_actions(self):
        return self.MOVES.actions(self.status)

    def transition(self, action, *, by, reason=""):
        """Apply lifecycle `action`, record it, and return the ArticleTransition row.

        Raise InvalidTransition (readable message) when the action is not allowed now.
        """
        to_status = self.MOVES.target_of(self.status, action, subject="an article")
        reason = (reason or "").strip()
        if action in self.ACTIONS_NEEDING_REASON and not reason:
            raise InvalidTransition(f"Say why you {self.ACTION_LABELS[action].lower()} it.")
        fields = ["updated_at"]
        version = self.latest_version()
        if action == "publish":
            self.published_version = version
            self.published_at = timezone.now()
            fields += ["published_version", "published_at"]
        row = self.record_move(to_status, by=by, reason=reason, update_fields=fields,
                               action=action, version=version)
        if action == "publish":
            self._publish_face()
        elif action == "retire":
            PublishedArticle.objects.filter(article=self).delete()
        return row


    def _publish_face(self):
        """Write what readers now see: audience as reviewed, and the search vectors.

        The vectors are written with QuerySet.update on purpose: they are derived data,
        not a business change, so they stay out of the audit trail (PostgreSQL only).
        """
        PublishedArticle.objects.update_or_create(article=self, defaults={
            "audience": self.audience, "audience_market_role": self.audience_market_role,
            "published_at": self.published_at,
        })
        if is_postgresql() and self.published_version_id is not None:
            document, rank_vector = search_vectors_for(self.published_version)
            PublishedArticle.objects.filter(article_id=self.pk).update(
                document=document, rank_vector=rank_vector)


class PublishedArticle(models.Model):
    """The published face of a live article: its reviewed audience and its search vectors.

    Exists while the article is live (written on publish, removed on retire).
    Kept narrow on purpose: search scans these rows, not the wide article rows,
    and ranks by the small `rank_vector` (title and summary) before re-ranking
    the best candidates with the full `document` (PostgreSQL only; the GIN
    index and TOAST settings are created by migration 0002).
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True,
                                   related_name="publication")
    audience = models.CharField(max_length=20, choices=Article.Audience.choices)
    audience_market_role = models.CharField(max_length=32, blank=True)
    published_at = models.DateTimeField()
    document = SearchVectorField(null=True)  # title A, summary B, body C
    rank_vector = SearchVectorField(null=True)  # title A, summary B

    objects = VisibleQuerySet.as_manager()

    def __str__(self):
        return f"{self.article_id} ({self.audience})"


class ArticleVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableVersion("Article versions are never changed.")


class ArticleVersion(models.Model):
    """One saved state of an article's content. Immutable: corrections are new versions."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField()
    # Words of the rendered body without markup: what search and snippets read.
    plain_body = models.TextField(editable=False)
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ArticleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"],
                                               name="kb_version_number_unique")]

    def __str__(self):
        return f"{self.article.reference} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersion("Article versions are never changed; save a new version.")
        self.plain_body = plain_text(self.body)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersion("Article versions are kept for good.")

    @property
    def html(self):
        return cached_version_html(self)


class ArticleTransition(TransitionRecord):
    """A recorded lifecycle step: who moved which article from what to what, and why."""

    statuses = Article.Status

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    version = models.ForeignKey(ArticleVersion, on_delete=models.PROTECT, null=True,
                                related_name="+")

    class Meta(TransitionRecord.Meta):
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.article.reference}: {self.from_status} -> {self.to_status}"


class ArticleAttachment(Attachment):
    """A file shown with an article; served only to readers who may see the article."""

    storage_folder = "knowledge"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=200)

    class Meta(Attachment.Meta):
        ordering = ["title"]

    def __str__(self):
        return self.title

    def may_download(self, user):
        return Article.objects.visible_to(user).filter(pk=self.article_id).exists()

