"""Selectors: the one query behind each question the portal and the API both ask.

The Forward Schedule of Change (approved and in-progress changes in a window, on
a service, by a provider) is read by the portal's calendar, list, CSV and
iCalendar feed and by the API's `change-schedule/`; all of them call these. Market
Participants' planned outages are published beside them (`planned_outage_entries`), to
the parties the visibility rule lets see each one; their unplanned outages under way are
read by the status page (`current_unplanned_outages`).
"""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from kernel.periods import LONDON as UK

from .models import ChangeFreeze, ChangeImpact, ChangeNotification, ParticipantOutage


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

    @property
    def feed_description(self):
        return f"{self.type_label} change, {self.status_label.lower()}.\nImpact: {'; '.join(self.impacts)}"


def _outages_for(user, *, service=None):
    qs = ParticipantOutage.objects.visible_to(user).published()
    if service is not None:
        qs = qs.filter(services__code=service) if isinstance(service, str) else qs.filter(
            services=service)
    return qs.select_related("organisation").prefetch_related("services").order_by(
        "starts_at", "pk")


def planned_outages(*, user, start, end, service=None):
    """Return the planned participant outages on the schedule overlapping [start, end) that
    `user` may see (on `service`, a Service or its code, if given)."""
    return (_outages_for(user, service=service).on_schedule().overlapping(start, end)
            .annotate(transition_count=Count("transitions", distinct=True)))


def planned_outage_entries(*, user, start, end, service=None):
    """Return planned_outages() as OutageEntry rows for the schedule's pages and feeds."""
    return [OutageEntry(outage) for outage in planned_outages(user=user, start=start, end=end,
                                                              service=service)]


def current_unplanned_outages(*, user):
    """Return the unplanned participant outages under way that `user` may see, newest first."""
    return _outages_for(user).unplanned().ongoing().order_by("-starts_at", "-pk")


def outages_for_the_desk(*, user, now, days=7):
    """Return the participants' outages the desk should have in view: every one under way,
    and planned ones beginning within `days` (the console's panel beside incidents)."""
    S = ParticipantOutage.Status
    soon = now + timedelta(days=days)
    return _outages_for(user).filter(
        Q(status=S.ONGOING) | Q(status=S.SCHEDULED, starts_at__lt=soon)).order_by(
        "status", "starts_at", "pk")


class OutageEntry:
    """A participant's planned outage as the schedule shows it (labels formatted once)."""

    change_type = "participant-outage"
    type_label = "Participant's planned outage"
    is_emergency = False

    def __init__(self, outage):
        self.outage = outage
        self.pk, self.reference, self.title = outage.pk, outage.reference, outage.title
        self.provider = outage.organisation.name  # the schedule's "who" column
        self.planned_start, self.planned_end = outage.starts_at, outage.ends_at
        self.updated_at = outage.updated_at
        self.sequence = getattr(outage, "transition_count", 0)
        self.status_label = outage.get_status_display()
        self.in_progress = outage.status == ParticipantOutage.Status.ONGOING
        self.start_label = uk_label(outage.starts_at)
        self.end_label = uk_label(outage.ends_at)
        self.impacts = [f"{s.name}: participant cannot use it" for s in outage.services.all()]
        if outage.flows_affected:
            self.impacts.append(f"Flows: {outage.flows_affected}")

    @property
    def feed_description(self):
        return f"{self.type_label}, {self.status_label.lower()}.\nAffects: {'; '.join(self.impacts)}"
