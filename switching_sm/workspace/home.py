"""The workspace home: live queue counts (polled by htmx) above the console's app list, and
the queue pages they open."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from incidents.queues import QUEUES, queue_counts
from kernel.clocks.units import fmt_duration


def counts(request):
    """Return [(label, count, url, key)] for the incident queues and held mail."""
    rows, held = queue_counts(request.user)
    return [*[(queue.label, count, reverse("admin:workspace_queue", args=[queue.key]), queue.key)
              for queue, count in rows],
            ("Held mail", held, f"{reverse('admin:incidents_heldemail_changelist')}"
                                "?handled_at__isempty=1", "held_mail")]


def counts_view(request, *, site):
    """The counts panel alone, for the home page's polling."""
    return TemplateResponse(request, "admin/workspace/_counts.html",
                            {"counts": counts(request)})


def home_context(request):
    return {"counts": counts(request)}


def queue_view(request, key, *, site):
    """One queue as the desk works it: its incidents by urgency (fifty a page), each row
    opening the incident's workspace; the live counts load beside it (counts_view)."""
    queue = QUEUES.get(key)
    if queue is None:
        raise Http404("No such queue.")
    incidents = queue.incidents(Incident.objects.visible_to(request.user), request.user) \
        .select_related("organisation", "assigned_group", "assignee") \
        .only(*QUEUE_COLUMNS)
    page = Paginator(incidents, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    # One reverse() for the fifty links: each row's URL differs only by the reference.
    link = reverse("admin:workspace_incident", args=["REFERENCE"])
    rows = [(incident, time_to_breach(incident, now), link.replace("REFERENCE", incident.reference))
            for incident in page]
    return TemplateResponse(request, "admin/workspace/queue.html", {
        **site.each_context(request), "title": f"Queue: {queue.label}", "queue": queue,
        "page": page, "rows": rows,
        "all_incidents": reverse("admin:incidents_incident_changelist")})


# The columns the queue page reads (the rest of an incident, descriptions above all, stays
# in the database).
QUEUE_COLUMNS = ["reference", "title", "severity", "status", "pending_reason", "is_major",
                 "responded_at", "response_due_at", "resolution_due_at", "sla_paused",
                 "response_breached", "resolution_breached", "created_at",
                 "organisation__name", "assigned_group__name", "assignee__first_name",
                 "assignee__last_name", "assignee__username"]


def time_to_breach(incident, now):
    """Return (text, urgent) for the queue's Time to breach column."""
    if incident.response_breached or incident.resolution_breached:
        return "breached", True
    dues = [] if incident.sla_paused else [incident.resolution_due_at]
    if incident.responded_at is None:
        dues.append(incident.response_due_at)
    dues = [due for due in dues if due]
    if not dues:
        return "paused", False
    left = min(dues) - now
    if left.total_seconds() < 0:
        return "breached", True
    return fmt_duration(timedelta(minutes=int(left.total_seconds() // 60))), \
        left.total_seconds() < 1800
