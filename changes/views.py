"""Portal pages for change notifications and consultations (providers and internal staff).

Thin views: they check the policy, call `changes.services`, and show domain
errors as messages. Another party's notification is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from kernel.attachments import serve

from . import services
from .errors import InvalidTransition
from .forms import (
    ActionForm,
    AttachmentForm,
    ChangeNotificationForm,
    ConsultationResponseForm,
    ImpactFormSet,
)
from .models import (
    ChangeAttachment,
    ChangeImpact,
    ChangeNotification,
    ConsultationRequest,
)

ACTION_LABELS = {
    "submit": "Submit", "withdraw": "Withdraw", "start": "Start work",
    "complete": "Record as implemented", "fail": "Report failure", "back_out": "Report backed out",
    "assess": "Start assessment", "approve": "Approve", "reject": "Reject",
    "review": "Mark reviewed", "close": "Close",
    "approve_retrospectively": "Approve retrospectively",
}


def _visible(user):
    return ChangeNotification.objects.visible_to(user)


def _get_change(request, reference):
    return get_object_or_404(
        _visible(request.user).select_related("provider", "contact", "approved_by"),
        reference=reference)


def _error_text(exc):
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


@login_required
def notification_list(request):
    user = request.user
    if not (policy.is_internal(user) or policy.is_provider(user)):
        raise Http404
    changes = (_visible(user).select_related("provider")
               .annotate(warning_count=Count("warnings")).order_by("-planned_start"))
    status = request.GET.get("status", "")
    if status in ChangeNotification.Status.values:
        changes = changes.filter(status=status)
    return render(request, "changes/notification_list.html", {
        "changes": changes[:500], "status": status,
        "statuses": ChangeNotification.Status.choices,
        "may_create": policy.may_submit_change_notifications(user),
    })


def _form_context(form, impacts, change=None):
    return {"form": form, "impacts": impacts, "change": change}


@login_required
def notification_create(request):
    user = request.user
    if not policy.may_submit_change_notifications(user):
        raise PermissionDenied
    form = ChangeNotificationForm(request.POST or None, user=user)
    impacts = ImpactFormSet(request.POST or None, prefix="impacts")
    if request.method == "POST" and form.is_valid() and impacts.is_valid():
        data = dict(form.cleaned_data)
        provider = data.pop("provider", None) or user.organisation
        try:
            change = services.create_change_notification(
                provider=provider, by=user, impacts=impacts.impacts(), **data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{change.reference} saved as a draft. Submit it when ready.")
            return redirect("changes:notification", reference=change.reference)
    return render(request, "changes/notification_form.html", _form_context(form, impacts))


@login_required
def notification_edit(request, reference):
    change = _get_change(request, reference)
    if not policy.may_work_change_notification(request.user, change) or not change.is_draft:
        raise PermissionDenied
    initial = {name: getattr(change, name) for name in services.EDITABLE_FIELDS}
    initial["provider"] = change.provider
    form = ChangeNotificationForm(request.POST or None, user=request.user, initial=initial)
    impacts = ImpactFormSet(request.POST or None, prefix="impacts", initial=[
        {"service": i.service, "impact": i.impact} for i in change.impacts.all()])
    if request.method == "POST" and form.is_valid() and impacts.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.EDITABLE_FIELDS}
        try:
            services.update_draft(change_notification=change, by=request.user, changes=data,
                                  impacts=impacts.impacts())
        except (ValidationError, InvalidTransition) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"{change.reference} updated.")
            return redirect("changes:notification", reference=change.reference)
    return render(request, "changes/notification_form.html", _form_context(form, impacts, change))


@login_required
def notification_detail(request, reference):
    change = _get_change(request, reference)
    user = request.user
    internal = policy.is_internal(user)
    consultations = (change.consultations.select_related("organisation", "responded_by")
                     .prefetch_related("services") if internal else None)
    actions = [(name, ACTION_LABELS[name]) for name in services.available_actions(user, change)]
    return render(request, "changes/notification_detail.html", {
        "change": change,
        "impacts": change.impacts.select_related("service"),
        "warnings": change.warnings.select_related("other_change"),
        "transitions": change.transitions.select_related("by"),
        "attachments": change.attachments.all(),
        "reviews": change.reviews.select_related("author"),
        "consultations": consultations,
        "actions": actions,
        "may_attach": policy.may_work_change_notification(user, change),
        "attachment_form": AttachmentForm(),
        "may_edit": change.is_draft and policy.may_work_change_notification(user, change),
    })


@login_required
@require_POST
def notification_action(request, reference):
    change = _get_change(request, reference)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action.")
        return redirect("changes:notification", reference=reference)
    action = form.cleaned_data["action"]
    try:
        services.perform_action(change_notification=change, action=action, by=request.user,
                                reason=form.cleaned_data["reason"])
    except (ValidationError, InvalidTransition) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{change.reference}: {ACTION_LABELS.get(action, action)} done.")
    return redirect("changes:notification", reference=reference)


@login_required
@require_POST
def attachment_upload(request, reference):
    change = _get_change(request, reference)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to attach.")
    else:
        try:
            services.add_attachment(change_notification=change, upload=form.cleaned_data["file"],
                                    by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "File attached.")
    return redirect("changes:notification", reference=reference)


@login_required
def attachment_download(request, pk):
    return serve(get_object_or_404(ChangeAttachment, pk=pk), request.user)


# --- consultations ----------------------------------------------------------
def _consultations(user):
    return ConsultationRequest.objects.visible_to(user).select_related(
        "change_notification__provider", "organisation").prefetch_related(
        "services", Prefetch("change_notification__impacts",
                             ChangeImpact.objects.select_related("service")))


@login_required
def consultation_list(request):
    if not (policy.is_internal(request.user) or policy.is_provider(request.user)):
        raise Http404
    return render(request, "changes/consultation_list.html",
                  {"consultations": _consultations(request.user)[:500]})


@login_required
def consultation_detail(request, pk):
    consultation = get_object_or_404(_consultations(request.user), pk=pk)
    form = ConsultationResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.respond_to_consultation(consultation=consultation, by=request.user,
                                             **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "Thank you: your response is recorded.")
            return redirect("changes:consultations")
    return render(request, "changes/consultation_detail.html",
                  {"consultation": consultation, "change": consultation.change_notification,
                   "form": form})
