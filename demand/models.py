"""Non-BAU demand forecasts, capacity thresholds, excessive-demand alerts and actual volumes.

Strategy s.7.39-7.40 and s.8.15-8.22: Market Participants (and providers)
warn of non-BAU volumes; Switching Operations sets capacity per service and
time band; a forecast that alone or together with overlapping forecasts
exceeds capacity raises an ExcessiveDemandAlert, the desk and the providers
are told, and Operations records the outcome. The risk register lives in
models_risk.py (re-exported below).
"""

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.models import Organisation
from accounts.policy import VisibleQuerySet
from kernel.transitions import Lifecycle, Moves, TransitionRecord
from services.models import Service

from .capacity import bands_overlap
from .errors import InvalidTransition

# A forecast covers at most this long. The bound is what turns "which
# forecasts overlap this window" into a range query on window_start (see
# ForecastQuerySet.overlapping): a longer campaign is sent as several forecasts.
MAX_WINDOW = timedelta(days=7)


class Unit(models.TextChoices):
    SWITCH_REQUESTS = "switch_requests", "switch requests per hour"  # CSS registration traffic
    MESSAGES = "messages", "messages per hour"  # market messages / flows
    ENQUIRIES = "enquiries", "enquiries per hour"  # data enquiry look-ups (DES, ECOES)
    API_CALLS = "api_calls", "API calls per hour"  # calls to a provider's API


class ForecastQuerySet(VisibleQuerySet):
    def counted(self):
        """Return forecasts that count towards demand (everything but withdrawn ones)."""
        return self.exclude(status=Forecast.Status.WITHDRAWN)

    def overlapping(self, *, service_id, unit, start, end):
        """Return counted forecasts on `service_id`/`unit` whose window overlaps [start, end).

        window_start > start - MAX_WINDOW bounds the scan on both sides, so the
        index demand_fc_capacity is used as a range (not a scan of all history).
        """
        return self.counted().filter(
            service_id=service_id, unit=unit,
            window_start__lt=end, window_start__gt=start - MAX_WINDOW, window_end__gt=start,
        )

    def on_services_of(self, organisation):
        """Return forecasts on the services `organisation` provides."""
        return self.filter(service__provider=organisation)


class Forecast(Lifecycle, models.Model):
    """A warning of non-BAU demand on one service over one window."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"  # received, not yet checked against capacity
        WITHIN_CAPACITY = "within_capacity", "Within capacity"  # checked: fits; nothing to do
        UNDER_REVIEW = "under_review", "Under review"  # excessive; awaiting Operations' outcome
        ACCEPTED = "accepted", "Accepted"  # excessive, but Operations accept it can be served
        MITIGATED = "mitigated", "Mitigated with the submitter"  # reshaped/spread by agreement
        CANNOT_BE_MET = "cannot_be_met", "Cannot be met"  # capacity short; a risk is drafted
        WITHDRAWN = "withdrawn", "Withdrawn"  # the submitter no longer expects it

    OUTCOMES = {Status.ACCEPTED, Status.MITIGATED, Status.CANNOT_BE_MET}
    MOVES = Moves(Status, {
        Status.SUBMITTED: {Status.WITHIN_CAPACITY, Status.UNDER_REVIEW, Status.WITHDRAWN},
        Status.WITHIN_CAPACITY: {Status.UNDER_REVIEW, Status.WITHDRAWN},
        Status.UNDER_REVIEW: OUTCOMES | {Status.WITHDRAWN},
        Status.ACCEPTED: set(),
        Status.MITIGATED: set(),
        Status.CANNOT_BE_MET: set(),
        Status.WITHDRAWN: set(),
    }, error=InvalidTransition)

    # No single-column indexes on these two: demand_fc_org starts with organisation, and
    # nothing looks forecasts up by submitter (users are deactivated, never deleted). Every
    # index is paid for on each row of a 10 000-row upload.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="demand_forecasts",
        help_text="The party expecting to send the volume.", db_index=False,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False,
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="demand_forecasts")
    window_start = models.DateTimeField(help_text="Stored in UTC.")
    window_end = models.DateTimeField(help_text="Stored in UTC; the window is [start, end).")
    volume = models.PositiveIntegerField(help_text="Expected volume per hour during the window.")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.SWITCH_REQUESTS)
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    alert = models.ForeignKey(
        "ExcessiveDemandAlert", on_delete=models.PROTECT, null=True, blank=True,
        related_name="forecasts", help_text="The excessive-demand alert this forecast is part of.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ForecastQuerySet.as_manager()

    class Meta:
        ordering = ["-window_start", "-pk"]
        indexes = [
            # Used by ForecastQuerySet.overlapping (excessive-demand evaluation): a range on
            # window_start per service/unit; the trailing columns make it index-only.
            models.Index(
                fields=["service", "unit", "window_start", "window_end", "volume"],
                name="demand_fc_capacity", condition=~models.Q(status="withdrawn"),
            ),
            models.Index(fields=["organisation", "-window_start"], name="demand_fc_org"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")),
                                   name="demand_fc_window_order"),
        ]

    def __str__(self):
        return f"{self.reference} {self.service} {self.volume} {self.get_unit_display()}"

    @property
    def reference(self):
        return f"DF-{self.pk:06d}" if self.pk else "DF-(new)"

    def clean(self):
        errors = validate_window(self.window_start, self.window_end)
        if errors:
            raise ValidationError(errors)

    @property
    def duration_hours(self):
        return (self.window_end - self.window_start).total_seconds() / 3600

    @property
    def lifecycle_subject(self):
        return f"Forecast {self.reference}"

    def transition(self, *, to, by, reason="", alert=None):
        """Move to status `to` (joining `alert` if given), recording who, when, from, to, why."""
        self.check_move(to)
        if alert is not None:
            self.alert = alert
        self.record_move(to, by=by, reason=reason,
                         update_fields=["alert"] if alert is not None else [])


def validate_window(start, end):
    """Return {field: message} for a bad forecast window, or {} (used by forms, CSV, API)."""
    if start is None or end is None:
        return {}
    if end <= start:
        return {"window_end": "The window must end after it starts."}
    if end - start > MAX_WINDOW:
        return {"window_end": "A forecast covers at most 7 days; send a longer campaign as "
                              "several forecasts."}
    return {}


class ForecastTransition(TransitionRecord):
    """One status change of a forecast (the first row has an empty from_status)."""

    statuses = Forecast.Status

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="transitions")


class ForecastShare(models.Model):
    """Switching Operations showed one forecast in full (with its submitter) to a provider.

    The grant itself: accounts.policy's forecast rule shows the forecast to every user of
    that organisation (people who join later included) while this row exists.
    """

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["forecast", "organisation"],
                                               name="demand_share_once")]

    def __str__(self):
        return f"{self.forecast.reference} shared with {self.organisation}"


class CapacityThresholdQuerySet(VisibleQuerySet):
    def active(self):
        return self.filter(is_active=True)


class CapacityThreshold(models.Model):
    """The most a service can take per hour in a time band (UK local time).

    A band is days + start/end time; end <= start means it runs past midnight.
    `other_times` marks the catch-all band for every time no other band covers.
    """

    WEEKDAYS = "0,1,2,3,4"
    ALL_DAYS = "0,1,2,3,4,5,6"

    service = models.ForeignKey(Service, on_delete=models.CASCADE,
                                related_name="capacity_thresholds")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.SWITCH_REQUESTS)
    name = models.CharField(max_length=80, help_text="e.g. 'Weekday 08:00-18:00'.")
    other_times = models.BooleanField(
        default=False, help_text="Applies at every time no other band of this service covers.",
    )
    days = models.CharField(max_length=13, default=WEEKDAYS, blank=True,
                            help_text="Weekday numbers (Monday=0) on which the band starts.")
    start_time = models.TimeField(default=time(8, 0))
    end_time = models.TimeField(default=time(18, 0),
                                help_text="UK time; at or before the start means the next day.")
    max_volume = models.PositiveIntegerField(help_text="Most volume per hour the service takes.")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CapacityThresholdQuerySet.as_manager()

    class Meta:
        ordering = ["service", "unit", "other_times", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["service", "unit"],
                                    condition=models.Q(other_times=True),
                                    name="demand_one_catch_all_band"),
        ]

    def __str__(self):
        return f"{self.service}: {self.name} ≤ {self.max_volume} {self.get_unit_display()}"

    @property
    def weekday_numbers(self):
        return [int(part) for part in self.days.split(",") if part.strip()]

    def clean(self):
        if self.other_times:
            return
        bad_days = ValidationError({"days": "Use weekday numbers 0-6 separated by commas."})
        try:
            days = self.weekday_numbers
        except ValueError:
            raise bad_days from None
        if not days or any(d < 0 or d > 6 for d in days):
            raise bad_days
        if self.start_time == self.end_time and self.start_time != time(0):
            raise ValidationError({"end_time": "A band needs a length; use 00:00-00:00 for a "
                                               "whole day."})
        if self.service_id:
            others = CapacityThreshold.objects.active().filter(
                service_id=self.service_id, unit=self.unit, other_times=False,
            ).exclude(pk=self.pk)
            for other in others:
                if bands_overlap(self, other):
                    raise ValidationError(f"This band overlaps '{other.name}'.")


class AlertQuerySet(VisibleQuerySet):
    def awaiting_outcome(self):
        return self.filter(status=ExcessiveDemandAlert.Status.OPEN)


class ExcessiveDemandAlert(Lifecycle, models.Model):
    """Forecast or actual demand on a service exceeds its capacity in some window
    (s.7.39, s.8.16-8.20).

    An alert on actual demand covers one breach episode: the run of consecutive hours
    whose reported volume exceeded the band in force (demand.evaluation.evaluate_actuals).
    """

    class Basis(models.TextChoices):
        FORECAST = "forecast", "Forecast demand"  # non-BAU forecasts add up above capacity
        ACTUAL = "actual", "Actual demand"  # hourly volumes providers reported exceeded it

    class Status(models.TextChoices):
        OPEN = "open", "Open"  # desk and providers told; awaiting Operations' outcome
        ACCEPTED = "accepted", "Accepted"  # the service can absorb it after all
        MITIGATED = "mitigated", "Mitigated with the submitter"  # traffic reshaped by agreement
        CANNOT_BE_MET = "cannot_be_met", "Cannot be met"  # availability risk; risk drafted

    MOVES = Moves(Status, {
        Status.OPEN: {Status.ACCEPTED, Status.MITIGATED, Status.CANNOT_BE_MET},
        Status.ACCEPTED: set(), Status.MITIGATED: set(), Status.CANNOT_BE_MET: set(),
    }, error=InvalidTransition)

    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.FORECAST)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="demand_alerts")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    threshold = models.ForeignKey(CapacityThreshold, on_delete=models.PROTECT, related_name="+")
    max_volume = models.PositiveIntegerField(help_text="The threshold at the time of the breach.")
    peak_volume = models.PositiveIntegerField(
        help_text="Peak volume per hour: concurrent forecasts, or the largest hour reported.")
    peak_at = models.DateTimeField(help_text="When the peak starts (UTC).")
    breach_start = models.DateTimeField(
        help_text="Start of the window checked against the band (actual: the first hour over).")
    breach_end = models.DateTimeField(help_text="Actual: the end of the last hour over.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["service", "unit", "status"], name="demand_alert_open"),
                   # evaluate_actuals: the actual-demand episode an hour joins
                   models.Index(fields=["service", "unit", "basis", "breach_end"],
                                name="demand_alert_episode")]

    def __str__(self):
        return f"{self.reference} {self.service}: {self.peak_volume} > {self.max_volume}"

    @property
    def reference(self):
        return f"EDA-{self.pk:06d}" if self.pk else "EDA-(new)"

    @property
    def excess(self):
        return self.peak_volume - self.max_volume

    @property
    def lifecycle_subject(self):
        return f"Alert {self.reference}"

    def transition(self, *, to, by, reason=""):
        """Record the outcome `to` (who, when, from, to, why)."""
        self.check_move(to)
        self.outcome_note = reason
        self.record_move(to, by=by, reason=reason, update_fields=["outcome_note"])


class AlertTransition(TransitionRecord):
    statuses = ExcessiveDemandAlert.Status

    alert = models.ForeignKey(ExcessiveDemandAlert, on_delete=models.CASCADE,
                              related_name="transitions")


class ActualVolume(models.Model):
    """What a participant actually sent to a service in one hour, reported by the provider."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="actual_volumes")
    participant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.SWITCH_REQUESTS)
    hour_start = models.DateTimeField(help_text="UTC, on the hour.")
    volume = models.PositiveIntegerField()
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-hour_start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "unit", "participant", "hour_start"],
                                    name="demand_actual_once_per_hour"),
        ]
        indexes = [models.Index(fields=["service", "hour_start"], name="demand_actual_hour")]

    def __str__(self):
        return f"{self.service} {self.participant} {self.hour_start:%Y-%m-%d %H:00}: {self.volume}"


from .models_risk import Risk, RiskTransition  # noqa: E402,F401
