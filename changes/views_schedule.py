"""The published Forward Schedule of Change: calendar, list, iCalendar feed, CSV, subscriptions.

Every signed-in party reads the schedule (approved and in-progress changes, active
freezes, and the Market Participants' planned outages the visibility rule shows them).
Calendar clients cannot sign in, so the feed also accepts a signed per-user `key` (shown
on the schedule page); it stops working when the user or their organisation is
deactivated.
"""

import csv
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import policy
from kernel.periods import LONDON as UK
from services.models import Service

from . import ical, services
from .forms import ScheduleFilterForm, SubscriptionForm
from .selectors import (
    freeze_windows,
    planned_outage_entries,
    schedule_entries,
    scheduled_changes,
)

FEED_SALT = "changes.schedule-feed"
FEED_PAST = timedelta(days=7)
FEED_DAYS_DEFAULT, FEED_DAYS_MAX = 92, 400
LIST_SPAN = timedelta(days=92)


def feed_key(user):
    return signing.Signer(salt=FEED_SALT).sign(str(user.pk))


def _feed_user(request):
    if request.user.is_authenticated:
        return request.user
    try:
        pk = signing.Signer(salt=FEED_SALT).unsign(request.GET.get("key", ""))
    except signing.BadSignature:
        return None
    user = get_user_model().objects.select_related("organisation").filter(pk=pk).first()
    return user if user is not None and user.has_access else None


def _uk_midnight(day):
    return datetime.combine(day, time(0, 0), tzinfo=UK)


def _period(view, anchor):
    """Return (first day, day after the last, previous anchor, next anchor) for the view."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=7), first - timedelta(days=7), first + timedelta(days=7)
    if view == "list":
        return anchor, anchor + LIST_SPAN, anchor - LIST_SPAN, anchor + LIST_SPAN
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first, following, previous, following


def _days(first, last, changes, freezes, outages):
    """Return [{date, changes, freezes, outages}] for each UK day in [first, last)."""
    days, day = [], first
    while day < last:
        lo, hi = _uk_midnight(day), _uk_midnight(day + timedelta(days=1))
        days.append({
            "date": day,
            "changes": [c for c in changes if c.planned_start < hi and c.planned_end > lo],
            "freezes": [f for f in freezes if f[1] < hi and f[2] > lo],
            "outages": [o for o in outages if o.planned_start < hi and o.planned_end > lo],
        })
        day += timedelta(days=1)
    return days


@login_required
def schedule(request):
    form = ScheduleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    view = filters.get("view") or "month"
    today = datetime.now(UK).date()
    anchor = filters.get("date") or today
    first, last, previous, following = _period(view, anchor)
    if view == "month":  # show whole weeks, Monday first
        grid_first = first - timedelta(days=first.weekday())
        grid_last = last + timedelta(days=(7 - last.weekday()) % 7)
    else:
        grid_first, grid_last = first, last
    start, end = _uk_midnight(grid_first), _uk_midnight(grid_last)
    service, provider = filters.get("service"), filters.get("provider")
    changes = schedule_entries(start=start, end=end, service=service, provider=provider)
    freezes = freeze_windows(start=start, end=end, service=service)
    # Participants' outages are nobody's provider's work: a provider filter leaves them out.
    outages = [] if provider else planned_outage_entries(user=request.user, start=start,
                                                         end=end, service=service)
    days = _days(grid_first, grid_last, changes, freezes, outages)
    query = request.GET.copy()
    feed = reverse("changes:feed") + f"?key={feed_key(request.user)}"
    if service:
        feed = reverse("changes:service_feed", args=[service.code]) + f"?key={feed_key(request.user)}"
    return render(request, "changes/schedule.html", {
        "form": form, "view": view, "first": first, "last": last - timedelta(days=1),
        "weeks": [days[i:i + 7] for i in range(0, len(days), 7)], "days": days,
        "changes": changes, "freezes": freezes, "outages": outages, "today": today,
        "previous": previous.isoformat(), "following": following.isoformat(),
        "query": query, "feed_url": request.build_absolute_uri(feed),
        "csv_query": query.urlencode(),
    })


def _ical_response(request, *, service=None):
    user = _feed_user(request)
    if user is None or not policy.may_read_change_schedule(user):
        raise Http404
    try:
        days = min(max(int(request.GET.get("days", FEED_DAYS_DEFAULT)), 1), FEED_DAYS_MAX)
    except ValueError:
        days = FEED_DAYS_DEFAULT
    now = datetime.now(UK)
    start, end = now - FEED_PAST, now + timedelta(days=days)
    events = []
    host = settings.SITE_URL.split("://")[-1].strip("/")
    url = f"{settings.SITE_URL}{reverse('changes:schedule')}"
    entries = [*schedule_entries(start=start, end=end, service=service),
               *planned_outage_entries(user=user, start=start, end=end, service=service)]
    for entry in entries:
        events.append(ical.event(
            uid=f"{entry.reference}@{host}", start=entry.planned_start, end=entry.planned_end,
            summary=f"{entry.reference} {entry.provider}: {entry.title}",
            description=entry.feed_description, url=url, categories=[entry.type_label],
            last_modified=entry.updated_at, sequence=entry.sequence))
    for freeze, lo, hi in freeze_windows(start=start, end=end, service=service):
        events.append(ical.event(
            uid=f"freeze-{freeze.pk}-{lo:%Y%m%dT%H%M}@switching-sm", start=lo, end=hi,
            summary=f"Change freeze: {freeze.name}", description=freeze.reason,
            categories=["Change freeze"]))
    name = "Forward Schedule of Change" + (f": {service.name}" if service else "")
    response = HttpResponse(ical.calendar(events, name=name),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="schedule.ics"'
    return response


def feed(request):
    return _ical_response(request)


def service_feed(request, code):
    return _ical_response(request, service=get_object_or_404(Service.objects.active(), code=code))


def _csv_safe(value):
    """Stop spreadsheet formula injection: prefix cells that start with a formula character."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def schedule_csv(request):
    form = ScheduleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    first = filters.get("date") or datetime.now(UK).date()
    start = _uk_midnight(first)
    changes = scheduled_changes(start=start, end=start + timedelta(days=FEED_DAYS_MAX),
                                service=filters.get("service"), provider=filters.get("provider"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="schedule-{first:%Y%m%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(["Reference", "Title", "Provider or participant", "Type", "Status", "Start (UK)",
                     "End (UK)", "Services and impact"])
    for change in changes:
        writer.writerow([_csv_safe(v) for v in [
            change.reference, change.title, change.provider.name,
            change.get_change_type_display(), change.get_status_display(),
            f"{change.planned_start.astimezone(UK):%Y-%m-%d %H:%M %Z}",
            f"{change.planned_end.astimezone(UK):%Y-%m-%d %H:%M %Z}",
            "; ".join(f"{i.service.name}: {i.get_impact_display()}" for i in change.impacts.all()),
        ]])
    if not filters.get("provider"):
        for entry in planned_outage_entries(user=request.user, start=start,
                                            end=start + timedelta(days=FEED_DAYS_MAX),
                                            service=filters.get("service")):
            writer.writerow([_csv_safe(v) for v in [
                entry.reference, entry.title, entry.provider, entry.type_label,
                entry.status_label, f"{entry.planned_start.astimezone(UK):%Y-%m-%d %H:%M %Z}",
                f"{entry.planned_end.astimezone(UK):%Y-%m-%d %H:%M %Z}", "; ".join(entry.impacts),
            ]])
    return response


@login_required
def subscriptions(request):
    current = Service.objects.filter(pk__in=request.user.change_subscriptions.values("service_id"))
    form = SubscriptionForm(request.POST or None, initial={"services": current})
    if request.method == "POST" and form.is_valid():
        services.set_subscriptions(user=request.user, services=form.cleaned_data["services"])
        messages.success(request, "Your schedule subscriptions are saved.")
        return redirect("changes:subscriptions")
    return render(request, "changes/subscriptions.html", {"form": form})

