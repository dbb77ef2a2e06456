"""Portal pages for service providers' improvement suggestions to the CSI register (s.9.8).

The register is internal; a provider lists and reads only the entries it suggested
(accounts.policy, through `visible_to`). Switching Operations triage them on the CSI
register's own pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts import policy

from . import services
from .errors import InvalidTransition
from .forms import ImprovementSuggestionForm
from .models import ImprovementOpportunity


def _suggested(user):
    return (ImprovementOpportunity.objects.visible_to(user)
            .filter(source=ImprovementOpportunity.Source.PROVIDER)
            .select_related("suggested_by", "service"))


@login_required
def csi_suggestions(request):
    """List the provider's suggestions and make a new one."""
    user = request.user
    if not (policy.may_suggest_improvement(user) or policy.is_internal(user)):
        raise Http404
    form = None
    if policy.may_suggest_improvement(user):
        form = ImprovementSuggestionForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.suggest_improvement(by=user, **form.cleaned_data)
            except InvalidTransition as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{entry.reference} suggested; Switching Operations "
                                          "will triage it.")
                return redirect("reporting:csi_suggestion", pk=entry.pk)
    return render(request, "reporting/csi_suggestions.html", {
        "entries": _suggested(user)[:300], "form": form,
        "show_returns_nav": True, "show_internal_nav": policy.may_view_ops_dashboard(user)},
        status=400 if form is not None and form.errors else 200)


@login_required
def csi_suggestion(request, pk):
    entry = get_object_or_404(_suggested(request.user), pk=pk)
    return render(request, "reporting/csi_suggestion.html", {
        "entry": entry, "transitions": entry.transitions.select_related("by").order_by("-at"),
        "show_returns_nav": True,
        "show_internal_nav": policy.may_view_ops_dashboard(request.user)})
