"""The workspace home: live queue counts (polled by htmx) above the console's app list."""

from django.template.response import TemplateResponse
from django.urls import reverse

from incidents.queues import queue_counts


def counts(request):
    """Return [(label, count, url, key)] for the incident queues and held mail."""
    queue_list = reverse("admin:incidents_incident_changelist")
    rows, held = queue_counts(request.user)
    return [*[(queue.label, count, f"{queue_list}?queue={queue.key}", queue.key)
              for queue, count in rows],
            ("Held mail", held, f"{reverse('admin:incidents_heldemail_changelist')}"
                                "?handled_at__isempty=1", "held_mail")]


def counts_view(request, *, site):
    """The counts panel alone, for the home page's polling."""
    return TemplateResponse(request, "admin/workspace/_counts.html",
                            {"counts": counts(request)})


def home_context(request):
    return {"counts": counts(request)}
