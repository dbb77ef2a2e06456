"""What readers tell us about articles, and the work that follows (s.9.6 feedback).

- ArticleFeedback: one "was this helpful" answer per reader per article (changeable).
- ArticleTask: work routed to the article's owner (a reported problem, a review due).
- DeflectionEvent: a participant opened an article suggested while raising an
  incident; later settled as deflected (no incident raised) or raised.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import policy

from .errors import InvalidTransition


class ArticleFeedback(models.Model):
    article = models.ForeignKey("knowledge.Article", on_delete=models.CASCADE,
                                related_name="feedback")
    version = models.ForeignKey("knowledge.ArticleVersion", on_delete=models.PROTECT,
                                related_name="+", help_text="The version the reader saw.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["article", "user"],
                                               name="kb_one_feedback_per_reader")]

    def __str__(self):
        return f"{self.article.reference}: {'helpful' if self.helpful else 'not helpful'}"


class ArticleTaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ArticleTask.Status.OPEN)

    def for_console(self, user):
        return self if policy.may_use_console(user) else self.none()


class ArticleTask(models.Model):
    class Kind(models.TextChoices):
        PROBLEM_REPORT = "problem_report", "Reported problem"  # a reader says it is wrong
        REVIEW_DUE = "review_due", "Review due"  # the review-by date has passed

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # waiting for the owner
        DONE = "done", "Done"  # the owner dealt with it (see resolution)

    article = models.ForeignKey("knowledge.Article", on_delete=models.CASCADE,
                                related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="knowledge_tasks")
    description = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    resolution = models.TextField(blank=True)

    objects = ArticleTaskQuerySet.as_manager()

    class Meta:
        ordering = ["status", "-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article.reference}"

    def complete(self, *, by, resolution):
        """Close the task with what was done; raise InvalidTransition if already done."""
        if self.status != self.Status.OPEN:
            raise InvalidTransition("This task is already done.")
        if not (resolution or "").strip():
            raise InvalidTransition("Say what was done.")
        self.status = self.Status.DONE
        self.closed_at = timezone.now()
        self.closed_by = by
        self.resolution = resolution.strip()
        self.save(update_fields=["status", "closed_at", "closed_by", "resolution"])


class DeflectionEventQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(outcome=DeflectionEvent.Outcome.PENDING)

    def due(self, now, window):
        """Return pending events whose window has passed (index used by the settle sweep)."""
        return self.pending().filter(viewed_at__lte=now - window)


class DeflectionEvent(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"  # the window is still open
        DEFLECTED = "deflected", "Deflected"  # no incident raised within the window
        RAISED = "raised", "Incident raised"  # the organisation raised an incident anyway

    article = models.ForeignKey("knowledge.Article", on_delete=models.CASCADE,
                                related_name="deflection_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    query = models.CharField(max_length=200, blank=True, help_text="What the reader had typed.")
    viewed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = DeflectionEventQuerySet.as_manager()

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["outcome", "viewed_at"], name="kb_deflection_due_idx")]

    def __str__(self):
        return f"{self.article.reference} viewed by {self.user}: {self.outcome}"

    def settle(self, *, raised, now):
        """Record the outcome once the window has passed."""
        self.outcome = self.Outcome.RAISED if raised else self.Outcome.DEFLECTED
        self.settled_at = now
        self.save(update_fields=["outcome", "settled_at"])
