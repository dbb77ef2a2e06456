"""Portal pages: raise, list, detail with the public timeline, comment, confirm or reopen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from kernel.attachments import serve
from kernel.paginators import EstimatedCountPaginator

from . import masters, selectors, services
from .errors import IncidentError
from .forms import CommentForm, RaiseIncidentForm, TransitionForm
from .models import AffectedOrganisation, Incident, IncidentAttachment, ProviderTask, Status
from .timeline import timeline_for


def _visible(request, reference):
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(
            "organisation", "raised_by", "assigned_group", "sla_policy"),
        reference=reference)


@login_required
def incident_list(request):
    """My organisation's incidents (providers: those assigned to them) with time to target."""
    show = request.GET.get("show", "open")
    incidents = Incident.objects.visible_to(request.user).select_related("organisation")
    if show == "open":
        incidents = incidents.open()
    # No COUNT(*) of the organisation's whole history per view (inc_org_created_idx pages it).
    page = EstimatedCountPaginator(incidents.order_by("-created_at"), 50).get_page(
        request.GET.get("page"))
    return render(request, "incidents/list.html", {
        "page": page, "show": show, "now": timezone.now(),
        "may_raise": policy.may_raise_incident(request.user)})


@login_required
def incident_raise(request):
    if not policy.may_raise_incident(request.user):
        raise PermissionDenied
    form = RaiseIncidentForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        offers = [] if data["raise_anyway"] else _join_offers(request.user, data["services"])
        if offers:
            # An open major incident on these services: offer to join it instead; sending
            # the form again raises the incident after all.
            form.data = form.data.copy()
            form.data["raise_anyway"] = "on"
            return render(request, "incidents/raise.html", {
                "form": form, "offers": offers, "impact": data["description"]})
        try:
            # One transaction: an incident is never raised without the file that came with it.
            with transaction.atomic():
                incident = services.raise_incident(
                    organisation=request.user.organisation, raised_by=request.user,
                    title=data["title"], description=data["description"],
                    services=data["services"], severity=data["severity"],
                    proposed_severity=data["severity"], channel="portal",
                    kind=Incident.Kind.SECURITY if data.get("security") else Incident.Kind.SERVICE)
                if data.get("attachment"):
                    services.add_attachment(incident=incident, by=request.user,
                                            upload=data["attachment"])
        except IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Incident {incident.reference} has been raised.")
            return redirect(incident)
    return render(request, "incidents/raise.html", {"form": form})


def _join_offers(user, services):
    """Return open major/master incidents on `services` the user's organisation could join
    rather than raise a duplicate (participants only; not those it already joined)."""
    if not policy.may_join_incident(user):
        return []
    joined = AffectedOrganisation.objects.visible_to(user).values_list("incident_id", flat=True)
    return list(masters.joinable_incidents(services).exclude(pk__in=joined)
                .exclude(organisation_id=user.organisation_id).prefetch_related("services")[:3])


@login_required
def incident_detail(request, reference):
    incident = _visible(request, reference)
    user = request.user
    allowed = [to for to in sorted(incident.allowed_targets())
               if policy.may_transition_incident(user, incident, to)]
    actions = [(to, Status(to).label) for to in allowed if to != Status.CANCELLED]
    return render(request, "incidents/detail.html", {
        "incident": incident, "now": timezone.now(),
        "timeline": timeline_for(incident, user),
        "services": incident.services.all(),
        "attachments": IncidentAttachment.objects.filter(
            incident=incident, **({} if policy.may_read_work_notes(user) else {"is_public": True})),
        "may_comment": policy.may_comment_on_incident(user, incident) and incident.status not in
        (Status.CLOSED, Status.CANCELLED),
        "actions": actions, "may_cancel": Status.CANCELLED in allowed,
        "comment_form": CommentForm(), "transition_form": TransitionForm(),
        "is_desk": policy.may_work_incident(user),
        # a child shows its master's reference and status (its updates arrive as comments)
        "master": selectors.master_of(incident),
        "tasks": ProviderTask.objects.visible_to(user).filter(incident=incident).open()
        .select_related("resolver_group"),
        "holding_up": (selectors.holding_up_restoration(incident)
                       if policy.is_internal(user) else None)})


@login_required
@require_POST
def incident_comment(request, reference):
    incident = _visible(request, reference)
    form = CommentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(incident)
    public = request.POST.get("work_note") != "on"  # a work note's file is internal too
    try:
        # One transaction: a comment is never saved without the file that came with it.
        with transaction.atomic():
            services.add_comment(incident=incident, author=request.user,
                                 body=form.cleaned_data["body"], public=public)
            if form.cleaned_data.get("attachment"):
                services.add_attachment(incident=incident, by=request.user, public=public,
                                        upload=form.cleaned_data["attachment"])
    except IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your comment has been added.")
    return redirect(incident)


@login_required
@require_POST
def incident_transition(request, reference):
    """Confirm, reopen, resolve, cancel...: the model decides whether the move is allowed."""
    incident = _visible(request, reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid action.")
        return redirect(incident)
    data = form.cleaned_data
    if data["to"] == Status.CANCELLED and not data["confirm"]:
        messages.error(request, f"Tick “Yes, cancel {incident.reference}” to cancel it.")
        return redirect(incident)
    try:
        incident = services.transition_incident(
            incident=incident, by=request.user, to=data["to"], reason=data["reason"],
            pending_reason=data["pending_reason"], resolution_code=data["resolution_code"],
            resolution_notes=data["reason"])
    except IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{incident.reference} is now "
                                  f"{incident.get_status_display().lower()}.")
    return redirect(incident)


@login_required
def attachment_download(request, reference, pk):
    """Serve a file only to those who may see it, always as a download, never inline."""
    incident = _visible(request, reference)
    return serve(get_object_or_404(IncidentAttachment, incident=incident, pk=pk), request.user)


