"""The incident record, its server-enforced lifecycle, and the rows that make up its history.

Every move checks the allowed-moves table (`Incident.MOVES`), raises
InvalidTransition with a message a user can read, writes an IncidentTransition
row (who, when, from, to, why, channel) and saves with update_fields. The
model stops there: incidents.services, which every caller goes through,
checks permission (accounts.policy), then recomputes the SLA figures from the
rows and announces the change (`incident_changed`) once the move is made.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.after_commit import send_after_commit
from kernel.attachments import Attachment
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from ..errors import InvalidTransition
from ..signals import incident_changed
from .choices import Channel, Kind, PendingReason, ResolutionCode, Status
from .masters import MasterLink
from .sla import SEVERITY_VALIDATORS, SlaPolicy

# Guidance shown beside the severity picker (domain.md, strategy s.10.9).
SEVERITY_GUIDANCE = {
    1: "Major Incident: prevents a large group of Market Participants using live services.",
    2: "Non-critical adverse impact: live service running at reduced capacity.",
    3: "Adverse impact on one participant, reduced to moderate by a workaround.",
    4: "Minor or minimal adverse impact.",
}
SEVERITY_CHOICES = [(n, f"Sev{n} – {text}") for n, text in SEVERITY_GUIDANCE.items()]


# Sev1 (major outage) and Sev2 (degraded) mark their services on the status page
# (servicestatus.derivation), so they are the incidents the whole market is told about.
SERVICE_AFFECTING_SEVERITIES = (1, 2)

CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.CANCELLED)
# The complement, spelled out so `open()` is an IN list an index (and a partial index's
# condition) can use; NOT IN (closed statuses) can only be answered by a scan.
OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.PENDING)
# Severities that mark a service's status (servicestatus.derivation) and show on the
# status page; their open incidents are few, so a partial index finds them at any size.
SERVICE_AFFECTING_SEVERITIES = (1, 2)
NEW, IN_PROGRESS, PENDING = Status.NEW, Status.IN_PROGRESS, Status.PENDING
RESOLVED, CLOSED, CANCELLED = Status.RESOLVED, Status.CLOSED, Status.CANCELLED

MOVES = Moves(Status, {
    NEW: {IN_PROGRESS, PENDING, RESOLVED, CANCELLED},
    IN_PROGRESS: {PENDING, RESOLVED, CANCELLED},
    PENDING: {IN_PROGRESS, RESOLVED, CANCELLED},
    RESOLVED: {CLOSED, IN_PROGRESS},
    CLOSED: set(),
    CANCELLED: set(),
}, error=InvalidTransition)


class ReferenceCounter(models.Model):
    """Numbers for human references (INC-000123).

    On PostgreSQL a name in SEQUENCES takes its numbers from a database sequence, so a
    create holds no lock while its transaction runs (numbers of rolled-back creates are
    skipped, as with any sequence). Other names, and SQLite, count in this table: the
    row is locked while a number is taken, which SQLite's one writer does anyway.
    """

    # name -> PostgreSQL sequence (created by migration 0008, started after the table's value)
    SEQUENCES = {"incident": "incidents_reference_incident_seq",
                 "REQ": "incidents_reference_req_seq"}

    name = models.CharField(max_length=20, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.value}"

    @classmethod
    def _sequence(cls, name):
        if connection.vendor == "postgresql":
            return cls.SEQUENCES.get(name)
        return None

    @classmethod
    def next(cls, name):
        """Return the next number for `name` (safe under concurrent callers)."""
        sequence = cls._sequence(name)
        if sequence is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s)", [sequence])
                return cursor.fetchone()[0]
        return cls._next_from_row(name)

    @classmethod
    def _next_from_row(cls, name):
        """One UPDATE ... RETURNING: the row stays locked until the caller's transaction
        ends, which serialises callers; the first use creates the row."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s "
                           "RETURNING value", [name])
            row = cursor.fetchone()
        if row is None:
            cls.objects.get_or_create(name=name)
            return cls._next_from_row(name)
        return row[0]

    @classmethod
    def restart(cls):
        """Number every name from 1 again (tests: a sequence does not roll back with them)."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for sequence in cls.SEQUENCES.values():
                    cursor.execute("SELECT setval(to_regclass(%s), 1, false) "
                                   "WHERE to_regclass(%s) IS NOT NULL", [sequence, sequence])

    @classmethod
    def advance_to(cls, name, value):
        """Make the next number for `name` at least value + 1 (bulk loads set references)."""
        counter, _ = cls.objects.get_or_create(name=name)
        if counter.value < value:
            counter.value = value
            counter.save(update_fields=["value"])
        sequence = cls._sequence(name)
        if sequence is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM "
                               f"{connection.ops.quote_name(sequence)})))", [sequence, value])


def next_due():
    """Return the expression for an incident's next SLA deadline: the response due time
    while not yet responded to, the resolution due time while its clock runs, whichever is
    sooner; NULL when neither runs. The queues sort on it (incidents.queues)."""
    response = Case(When(responded_at__isnull=True, then=F("response_due_at")))
    resolution = Case(When(sla_paused=False, then=F("resolution_due_at")))
    # LEAST ignores NULLs on PostgreSQL but not on SQLite: each side falls back on the other.
    return Least(Coalesce(response, resolution), Coalesce(resolution, response))


def breaching_within(*, minutes, now=None):
    """Return the condition "the next due time falls within `minutes` from now" (not yet
    late: exactly at the deadline is still met) for incidents whose clock runs."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=minutes)
    response = Q(responded_at__isnull=True, response_due_at__gte=now,
                 response_due_at__lte=horizon)
    resolution = Q(sla_paused=False, resolution_due_at__gte=now,
                   resolution_due_at__lte=horizon)
    return response | resolution


BREACHED = Q(response_breached=True) | Q(resolution_breached=True)


class IncidentQuerySet(VisibleQuerySet):
    def open(self):
        """Return incidents not yet resolved, closed or cancelled."""
        return self.filter(status__in=OPEN_STATUSES)

    def open_affecting(self):
        """Return open Sev1/Sev2 incidents (partial index inc_open_affecting_idx)."""
        return self.open().filter(severity__in=SERVICE_AFFECTING_SEVERITIES)

    def unassigned(self):
        return self.filter(assigned_group__isnull=True)

    def assigned_to_group(self, organisation_id):
        return self.filter(assigned_group_id=organisation_id)

    def breached(self):
        return self.filter(BREACHED)

    def breaching_within(self, *, minutes, now=None):
        """Return running incidents whose next due time falls within `minutes` from now."""
        return self.open().filter(breaching_within(minutes=minutes, now=now))

    def sla_check_due(self, now=None):
        """Return open incidents with an SLA warning or breach due (index used by the sweep)."""
        return self.filter(sla_next_check_at__lte=now or timezone.now())

    def major(self):
        return self.filter(is_major=True)

    def security(self):
        return self.filter(kind=Kind.SECURITY)

    def public(self):
        """Return the incidents public channels may tell of (status page, derived status,
        bulletins, the major-incident banner): a security incident only once released."""
        return self.exclude(kind=Kind.SECURITY, released_at__isnull=True)

    def with_history_flags(self):
        """Annotate whether each incident has children, master links and incident links:
        an index probe each inside the one read, so a detail page skips the reads that
        would return nothing (Incident.may_have)."""
        incident = OuterRef("pk")
        return self.annotate(
            has_children=Exists(Incident.objects.filter(master=incident)),
            has_master_links=Exists(MasterLink.objects.filter(child=incident)),
            has_links=Exists(IncidentLink.objects.filter(Q(from_incident=incident)
                                                         | Q(to_incident=incident))))

    def for_detail_page(self):
        """Return incidents read as a detail page shows one: its parties, SLA policy,
        communication plan and services joined or prefetched, with the history flags."""
        return self.with_history_flags().select_related(
            "organisation", "raised_by", "assigned_group", "assignee", "sla_policy",
            "communication_plan").prefetch_related("services")

    def masters(self):
        """Return incidents with children gathered under them."""
        return self.filter(children__isnull=False).distinct()

    def service_affecting(self):
        """Return incidents that change their services' derived status (Sev1, Sev2, major)."""
        return self.filter(Q(severity__in=SERVICE_AFFECTING_SEVERITIES) | Q(is_major=True))


class Incident(Lifecycle, models.Model):
    MOVES = MOVES
    Status = Status
    PendingReason = PendingReason
    Channel = Channel
    ResolutionCode = ResolutionCode
    Kind = Kind

    reference = models.CharField(max_length=12, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="incidents", help_text="The raising organisation.")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="incidents_raised", help_text="Contact person.")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PORTAL)
    services = models.ManyToManyField(Service, related_name="incidents", blank=True)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES,
                                                validators=SEVERITY_VALIDATORS)
    proposed_severity = models.PositiveSmallIntegerField(
        choices=SEVERITY_CHOICES, validators=SEVERITY_VALIDATORS, null=True, blank=True,
        help_text="What the participant proposed; the desk sets `severity`.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    pending_reason = models.CharField(max_length=24, choices=PendingReason.choices, blank=True)
    resolution_code = models.CharField(max_length=16, choices=ResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(blank=True)
    is_major = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SERVICE,
                            db_default=Kind.SERVICE,
                            help_text="Who may see it: see accounts.policy (security incidents).")
    released_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Security incidents: when the desk released it to public status and bulletins.")
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="duplicates")
    master = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        help_text="The master incident this one is gathered under (incidents.masters): it shows "
                  "the master's status and updates and is resolved with it.")
    assigned_group = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Resolver group holding the lead provider task (the last one assigned).")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="incidents_assigned")
    # SLA: the pinned policy version and the figures stored by incidents.sla_service.
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="incidents")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused = models.BooleanField(default=False, editable=False)
    response_breached = models.BooleanField(default=False, editable=False)
    resolution_breached = models.BooleanField(default=False, editable=False)
    sla_next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # the SLA sweep: open incidents with a warning/breach due
            models.Index(fields=["sla_next_check_at"], name="inc_sla_check_idx"),
            models.Index(fields=["response_due_at"], name="inc_response_due_idx"),
            models.Index(fields=["status", "resolution_due_at"], name="inc_status_due_idx"),
            # the portal list: one organisation's incidents, newest first
            models.Index(fields=["organisation", "-created_at"], name="inc_org_created_idx"),
            # agent queues: a group's open work; the breached queue (few rows, partial index)
            models.Index(fields=["assigned_group", "status"], name="inc_group_status_idx"),
            # the queues' urgency order (incidents.queues): open incidents by next deadline
            models.Index(next_due(), "severity", "id", name="inc_open_urgency_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["id"], name="inc_breached_idx",
                         condition=Q(response_breached=True) | Q(resolution_breached=True)),
            # KPI periods (reporting): raised, first response and resolution within a period
            models.Index(fields=["created_at"], name="inc_created_idx"),
            models.Index(fields=["responded_at"], name="inc_responded_idx"),
            models.Index(fields=["resolved_at"], name="inc_resolved_idx"),
            # derived service status and the status page: the open Sev1/Sev2 incidents
            models.Index(fields=["severity"], name="inc_open_affecting_idx",
                         condition=Q(status__in=OPEN_STATUSES)
                         & Q(severity__in=SERVICE_AFFECTING_SEVERITIES)),
            # the dashboard's and the home's open major incidents, newest first: without it
            # the planner walks inc_created_idx backwards past every closed incident
            models.Index(fields=["-created_at"], name="inc_open_major_idx",
                         condition=Q(status__in=OPEN_STATUSES) & Q(is_major=True)),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("incidents:detail", args=[self.reference])

    @property
    def is_security(self):
        return self.kind == Kind.SECURITY

    @property
    def is_open(self):
        return self.status not in CLOSED_STATUSES

    @property
    def is_service_affecting(self):
        return self.is_major or self.severity in SERVICE_AFFECTING_SEVERITIES

    @property
    def severity_guidance(self):
        return SEVERITY_GUIDANCE.get(self.severity, "")

    def may_have(self, relation):
        """Return False when the incident was read with a `has_<relation>` flag that says it
        has no such rows (with_history_flags: "children", "master_links", "links"); True
        otherwise: read them."""
        return getattr(self, f"has_{relation}", True)

    def current_task(self):
        """Return the open provider task of the incident's assigned group (the lead task)."""
        return (self.tasks.filter(ended_at__isnull=True, resolver_group_id=self.assigned_group_id)
                .select_related("resolver_group").first())

    def people_who_worked_it(self):
        """Return the people, other than whoever raised it, who have acted on the incident:
        its assignee, and anyone who moved it, assigned it, changed its severity or commented.

        System accounts (API tokens, sweeps) are not people. Read by the event clearing
        rule (incidents.services.event_cleared): an incident nobody worked may be resolved
        automatically when the event that raised it clears.
        """
        ids = set(self.transitions.exclude(by=None).values_list("by_id", flat=True))
        ids |= set(self.comments.values_list("author_id", flat=True))
        ids |= set(self.tasks.exclude(assigned_by=None).values_list("assigned_by_id", flat=True))
        ids |= set(self.severity_changes.exclude(by=None).values_list("by_id", flat=True))
        if self.assignee_id:
            ids.add(self.assignee_id)
        ids.discard(self.raised_by_id)
        return get_user_model().objects.people().filter(pk__in=ids)

    def announce(self, *, created=False, service_ids=None):
        """Send `incident_changed` once the current transaction commits.

        `created` and `service_ids` (when the caller knows them) spare the receivers a
        query: a new Sev3/Sev4 incident cannot change any service's status.
        """
        send_after_commit(incident_changed, sender=Incident, incident=self, created=created,
                          service_ids=service_ids, name="incident_changed",
                          sweep="the status sweep (every minute)")

    def know_new_relations(self, services=None, *, no_tasks=False):
        """Remember that this just-created incident has exactly `services` (an M2M change
        forgets this again) and, with `no_tasks`, no provider tasks, so serialising it asks
        the database nothing it could only answer with these. `no_tasks` is for a caller
        that serialises the incident at once and drops it: a task added later through
        another object would not be seen here."""
        cache = getattr(self, "_prefetched_objects_cache", None) or {}
        for name, rows in (("services", services), ("tasks", [] if no_tasks else None)):
            if rows is None:
                continue
            queryset = getattr(self, name).all()
            queryset._result_cache, queryset._prefetch_done = list(rows), True
            cache[name] = queryset
        self._prefetched_objects_cache = cache

    def known_to_have_no_tasks(self):
        """True when know_new_relations(no_tasks=True) said so (a just-raised incident)."""
        cached = getattr(self, "_prefetched_objects_cache", {}).get("tasks")
        return cached is not None and not cached._result_cache

    # --- the lifecycle ---------------------------------------------------
    def _move(self, to, *, by, reason="", at=None, pending_reason="", resolution_code="",
              extra_fields=()):
        self.check_move(to)
        at = at or timezone.now()
        fields = ["pending_reason", "updated_at", *extra_fields]
        if self.status == NEW and self.responded_at is None and to != CANCELLED:
            self.responded_at = at
            fields.append("responded_at")
        self.pending_reason = pending_reason
        self.record_move(to, by=by, reason=reason, at=at, update_fields=fields,
                         pending_reason=pending_reason, resolution_code=resolution_code)

    def _refuse_unless(self, status, message):
        if self.status != status:
            raise InvalidTransition(f"{self.reference} is {MOVES.label(self.status)}{message}")

    def respond(self, *, by, reason="", at=None):
        """Record the first response: New -> In progress."""
        if self.status != NEW:
            raise InvalidTransition(f"{self.reference} has already been responded to.")
        self._move(IN_PROGRESS, by=by, reason=reason, at=at)

    def pend(self, *, by, pending_reason, reason="", at=None):
        """Wait on the participant or a provider (the first may pause the SLA clock)."""
        if pending_reason not in PendingReason.values:
            raise InvalidTransition("Say what the incident is waiting for: "
                                    "awaiting participant or awaiting provider.")
        self._move(PENDING, by=by, reason=reason, at=at, pending_reason=pending_reason)

    def resume(self, *, by, reason="", at=None):
        """Pending -> In progress; a paused clock resumes, extended by the paused time."""
        self._refuse_unless(PENDING, ", not pending; there is nothing to resume.")
        self._move(IN_PROGRESS, by=by, reason=reason, at=at)

    def resolve(self, *, by, resolution_code, notes, at=None):
        """Record the fix with a resolution code and notes; the participant then confirms."""
        if resolution_code not in ResolutionCode.values:
            raise InvalidTransition("Choose a resolution code.")
        if not (notes or "").strip():
            raise InvalidTransition("Resolution notes are required.")
        self.check_move(RESOLVED)
        at = at or timezone.now()
        self.resolution_code, self.resolution_notes, self.resolved_at = resolution_code, notes, at
        self._move(RESOLVED, by=by, reason=notes, at=at, resolution_code=resolution_code,
                   extra_fields=["resolution_code", "resolution_notes", "resolved_at"])

    def close(self, *, by, reason="", at=None):
        """Resolved -> Closed: the participant confirms, or the auto-close sweep acts."""
        self.check_move(CLOSED)
        self.closed_at = at or timezone.now()
        self._move(CLOSED, by=by, reason=reason or "Resolution confirmed", at=self.closed_at,
                   extra_fields=["closed_at"])

    def reopen_deadline(self):
        if self.resolved_at is None:
            return None
        return self.resolved_at + timedelta(days=self.sla_policy.reopen_window_days)

    def reopen(self, *, by, reason, at=None):
        """Resolved -> In progress within the reopen window; the resolution clock resumes."""
        at = at or timezone.now()
        self._refuse_unless(RESOLVED, "; only a resolved incident can be reopened.")
        if not (reason or "").strip():
            raise InvalidTransition("Say why the incident is being reopened.")
        if at > self.reopen_deadline():
            raise InvalidTransition(
                f"The reopen window ({self.sla_policy.reopen_window_days} days) has passed; "
                "raise a new incident instead.")
        self.resolved_at = None
        self.resolution_code = ""
        self._move(IN_PROGRESS, by=by, reason=reason, at=at,
                   extra_fields=["resolved_at", "resolution_code"])

    def cancel(self, *, by, reason, duplicate_of=None, at=None):
        """Cancel (withdrawn, raised in error, or a duplicate of another incident)."""
        if not (reason or "").strip():
            raise InvalidTransition("Say why the incident is being cancelled.")
        if duplicate_of is not None and duplicate_of.pk == self.pk:
            raise InvalidTransition("An incident cannot be a duplicate of itself.")
        self.check_move(CANCELLED)
        self.duplicate_of = duplicate_of
        self._move(CANCELLED, by=by, reason=reason, at=at, extra_fields=["duplicate_of"])

    def transition(self, to, *, by, reason="", pending_reason="", resolution_code="",
                   resolution_notes="", duplicate_of=None, at=None):
        """Move to status `to`, choosing the move from the current status (used by the API)."""
        if to == IN_PROGRESS:
            move = {NEW: self.respond, PENDING: self.resume, RESOLVED: self.reopen}.get(self.status)
            if move is None:
                self.check_move(to)
            return move(by=by, reason=reason, at=at)
        if to == PENDING:
            return self.pend(by=by, pending_reason=pending_reason, reason=reason, at=at)
        if to == RESOLVED:
            return self.resolve(by=by, resolution_code=resolution_code,
                                notes=resolution_notes or reason, at=at)
        if to == CLOSED:
            return self.close(by=by, reason=reason, at=at)
        if to == CANCELLED:
            return self.cancel(by=by, reason=reason, duplicate_of=duplicate_of, at=at)
        self.check_move(to)

    def change_severity(self, *, to, by, reason, at=None):
        """Set a new severity with a reason; the SLA is recomputed from the start on it."""
        if to not in (1, 2, 3, 4):
            raise InvalidTransition("Severity must be 1, 2, 3 or 4.")
        if not (reason or "").strip():
            raise InvalidTransition("A severity change needs a reason.")
        if self.status in (CLOSED, CANCELLED):
            raise InvalidTransition(f"{self.reference} is {MOVES.label(self.status)}; its "
                                    "severity can no longer change.")
        if to == self.severity:
            raise InvalidTransition(f"{self.reference} is already Sev{to}.")
        at = at or timezone.now()
        self.severity_changes.create(from_severity=self.severity, to_severity=to, reason=reason,
                                     by=by, at=at)
        self.severity = to
        self.save(update_fields=["severity", "updated_at"])


class IncidentTransition(TransitionRecord):
    """One change of status (who, when, from, to, why, channel). SLA replay reads these rows."""

    statuses = Status

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="transitions")
    pending_reason = models.CharField(max_length=24, choices=PendingReason.choices, blank=True)
    resolution_code = models.CharField(max_length=16, choices=ResolutionCode.choices, blank=True)

    class Meta(TransitionRecord.Meta):
        indexes = [models.Index(fields=["incident", "at"], name="inc_transition_idx")]

    def __str__(self):
        return f"{self.incident_id}: {self.from_status} -> {self.to_status}"


class SeverityChange(models.Model):
    """A change of severity, always with a reason; the SLA restarts on the new target."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="severity_changes")
    from_severity = models.PositiveSmallIntegerField()
    to_severity = models.PositiveSmallIntegerField(validators=SEVERITY_VALIDATORS)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""),
                                              name="severity_change_needs_reason")]

    def __str__(self):
        return f"{self.incident_id}: Sev{self.from_severity} -> Sev{self.to_severity}"


class IncidentCommentQuerySet(VisibleQuerySet):
    def public(self):
        return self.filter(is_public=True)


class IncidentComment(models.Model):
    """A public comment (everyone who sees the incident) or an internal work note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    is_public = models.BooleanField(default=True, help_text="Off: a work note for staff only.")
    via = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PORTAL)
    created_at = models.DateTimeField(default=timezone.now)

    objects = IncidentCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{'Comment' if self.is_public else 'Work note'} on {self.incident_id}"


class IncidentAttachment(Attachment):
    """A file on an incident; an internal one (not public) is for staff only."""

    storage_folder = "incidents"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    is_public = models.BooleanField(default=True)

    def may_download(self, user):
        return (Incident.objects.visible_to(user).filter(pk=self.incident_id).exists()
                and (self.is_public or policy.may_read_work_notes(user)))


class IncidentLink(models.Model):
    class Kind(models.TextChoices):
        RELATED = "related", "Related to"  # same cause or symptom, worked separately
        DUPLICATE = "duplicate", "Duplicate of"  # `from_incident` repeats `to_incident`

    from_incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                      related_name="links_out")
    to_incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_incident", "to_incident"],
                                    name="uniq_incident_link"),
            models.CheckConstraint(condition=~Q(from_incident=models.F("to_incident")),
                                   name="no_self_incident_link"),
        ]

    def __str__(self):
        return f"{self.from_incident_id} {self.get_kind_display().lower()} {self.to_incident_id}"
