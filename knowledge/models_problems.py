"""Problem management (s.9.7): one underlying cause behind recurring incidents.

A Problem links many incidents (incidents.Incident, the agreed contract),
names the services it affects, an owning CDS provider and contributing
providers (each with its own investigation task and status), and moves
New -> Investigating -> Known Error -> Resolved -> Closed with a row per step.
With a workaround it becomes a known error and can publish a knowledge
article; its resolution points at the change notification that fixes it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.policy import VisibleQuerySet
from kernel.attachments import Attachment
from kernel.transitions import Lifecycle, Moves, TransitionRecord

from .errors import InvalidTransition


class ProblemQuerySet(VisibleQuerySet):
    def open(self):
        """Return problems not yet resolved or closed."""
        return self.exclude(status__in=[Problem.Status.RESOLVED, Problem.Status.CLOSED])

    def known_errors(self):
        return self.filter(status=Problem.Status.KNOWN_ERROR)

    def open_by_provider_and_age(self, now=None):
        """Return rows (provider, count, oldest) of open problems per owning provider (report)."""
        now = now or timezone.now()
        return (self.open().values("owning_provider__name")
                .annotate(count=models.Count("pk"), oldest=models.Min("created_at"))
                .order_by("-count", "owning_provider__name"))

    def with_incident_counts(self):
        """Annotate `incident_count` and `resolved_by_workaround` (incidents per problem report)."""
        return self.annotate(
            incident_count=models.Count("incident_links", distinct=True),
            resolved_by_workaround=models.Count("workaround_applications__incident",
                                                distinct=True),
        )


class Problem(Lifecycle, models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"  # recorded, not yet being investigated
        INVESTIGATING = "investigating", "Investigating"  # providers looking for the root cause
        KNOWN_ERROR = "known_error", "Known error"  # cause or workaround known; fix pending
        RESOLVED = "resolved", "Resolved"  # fixed (normally by a change notification)
        CLOSED = "closed", "Closed"  # confirmed fixed; no further incidents

    ACTION_LABELS = {"investigate": "Investigate", "known_error": "Record as known error",
                     "resolve": "Resolve", "close": "Close"}
    MOVES = Moves.by_action(Status, {
        Status.NEW: {"investigate": Status.INVESTIGATING, "close": Status.CLOSED},
        Status.INVESTIGATING: {"known_error": Status.KNOWN_ERROR, "resolve": Status.RESOLVED},
        Status.KNOWN_ERROR: {"resolve": Status.RESOLVED, "investigate": Status.INVESTIGATING},
        Status.RESOLVED: {"close": Status.CLOSED, "investigate": Status.INVESTIGATING},
        Status.CLOSED: {},
    }, labels=ACTION_LABELS, error=InvalidTransition)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField("services.Service", blank=True, related_name="problems")
    owning_provider = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="owned_problems",
        help_text="The CDS provider leading the investigation.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    root_cause = models.TextField(blank=True)
    workaround = models.TextField(blank=True, help_text="Markdown; sent to raisers when applied.")
    known_error_article = models.ForeignKey(
        "knowledge.Article", on_delete=models.PROTECT, null=True, blank=True,
        related_name="problems")
    fixing_change = models.ForeignKey(
        "changes.ChangeNotification", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The change notification that fixes the root cause.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self):
        return f"PRB-{self.pk:06d}" if self.pk else "PRB-(new)"

    def allowed_actions(self):
        return self.MOVES.actions(self.status)

    def transition(self, action, *, by, reason=""):
        """Apply `action`, record it and return the ProblemTransition row.

        A known error needs a workaround or root cause. Resolving needs the fixing
        change notification implemented and verified (s.8.13), or, where no change
        fixes it, a reason.
        """
        to_status = self.MOVES.target_of(self.status, action, subject="a problem")
        reason = (reason or "").strip()
        if action == "known_error" and not (self.workaround.strip() or self.root_cause.strip()):
            raise InvalidTransition("Record the workaround or root cause first.")
        if action == "resolve":
            self._check_resolvable(reason)
        fields = []
        now = timezone.now()
        if to_status == self.Status.RESOLVED:
            self.resolved_at, fields = now, fields + ["resolved_at"]
        if to_status == self.Status.CLOSED:
            self.closed_at, fields = now, fields + ["closed_at"]
        if to_status == self.Status.INVESTIGATING and self.resolved_at:
            self.resolved_at, fields = None, fields + ["resolved_at"]
        return self.record_move(to_status, by=by, reason=reason, at=now, update_fields=fields,
                                action=action)


    def _check_resolvable(self, reason):
        change = self.fixing_change
        if change is None:
            if not reason:
                raise InvalidTransition(
                    "Link the fixing change notification or say how it was fixed.")
            return
        if not change.is_verified_fix:
            raise InvalidTransition(
                f"{self.reference} resolves only once its fixing change {change.reference} is "
                f"implemented and verified (reviewed by Change Co-ordination); it is "
                f"{change.get_status_display().lower()}.")


class ProblemTransition(TransitionRecord):
    """One step of a problem's lifecycle, with the action that made it."""

    statuses = Problem.Status

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)

    class Meta(TransitionRecord.Meta):
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.problem.reference}: {self.from_status} -> {self.to_status}"


class ProblemIncident(models.Model):
    """An incident caused by the problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="incident_links")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="problem_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-linked_at"]
        constraints = [models.UniqueConstraint(fields=["problem", "incident"],
                                               name="kb_problem_incident_once")]

    def __str__(self):
        return f"{self.problem.reference} ↔ incident {self.incident_id}"


class ProviderInvestigation(Lifecycle, models.Model):
    """One provider's part in a problem investigation (s.8.12, s.9.7), with its own lifecycle.

    The provider works it in its own tools and feeds the CSMS (Option 3, s.7.44): it
    records the root cause and workaround it found, attaches evidence and proposes the
    change notification that fixes the cause; Switching Operations co-ordinate every
    provider's part on the problem's console page.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"  # handed to the provider, not yet started
        INVESTIGATING = "investigating", "Investigating"  # the provider is working on it
        CONCLUDED = "concluded", "Concluded"  # the provider has reported its findings

    class Role(models.TextChoices):
        OWNER = "owner", "Owning provider"  # leads and co-ordinates the investigation
        CONTRIBUTOR = "contributor", "Contributing provider"  # investigates its own part

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="provider_tasks")
    provider = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                 related_name="problem_investigations")
    role = models.CharField(max_length=12, choices=Role.choices)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.REQUESTED)
    findings = models.TextField(blank=True)
    root_cause = models.TextField(blank=True, help_text="The underlying cause the provider found.")
    workaround = models.TextField(blank=True, help_text="How users can get round it meanwhile.")
    proposed_change = models.ForeignKey(
        "changes.ChangeNotification", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The provider's change notification that fixes the cause.")
    assigned_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["role", "provider__name"]
        constraints = [models.UniqueConstraint(fields=["problem", "provider"],
                                               name="kb_problem_provider_once")]

    def __str__(self):
        return f"{self.problem.reference}: {self.provider} ({self.get_status_display()})"

    MOVES = Moves(Status, {Status.REQUESTED: {Status.INVESTIGATING, Status.CONCLUDED},
                           Status.INVESTIGATING: {Status.CONCLUDED},
                           Status.CONCLUDED: {Status.INVESTIGATING}}, error=InvalidTransition)

    @property
    def reference(self):
        return f"{self.problem.reference}/{self.provider.short_code}"

    @property
    def lifecycle_subject(self):
        return f"{self.provider}'s investigation of {self.problem.reference}"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER

    def record_findings(self, *, findings=None, root_cause=None, workaround=None):
        """Save the texts given (None leaves a text as it is); return the fields changed."""
        fields = []
        for name, value in (("findings", findings), ("root_cause", root_cause),
                            ("workaround", workaround)):
            if value is not None and value.strip() != getattr(self, name):
                setattr(self, name, value.strip())
                fields.append(name)
        if fields:
            self.save(update_fields=[*fields, "updated_at"])
        return fields

    def update(self, *, status, findings="", by=None, reason=""):
        """Move this provider's task on, recording the step; concluding needs findings."""
        self.check_move(status)
        if status == self.Status.CONCLUDED and not (findings or self.findings).strip():
            raise InvalidTransition("Report the findings to conclude the investigation.")
        if findings:
            self.findings = findings.strip()
        return self.record_move(status, by=by, reason=reason,
                                update_fields=["findings", "updated_at"])


class ProviderInvestigationTransition(TransitionRecord):
    """One step of a provider's investigation (who, when, from, to, why, channel)."""

    statuses = ProviderInvestigation.Status

    investigation = models.ForeignKey(ProviderInvestigation, on_delete=models.CASCADE,
                                      related_name="transitions")

    def __str__(self):
        return f"{self.investigation_id}: {self.from_status or 'new'} -> {self.to_status}"


class InvestigationEvidence(Attachment):
    """A file a provider attaches to its investigation (logs, traces, screenshots)."""

    storage_folder = "problems"

    investigation = models.ForeignKey(ProviderInvestigation, on_delete=models.CASCADE,
                                      related_name="evidence")
    description = models.CharField(max_length=200, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta(Attachment.Meta):
        verbose_name_plural = "investigation evidence"

    def may_download(self, user):
        return ProviderInvestigation.objects.visible_to(user).filter(
            pk=self.investigation_id).exists()


class WorkaroundApplication(models.Model):
    """The desk applied a known error's workaround to an incident (counted per article/problem)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="workaround_applications")
    article = models.ForeignKey("knowledge.Article", on_delete=models.PROTECT,
                                related_name="workaround_applications")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="workaround_applications")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "article"],
                                               name="kb_workaround_once_per_incident")]

    def __str__(self):
        return f"{self.article.reference} applied to incident {self.incident_id}"
