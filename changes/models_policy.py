"""Reference data for the policy checks (notice rules, freezes) and the warnings they produce."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.periods import LONDON as UK
from services.models import WEEKDAYS, Service


class NoticePeriodRule(models.Model):
    """How many working days' notice a change needs (England & Wales calendar).

    A blank provider, service or type matches any. For each affected service the
    most specific matching rule applies (service beats provider beats type);
    the change needs the largest notice among its services. A rule is for Change
    Notifications or for Market Participants' planned outages (`applies_to`), never both.
    """

    class AppliesTo(models.TextChoices):
        CHANGES = "changes", "Change Notifications"  # a provider's change to a central service
        PARTICIPANT_OUTAGES = "participant_outages", "Participants' planned outages"

    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices,
                                  default=AppliesTo.CHANGES)

    provider = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", limit_choices_to={"kind": "cds_provider"})
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    change_type = models.CharField(max_length=12, blank=True, choices=[
        ("standard", "Standard"), ("normal", "Normal"), ("emergency", "Emergency"),
        ("major", "Major")])
    outages_only = models.BooleanField(
        default=False, help_text="Applies only where the service is fully out, not degraded.")
    working_days = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "provider__name", "change_type"]

    def __str__(self):
        scope = self.service or self.provider or "Any service"
        if self.applies_to == self.AppliesTo.PARTICIPANT_OUTAGES:
            return f"{scope} participants' planned outages: {self.working_days} working days"
        return f"{scope} {self.change_type or 'any type'}: {self.working_days} working days"

    def matches_outage(self, *, service_id):
        """Return True if this rule sets the notice of a participant's outage on the service."""
        return (self.applies_to == self.AppliesTo.PARTICIPANT_OUTAGES
                and self.service_id in (None, service_id))

    @property
    def specificity(self):
        return (4 if self.service_id else 0) + (2 if self.provider_id else 0) + (
            1 if self.change_type else 0) + (1 if self.outages_only else 0)

    def matches(self, *, provider_id, service_id, change_type, impact):
        return (self.applies_to == self.AppliesTo.CHANGES
                and (self.provider_id in (None, provider_id))
                and (self.service_id in (None, service_id))
                and (self.change_type in ("", change_type))
                and (not self.outages_only or impact == "outage"))


class ChangeFreezeQuerySet(VisibleQuerySet):
    def active(self):
        return self.filter(is_active=True)


class ChangeFreeze(models.Model):
    """A window in which changes should not happen (Christmas, annual switching peaks).

    One-off: from `starts_at` to `ends_at`. Weekly: every `weekday` from
    `start_time` to `end_time` UK wall-clock time (ending the next day if the
    end is not after the start), between the optional `valid_from` and
    `valid_until` dates. No services means the freeze applies to every service.
    """

    class Recurrence(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        WEEKLY = "weekly", "Every week"

    name = models.CharField(max_length=120)
    reason = models.TextField(blank=True, max_length=2000)
    services = models.ManyToManyField(Service, blank=True, related_name="+",
                                      help_text="Leave empty for a freeze on every service.")
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices,
                                  default=Recurrence.ONE_OFF)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True,
                                               choices=list(enumerate(WEEKDAYS)))
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", editable=False)

    objects = ChangeFreezeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "weekday", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.recurrence == self.Recurrence.ONE_OFF:
            if not self.starts_at or not self.ends_at:
                raise ValidationError("A one-off freeze needs a start and an end.")
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": "The freeze must end after it starts."})
        else:
            if self.weekday is None or self.start_time is None or self.end_time is None:
                raise ValidationError("A weekly freeze needs a weekday, a start time and an end time.")
            if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
                raise ValidationError({"valid_until": "The last date is before the first."})

    def occurrences(self, start, end):
        """Yield the (from, to) UTC windows of this freeze that overlap [start, end)."""
        if self.recurrence == self.Recurrence.ONE_OFF:
            if self.starts_at < end and self.ends_at > start:
                yield self.starts_at, self.ends_at
            return
        # Walk the UK-local dates from the day before `start` (an overnight freeze)
        # to the end; combine wall-clock times in Europe/London, so a "Sunday
        # 00:00-06:00" freeze is 00:00-06:00 UK time in both GMT and BST.
        day = start.astimezone(UK).date() - timedelta(days=1)
        last = end.astimezone(UK).date()
        while day <= last:
            if day.weekday() == self.weekday and (
                    not self.valid_from or day >= self.valid_from) and (
                    not self.valid_until or day <= self.valid_until):
                lo = datetime.combine(day, self.start_time, tzinfo=UK)
                end_day = day if self.end_time > self.start_time else day + timedelta(days=1)
                hi = datetime.combine(end_day, self.end_time, tzinfo=UK)
                if lo < end and hi > start:
                    yield lo.astimezone(UTC), hi.astimezone(UTC)
            day += timedelta(days=1)

    def describe_window(self):
        if self.recurrence == self.Recurrence.ONE_OFF:
            return (f"{self.starts_at.astimezone(UK):%a %d %b %Y %H:%M} to "
                    f"{self.ends_at.astimezone(UK):%a %d %b %Y %H:%M} UK time")
        return (f"every {WEEKDAYS[self.weekday]} {self.start_time:%H:%M}-{self.end_time:%H:%M} "
                "UK time")


class ChangeWarning(models.Model):
    """A policy check's finding about a notification, with the reason in words.

    Rows are derived data: `checks.refresh_warnings` deletes and rewrites a
    notification's rows, so they are not audited.
    """

    class Kind(models.TextChoices):
        LATE_NOTICE = "late_notice", "Late notification"  # less notice than the rule requires
        SAME_SERVICE = "same_service", "Clash on the same service"  # overlapping windows
        DEPENDENCY = "dependency", "Clash on a dependent service"  # one needs the other
        NO_SWITCH_PATH = "no_switch_path", "No path for a switch"  # a fuel's switches blocked
        FREEZE = "freeze", "During a change freeze"  # overlaps a freeze window
        EMERGENCY = "emergency", "Emergency change"  # always flagged

    change_notification = models.ForeignKey("changes.ChangeNotification", on_delete=models.CASCADE,
                                            related_name="warnings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500)
    other_change = models.ForeignKey("changes.ChangeNotification", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="+")
    freeze = models.ForeignKey(ChangeFreeze, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="warnings")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pk"]
        indexes = [models.Index(fields=["kind"], name="chg_warning_kind_idx")]

    def __str__(self):
        return self.message

    @property
    def is_conflict(self):
        return self.kind in (self.Kind.SAME_SERVICE, self.Kind.DEPENDENCY, self.Kind.NO_SWITCH_PATH)
