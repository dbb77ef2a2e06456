"""Portal pages for Market Participants' own outages: declare, list, detail, revise, act.

Thin views: they check the policy, call `changes.outages`, and show domain errors on the
form or as messages. An outage the user may not see is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy

from . import outages
from .errors import InvalidTransition
from .forms import ActionForm, ParticipantOutageForm
from .models import ParticipantOutage


def _visible(user):
    return ParticipantOutage.objects.visible_to(user).select_related("organisation",
                                                                      "declared_by")


def _get(request, reference):
    return get_object_or_404(_visible(request.user), reference=reference)


def _add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, "; ".join(getattr(exc, "messages", [str(exc)])))


@login_required
def outage_list(request):
    """Your organisation's outages first; then those of others you may see (published)."""
    user = request.user
    visible = _visible(user).prefetch_related("services")
    kind = request.GET.get("kind", "")
    if kind in ParticipantOutage.Kind.values:
        visible = visible.filter(kind=kind)
    own = visible.filter(organisation_id=user.organisation_id)
    others = visible.exclude(organisation_id=user.organisation_id)
    return render(request, "changes/outage_list.html", {
        "own": own[:200], "others": others[:200], "kind": kind,
        "kinds": ParticipantOutage.Kind.choices,
        "may_declare": policy.may_declare_participant_outage(user),
        "is_participant": policy.is_participant(user),
    })


@login_required
def outage_declare(request):
    user = request.user
    if not policy.may_declare_participant_outage(user):
        raise PermissionDenied
    form = ParticipantOutageForm(request.POST or None, user=user,
                                 initial={"contact_name": user.display_name,
                                          "contact_email": user.email})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisation = data.pop("organisation", None) or user.organisation
        try:
            outage = outages.declare_outage(organisation=organisation, by=user, **data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{outage.reference} declared; the Service Desk has been "
                                      "told.")
            return redirect("changes:outage", reference=outage.reference)
    return render(request, "changes/outage_form.html", {"form": form, "outage": None})


@login_required
def outage_detail(request, reference):
    outage = _get(request, reference)
    user = request.user
    may_manage = policy.may_manage_participant_outage(user, outage)
    return render(request, "changes/outage_detail.html", {
        "outage": outage, "services": outage.services.all(),
        "transitions": outage.transitions.select_related("by"),
        "warnings": outage.warnings.all(),
        # Contact details are for the desk and the participant itself.
        "show_contact": policy.is_internal(user) or policy.same_organisation(
            user, outage.organisation_id),
        "actions": outages.available_actions(user, outage),
        "may_revise": may_manage and outage.is_live,
    })


@login_required
def outage_revise(request, reference):
    outage = _get(request, reference)
    if not policy.may_manage_participant_outage(request.user, outage) or not outage.is_live:
        raise PermissionDenied
    initial = {name: getattr(outage, name) for name in outages.REVISABLE_FIELDS}
    initial["services"] = list(outage.services.all())
    form = ParticipantOutageForm(request.POST or None, user=request.user, outage=outage,
                                 initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services = data.pop("services")
        try:
            outages.revise_outage(outage=outage, by=request.user, changes=data,
                                  services=services)
        except (ValidationError, InvalidTransition) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{outage.reference} updated.")
            return redirect("changes:outage", reference=outage.reference)
    return render(request, "changes/outage_form.html", {"form": form, "outage": outage})


@login_required
@require_POST
def outage_action(request, reference):
    outage = _get(request, reference)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action.")
        return redirect("changes:outage", reference=reference)
    action = form.cleaned_data["action"]
    try:
        outages.perform_outage_action(outage=outage, action=action, by=request.user,
                                      reason=form.cleaned_data["reason"])
    except (ValidationError, InvalidTransition) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"{outage.reference}: {outages.ACTION_LABELS[action].lower()} "
                                  "done.")
    return redirect("changes:outage", reference=reference)
