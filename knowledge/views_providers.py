"""Portal pages for providers: their problem investigations and knowledge contributions.

A provider sees only its own organisation's investigations and drafts (accounts.policy
rules, through `visible_to`); anything else is a 404. Internal staff may read these
pages too, though they work problems and reviews in the console. Every change goes
through `knowledge.investigations` or `knowledge.contributions`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from kernel.attachments import serve

from . import contributions, investigations
from .errors import KnowledgeError
from .forms_providers import ContributionForm, EvidenceForm, InvestigationForm, ProposeChangeForm
from .models import KnowledgeContribution, ProviderInvestigation


def _may_open(user):
    if not (policy.is_provider(user) or policy.is_internal(user)):
        raise Http404


def _investigation(request, pk):
    _may_open(request.user)
    return get_object_or_404(
        ProviderInvestigation.objects.visible_to(request.user)
        .select_related("problem__fixing_change", "provider", "proposed_change"), pk=pk)


@login_required
def investigation_list(request):
    _may_open(request.user)
    rows = (ProviderInvestigation.objects.visible_to(request.user)
            .select_related("problem", "provider").order_by("status", "-assigned_at"))
    return render(request, "knowledge/investigations.html", {"investigations": rows[:300]})


def _detail(request, investigation, *, status=200, **forms):
    user = request.user
    may_work = policy.may_work_investigation(user, investigation)
    context = {
        "investigation": investigation, "problem": investigation.problem,
        "may_work": may_work,
        "may_record_known_error": policy.may_record_known_error(user, investigation),
        "evidence": investigation.evidence.all(),
        "transitions": investigation.transitions.select_related("by").order_by("-at", "-pk"),
        "form": forms.get("form") or InvestigationForm(initial={
            "findings": investigation.findings, "root_cause": investigation.root_cause,
            "workaround": investigation.workaround}),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "propose_form": forms.get("propose_form") or ProposeChangeForm(user=user),
    }
    return render(request, "knowledge/investigation.html", context, status=status)


@login_required
def investigation_detail(request, pk):
    return _detail(request, _investigation(request, pk))


def _apply(request, investigation, form_name, form, call):
    """Run `call(cleaned_data)` if `form` is valid; re-show the page with errors otherwise."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except PermissionDenied:
            raise
        except (KnowledgeError, ValidationError) as exc:
            messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages_:
                form.add_error(None, message)
        else:
            return redirect("knowledge:investigation", pk=investigation.pk)
    return _detail(request, investigation, status=400, **{form_name: form})


@login_required
@require_POST
def investigation_update(request, pk):
    investigation = _investigation(request, pk)

    def call(data):
        investigations.record_investigation(
            investigation=investigation, by=request.user, status=data["status"],
            findings=data["findings"], root_cause=data["root_cause"],
            workaround=data["workaround"], reason=data["reason"])
        messages.success(request, "Your investigation is updated.")

    return _apply(request, investigation, "form", InvestigationForm(request.POST), call)


@login_required
@require_POST
def investigation_known_error(request, pk):
    investigation = _investigation(request, pk)
    try:
        problem = investigations.record_known_error(investigation=investigation, by=request.user)
    except KnowledgeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{problem.reference} is a known error; the desk will publish "
                                  "the workaround.")
    return redirect("knowledge:investigation", pk=investigation.pk)


@login_required
@require_POST
def investigation_evidence(request, pk):
    investigation = _investigation(request, pk)

    def call(data):
        investigations.add_evidence(investigation=investigation, upload=data["file"],
                                    description=data["description"], by=request.user)
        messages.success(request, "Evidence attached.")

    form = EvidenceForm(request.POST, request.FILES)
    return _apply(request, investigation, "evidence_form", form, call)


@login_required
@require_POST
def investigation_propose(request, pk):
    investigation = _investigation(request, pk)

    def call(data):
        investigations.propose_fixing_change(investigation=investigation,
                                             change_notification=data["change"], by=request.user)
        messages.success(request, f"{data['change'].reference} proposed as the fix.")

    form = ProposeChangeForm(request.POST, user=request.user)
    return _apply(request, investigation, "propose_form", form, call)


@login_required
def investigation_evidence_file(request, pk, evidence_pk):
    investigation = _investigation(request, pk)
    return serve(get_object_or_404(investigation.evidence.all(), pk=evidence_pk), request.user)


# --- contributions --------------------------------------------------------------
def _contribution(request, pk):
    _may_open(request.user)
    return get_object_or_404(KnowledgeContribution.objects.visible_to(request.user)
                             .select_related("organisation", "problem", "article"), pk=pk)


@login_required
def contribution_list(request):
    _may_open(request.user)
    may_contribute = policy.may_contribute_knowledge(request.user)
    form = ContributionForm(request.POST or None, user=request.user) if may_contribute else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                contribution = contributions.create_contribution(by=request.user, **data)
            except (KnowledgeError, ValidationError) as exc:
                form.add_error(None, str(exc) if isinstance(exc, KnowledgeError)
                               else "; ".join(exc.messages))
            else:
                messages.success(request, f"{contribution.reference} saved as a draft.")
                return redirect("knowledge:contribution", pk=contribution.pk)
    rows = KnowledgeContribution.objects.visible_to(request.user).select_related("organisation")
    return render(request, "knowledge/contributions.html", {
        "contributions": rows[:300], "form": form}, status=400 if form and form.errors else 200)


@login_required
def contribution_detail(request, pk):
    contribution = _contribution(request, pk)
    may_edit = (contribution.is_editable and
                policy.may_take_contribution_action(request.user, contribution, "submit"))
    form = ContributionForm(request.POST or None, instance=contribution,
                            user=request.user) if may_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data
                       if name != "services"}
            try:
                contributions.update_contribution(
                    contribution=contribution, by=request.user, changes=changes,
                    services=form.cleaned_data["services"])
            except KnowledgeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Draft saved.")
                return redirect("knowledge:contribution", pk=contribution.pk)
        contribution.refresh_from_db()
    actions = [(name, contribution.ACTION_LABELS[name]) for name in contribution.allowed_actions()
               if policy.may_take_contribution_action(request.user, contribution, name)
               and name in contribution.PROVIDER_ACTIONS]
    return render(request, "knowledge/contribution.html", {
        "contribution": contribution, "form": form, "actions": actions,
        "transitions": contribution.transitions.select_related("by").order_by("-at", "-pk")},
        status=400 if form and form.errors else 200)


@login_required
@require_POST
def contribution_action(request, pk):
    contribution = _contribution(request, pk)
    action = request.POST.get("action", "")
    if action not in KnowledgeContribution.PROVIDER_ACTIONS:
        raise PermissionDenied
    try:
        contributions.act_on_contribution(contribution=contribution, action=action,
                                          by=request.user,
                                          reason=request.POST.get("reason", "")[:2000])
    except KnowledgeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{contribution.reference}: "
                                  f"{KnowledgeContribution.ACTION_LABELS[action].lower()} done.")
    return redirect("knowledge:contribution", pk=contribution.pk)
