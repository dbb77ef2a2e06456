"""The incident workspace page and its actions (POST, one service each)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import directory, policy
from accounts.models import Organisation
from incidents.communications import drafts as communication_drafts
from incidents.errors import IncidentError
from incidents.models import SEVERITY_CHOICES, PendingReason, ResolutionCode
from incidents.selectors import communications_of, multiparty_panels, tasks_seen_by

from . import panels
from .forms import ACTION_ERRORS, ACTIONS


def _incident_or_404(request, reference):
    incident = panels.incident_for(request.user, reference)
    if incident is None:
        raise Http404("No incident with that reference.")
    return incident


def incident_workspace(request, reference, *, site):
    """Show one incident: header with clocks and parties, tasks, moves, one timeline."""
    incident = _incident_or_404(request, reference)
    user = request.user
    may_work = policy.may_work_incident(user)
    problem_links = panels.linked_problems(incident)
    applied = panels.workarounds_applied(incident)
    groups = directory.active_resolver_groups() if may_work else []
    major = getattr(incident, "major", None) if incident.is_major else None
    # The tasks and communications show in the panels and in the timeline: read once.
    tasks, communications = tasks_seen_by(incident, user), communications_of(incident)
    multiparty = multiparty_panels(incident, tasks=tasks, communications=communications)
    context = {
        **site.each_context(request),
        "title": f"{incident.reference} {incident.title}",
        "incident": incident,
        "countdowns": panels.sla_countdowns(incident),
        "tasks": panels.provider_tasks(incident, multiparty["holding_up"], legs=tasks),
        **multiparty,
        "communication_drafts": communication_drafts(incident),
        "parties": panels.parties(incident),
        "timeline": panels.full_timeline(incident, user, problem_links=problem_links,
                                         applied=applied, outbox=panels.messages_sent(incident),
                                         tasks=tasks, communications=communications),
        "moves": panels.allowed_moves(incident) if may_work else [],
        "may_work": may_work,
        "may_apply": may_work and panels.may_apply(user),
        "problem_links": problem_links,
        "known_errors": panels.known_errors_for(incident, user, applied=applied)
        if may_work else [],
        "major": major,
        "pending_reasons": PendingReason.choices,
        "resolution_codes": ResolutionCode.choices,
        "severity_choices": SEVERITY_CHOICES,
        "resolver_groups": groups,
        "providers": [group for group in groups if group.kind == Organisation.Kind.CDS_PROVIDER],
        "managers": directory.incident_managers() if may_work and not major else [],
        "change_url": reverse("admin:incidents_incident_change", args=[incident.pk]),
    }
    return TemplateResponse(request, "admin/workspace/incident.html", context)


@require_POST
def incident_act(request, reference, action, *, site):
    """Run one workspace action; say what changed, or why not, on the workspace page."""
    incident = _incident_or_404(request, reference)
    back = redirect(reverse("admin:workspace_incident", args=[incident.reference]))
    if not policy.may_work_incident(request.user) or action not in ACTIONS:
        raise PermissionDenied
    form = ACTIONS[action](request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return back
    try:
        result = form.perform(incident=incident, by=request.user)
    except (IncidentError, *ACTION_ERRORS) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, form.done(incident, result))
    return back
