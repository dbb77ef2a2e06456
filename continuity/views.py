"""Portal pages: continuity plans with their DR tests, and a BCDR invocation beside its
major incident. Each list is `visible_to(user)`: providers see their own services' plans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy

from . import services
from .errors import ContinuityError
from .forms import CompleteActionForm, DisasterRecoveryTestForm
from .models import ContinuityPlan, CrisisInvocation, DisasterRecoveryTest, RecoveryAction


@login_required
def plan_list(request):
    user = request.user
    return render(request, "continuity/plans.html", {
        "plans": ContinuityPlan.objects.visible_to(user).select_related("service__provider"),
        "invocations": CrisisInvocation.objects.visible_to(user).select_related("incident")[:20],
        "actions": RecoveryAction.objects.visible_to(user).open().filter(owner=user)
        .select_related("test__plan__service"),
    })


@login_required
def plan_detail(request, pk):
    user = request.user
    plan = get_object_or_404(ContinuityPlan.objects.visible_to(user).select_related("service"),
                             pk=pk)
    may_record = policy.may_record_dr_test(user, plan)
    form = DisasterRecoveryTestForm(request.POST or None) if may_record else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.record_dr_test(plan=plan, by=user, **form.cleaned_data)
        except ContinuityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "DR test recorded.")
            return redirect("continuity:plan", pk=plan.pk)
    tests = (DisasterRecoveryTest.objects.visible_to(user).filter(plan=plan)
             .prefetch_related("actions__owner").select_related("recorded_by"))
    return render(request, "continuity/plan_detail.html", {
        "plan": plan, "contacts": plan.contacts.all(), "tests": tests, "form": form,
        "complete_form": CompleteActionForm()})


@login_required
@require_POST
def action_complete(request, pk):
    action = get_object_or_404(RecoveryAction.objects.visible_to(request.user), pk=pk)
    form = CompleteActionForm(request.POST)
    if form.is_valid():
        try:
            services.complete_recovery_action(action=action, by=request.user,
                                              note=form.cleaned_data["note"])
        except ContinuityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Action recorded as done.")
    return redirect("continuity:plan", pk=action.test.plan_id)


@login_required
def invocation_detail(request, pk):
    """The major incident, its updates, the plans of its services and the crisis log."""
    invocation = get_object_or_404(
        CrisisInvocation.objects.visible_to(request.user).select_related(
            "incident", "major_incident__manager", "invoked_by"), pk=pk)
    major = invocation.major_incident
    return render(request, "continuity/invocation.html", {
        "invocation": invocation, "major": major, "incident": invocation.incident,
        "updates": invocation.incident.communications.select_related("by").order_by("at"),
        "plans": invocation.plans.visible_to(request.user).select_related("service")
        .prefetch_related("contacts"),
        "log": invocation.log.select_related("by"),
    })
