"""Knowledge from providers (s.9.6, s.11.35): drafts a CDS provider writes for the desk.

A provider "provides known issues and workarounds to populate the Service Knowledge
Management repository" (s.9.6). It writes a contribution (an article or a known error
with its workaround) in the portal or over the API and submits it; the desk reviews it
and either returns it with a reason, declines it, or accepts it, which makes it a
knowledge article that goes through the article's own review and publication (the
desk chooses the audience; the article's audience rules then apply as to any other).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from .choices import ArticleAudience, ArticleType
from .errors import InvalidTransition


class KnowledgeContributionQuerySet(VisibleQuerySet):
    def awaiting_review(self):
        """Return contributions submitted and not yet decided by the desk (console queue)."""
        return self.filter(status=KnowledgeContribution.Status.SUBMITTED)


class KnowledgeContribution(Lifecycle, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"  # the provider is writing it; only its organisation sees it
        SUBMITTED = "submitted", "Submitted"  # waiting for the desk's review
        ACCEPTED = "accepted", "Accepted"  # the desk made it a knowledge article; final
        DECLINED = "declined", "Declined"  # the desk will not use it (reason given); final
        WITHDRAWN = "withdrawn", "Withdrawn"  # the provider took it back; final

    class Kind(models.TextChoices):
        ARTICLE = "article", "Knowledge article"  # a how-to, FAQ or service information
        KNOWN_ERROR = "known_error", "Known error and workaround"  # a fault and how to get round it

    ACTION_LABELS = {"submit": "Submit for review", "withdraw": "Withdraw",
                     "return": "Return to the provider", "accept": "Accept",
                     "decline": "Decline"}
    MOVES = Moves.by_action(Status, {
        Status.DRAFT: {"submit": Status.SUBMITTED, "withdraw": Status.WITHDRAWN},
        Status.SUBMITTED: {"return": Status.DRAFT, "accept": Status.ACCEPTED,
                           "decline": Status.DECLINED, "withdraw": Status.WITHDRAWN},
        Status.ACCEPTED: {},
        Status.DECLINED: {},
        Status.WITHDRAWN: {},
    }, labels=ACTION_LABELS, error=InvalidTransition)
    # The provider's steps and the desk's (accounts.policy decides who takes which).
    PROVIDER_ACTIONS = {"submit", "withdraw"}
    DESK_ACTIONS = {"return", "accept", "decline"}
    ACTIONS_NEEDING_REASON = {"return", "decline"}

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="knowledge_contributions",
                                     help_text="The provider that wrote it.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ARTICLE)
    article_type = models.CharField("type", max_length=20, choices=ArticleType.choices,
                                    default=ArticleType.HOW_TO,
                                    help_text="The article type it is proposed as.")
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField(max_length=50000, help_text="Markdown.")
    suggested_audience = models.CharField(
        max_length=20, choices=ArticleAudience.choices, default=ArticleAudience.PROVIDERS,
        help_text="Who the provider thinks should read it; the desk decides on acceptance.")
    services = models.ManyToManyField("services.Service", blank=True, related_name="+")
    problem = models.ForeignKey("knowledge.Problem", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="contributions",
                                help_text="For a known error: the problem it is about.")
    article = models.ForeignKey("knowledge.Article", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", editable=False,
                                help_text="The article it became on acceptance.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = KnowledgeContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self):
        return f"KC-{self.pk:06d}" if self.pk else "KC-(new)"

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def allowed_actions(self):
        return self.MOVES.actions(self.status)

    def transition(self, action, *, by, reason="", update_fields=()):
        """Apply `action` (see MOVES), recording who, when and why; return the row."""
        to_status = self.MOVES.target_of(self.status, action, subject="a contribution")
        reason = (reason or "").strip()
        if action in self.ACTIONS_NEEDING_REASON and not reason:
            raise InvalidTransition(f"Say why you {self.ACTION_LABELS[action].lower()} it.")
        if action == "submit" and not (self.title.strip() and self.body.strip()):
            raise InvalidTransition("Give the contribution a title and a body first.")
        return self.record_move(to_status, by=by, reason=reason, action=action,
                                update_fields=["updated_at", *update_fields])


class KnowledgeContributionTransition(TransitionRecord):
    """One step of a contribution (the first row, on creation, has an empty from_status)."""

    statuses = KnowledgeContribution.Status

    contribution = models.ForeignKey(KnowledgeContribution, on_delete=models.CASCADE,
                                     related_name="transitions")
    action = models.CharField(max_length=20, blank=True)

    def __str__(self):
        return f"{self.contribution_id}: {self.from_status or 'new'} -> {self.to_status}"
