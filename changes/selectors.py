"""Selectors: the one query behind each question the portal and the API both ask.

The Forward Schedule of Change (approved and in-progress changes in a window, on
a service, by a provider) is read by the portal's calendar, list, CSV and
iCalendar feed and by the API's `change-schedule/`; all of them call these.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch

from kernel.periods import LONDON as UK

from .models import ChangeFreeze, ChangeImpact, ChangeNotification


def _scheduled(*, start=None, end=None, service=None, provider=None):
    """Return the published changes overlapping [start, end) (either end may be open), on
    `service` (a Service or its code) and by `provider` (an Organisation or its short code)."""
    qs = ChangeNotification.objects.scheduled()
    if start is not None and end is not None:
        qs = qs.overlapping(start, end)
    elif start is not None:
        qs = qs.filter(planned_end__gt=start)
    elif end is not None:
        qs = qs.filter(planned_start__lt=end)
    if service is not None:
        on_service = {"service__code": service} if isinstance(service, str) else {"service": service}
        # EXISTS, not a join: a change on two of the filtered services appears once.
        qs = qs.filter(Exists(ChangeImpact.objects.filter(change_notification=OuterRef("pk"),
                                                          **on_service)))
    if provider is not None:
        qs = qs.filter(**({"provider__short_code": provider} if isinstance(provider, str)
                          else {"provider": provider}))
    return qs.order_by("planned_start", "pk")


def scheduled_changes(*, start=None, end=None, service=None, provider=None):
    """Return the published changes (see _scheduled) with their provider and impacts loaded:
    the API's schedule, the portal's CSV export."""
    return _scheduled(start=start, end=end, service=service, provider=provider).select_related(
        "provider").prefetch_related(
        Prefetch("impacts", ChangeImpact.objects.select_related("service")))


def schedule_entries(*, start, end, service=None, provider=None):
    """Return the published changes overlapping [start, end) as Entry rows for display.

    Plain rows, not model instances: building hundreds of instances (and their
    related objects) was most of the page's and the feed's time.
    """
    rows = list(_scheduled(start=start, end=end, service=service, provider=provider)
                .annotate(transition_count=Count("transitions", distinct=True))
                .values(*Entry.FIELDS, "transition_count"))
    labels = dict(ChangeNotification.Impact.choices)
    impacts = {}
    for change_id, name, impact in ChangeImpact.objects.filter(
            change_notification_id__in=[row["pk"] for row in rows]).values_list(
            "change_notification_id", "service__name", "impact").order_by("service__name"):
        impacts.setdefault(change_id, []).append(f"{name}: {labels[impact]}")
    return [Entry(row, impacts.get(row["pk"], [])) for row in rows]


def freeze_windows(*, start, end, service=None):
    """Return [(freeze, from, to)] of active freezes in [start, end) (global ones always)."""
    windows = []
    for freeze in ChangeFreeze.objects.active().prefetch_related("services"):
        scope = set(freeze.services.all())
        if service is not None and scope and service not in scope:
            continue
        windows.extend((freeze, lo, hi) for lo, hi in freeze.occurrences(start, end))
    return sorted(windows, key=lambda w: w[1])


def uk_label(moment, fmt="%a %-d %b %Y %H:%M %Z"):
    return moment.astimezone(UK).strftime(fmt)


class Entry:
    """A change as the schedule shows it, with its labels formatted once (the month view of a
    busy schedule shows hundreds; formatting in the template dominated the page time)."""

    FIELDS = ("pk", "reference", "title", "change_type", "status", "planned_start",
              "planned_end", "updated_at", "provider__name")
    TYPES = dict(ChangeNotification.Type.choices)
    STATUSES = dict(ChangeNotification.Status.choices)

    def __init__(self, row, impacts):
        self.pk, self.reference, self.title = row["pk"], row["reference"], row["title"]
        self.provider = row["provider__name"]
        self.planned_start, self.planned_end = row["planned_start"], row["planned_end"]
        self.updated_at, self.sequence = row["updated_at"], row.get("transition_count", 0)
        self.change_type = row["change_type"]
        self.type_label = self.TYPES[self.change_type]
        self.is_emergency = self.change_type == ChangeNotification.Type.EMERGENCY
        self.status_label = self.STATUSES[row["status"]]
        self.in_progress = row["status"] == ChangeNotification.Status.IN_PROGRESS
        self.start_label = uk_label(self.planned_start)
        self.end_label = uk_label(self.planned_end)
        self.impacts = impacts
