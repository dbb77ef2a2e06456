"""Portal pages for the multi-party parts of incidents: a provider's tasks, joining an open
major incident instead of raising a duplicate, the incidents an organisation joined."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.models import Organisation
from services.models import Service

from . import masters, provider_tasks
from .errors import IncidentError
from .models import AffectedOrganisation, Communication, ProviderTask


class TaskActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("start", "Start"), ("complete", "Complete"),
                                        ("reject", "Reject"), ("hand_over", "Hand over"),
                                        ("note", "Note")])
    text = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(
        attrs={"rows": 3}), label="Notes, outcome or reason")
    to = forms.ModelChoiceField(queryset=Organisation.objects.resolver_groups().filter(
        is_active=True), required=False, label="Hand to")


class JoinForm(forms.Form):
    impact = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                             label="Your organisation's impact",
                             help_text="e.g. how many switch requests are stuck, since when.")


@login_required
def task_list(request):
    """A provider's open tasks (the desk: every open task), soonest due first."""
    tasks = (ProviderTask.objects.visible_to(request.user).open()
             .select_related("incident", "resolver_group").order_by("ola_due_at", "assigned_at"))
    if not (policy.is_provider(request.user) or policy.is_internal(request.user)):
        raise PermissionDenied
    return render(request, "incidents/tasks.html", {"tasks": tasks, "now": timezone.now()})


@login_required
def task_detail(request, pk):
    task = get_object_or_404(ProviderTask.objects.visible_to(request.user).select_related(
        "incident", "resolver_group", "assigned_by"), pk=pk)
    return render(request, "incidents/task_detail.html", {
        "task": task, "notes": task.notes.select_related("author"),
        "history": task.transitions.select_related("by"), "form": TaskActionForm(),
        "may_work": task.is_open and policy.may_work_task(request.user, task),
        "clock": task.ola_clock(), "now": timezone.now()})


@login_required
@require_POST
def task_act(request, pk):
    task = get_object_or_404(ProviderTask.objects.visible_to(request.user), pk=pk)
    form = TaskActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("incidents:task", pk=task.pk)
    action, text, to = (form.cleaned_data[k] for k in ("action", "text", "to"))
    user = request.user
    try:
        if action == "start":
            provider_tasks.start_task(task=task, by=user)
        elif action == "complete":
            provider_tasks.complete_task(task=task, by=user, outcome=text)
        elif action == "reject":
            provider_tasks.reject_task(task=task, by=user, reason=text)
        elif action == "note":
            provider_tasks.add_task_note(task=task, by=user, body=text)
        elif to is None:
            messages.error(request, "Choose the group to hand the task to.")
            return redirect("incidents:task", pk=task.pk)
        else:
            provider_tasks.hand_over_task(task=task, by=user, to=to, reason=text)
    except IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Done.")
    if ProviderTask.objects.visible_to(user).filter(pk=task.pk).exists():
        return redirect("incidents:task", pk=task.pk)
    return redirect("incidents:tasks")


@login_required
def joinable(request):
    """Open major and master incidents on the services named (?services=code,code) that a
    participant may join instead of raising a duplicate."""
    if not policy.may_join_incident(request.user):
        raise PermissionDenied
    codes = [c for c in request.GET.get("services", "").split(",") if c]
    services = Service.objects.visible_to(request.user)
    if codes:
        services = services.filter(code__in=codes)
    incidents = masters.joinable_incidents(services).prefetch_related("services")
    joined = set(AffectedOrganisation.objects.visible_to(request.user)
                 .values_list("incident_id", flat=True))
    return render(request, "incidents/joinable.html", {
        "incidents": [i for i in incidents if i.pk not in joined], "form": JoinForm()})


@login_required
@require_POST
def join(request, reference):
    if not policy.may_join_incident(request.user):
        raise PermissionDenied
    incident = get_object_or_404(masters.joinable_incidents(
        Service.objects.visible_to(request.user)), reference=reference)
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Describe your organisation's impact.")
        return redirect("incidents:joinable")
    try:
        masters.join_incident(incident=incident, by=request.user,
                              impact=form.cleaned_data["impact"])
    except IncidentError as exc:
        messages.error(request, str(exc))
        return redirect("incidents:joinable")
    messages.success(request, f"Your organisation's impact has been added to {reference}; "
                              "you will be told of every update.")
    return redirect("incidents:joined")


@login_required
def joined(request):
    """The incidents the user's organisation joined: their status and communications."""
    rows = (AffectedOrganisation.objects.visible_to(request.user)
            .select_related("incident").order_by("-recorded_at"))
    updates = {}
    for row in Communication.objects.visible_to(request.user).filter(
            incident__in=[r.incident_id for r in rows]):
        updates.setdefault(row.incident_id, []).append(row)
    return render(request, "incidents/joined.html", {
        "rows": [(row, updates.get(row.incident_id, [])) for row in rows]})
