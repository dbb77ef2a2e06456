"""Portal pages for the risks a service provider raises (s.9.3) and follows.

The register itself is internal; a provider lists and reads only its own organisation's
risks (accounts.policy, through `visible_to`). Switching Operations triage in the console.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts import policy

from . import services
from .forms import ProviderRiskForm
from .models_risk import Risk


def _raised(user):
    return (Risk.objects.visible_to(user).filter(source=Risk.Source.PROVIDER)
            .select_related("raised_by_organisation").prefetch_related("services"))


@login_required
def provider_risks(request):
    """List the risks the provider raised, and raise a new one."""
    if not (policy.may_raise_provider_risk(request.user) or policy.is_internal(request.user)):
        raise Http404
    form = None
    if policy.may_raise_provider_risk(request.user):
        form = ProviderRiskForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            risk = services.raise_provider_risk(by=request.user, **form.cleaned_data)
            messages.success(request, f"{risk.reference} raised; Switching Operations will "
                                      "triage it.")
            return redirect("demand:provider_risk", pk=risk.pk)
    return render(request, "demand/provider_risks.html", {
        "risks": _raised(request.user)[:300], "form": form},
        status=400 if form is not None and form.errors else 200)


@login_required
def provider_risk(request, pk):
    risk = get_object_or_404(_raised(request.user), pk=pk)
    return render(request, "demand/provider_risk.html", {
        "risk": risk, "transitions": risk.transitions.select_related("by").order_by("-at")})
