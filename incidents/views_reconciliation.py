"""Portal pages for post-incident reconciliation: each party's own items, progress, sign-off.

Internal staff see every item here too (the console has the full list and the waiver).
Thin views: the rules are in incidents.reconciliation and the item's model methods.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy

from . import reconciliation
from .errors import IncidentError
from .forms import ReconciliationProgressForm, ReconciliationSignOffForm


@login_required
def item_list(request):
    return render(request, "incidents/reconciliation_list.html",
                  {"items": reconciliation.items_for(request.user)[:500]})


def _item(request, pk):
    return get_object_or_404(reconciliation.items_for(request.user), pk=pk)


@login_required
def item_detail(request, pk):
    item = _item(request, pk)
    user = request.user
    form = ReconciliationProgressForm(request.POST or None, initial={
        "unit": item.unit, "remaining": item.remaining,
        "expected_completion": item.expected_completion})
    may_report = item.is_open and policy.may_report_reconciliation(user, item)
    if request.method == "POST" and may_report and form.is_valid():
        data = form.cleaned_data
        try:
            reconciliation.record_progress(
                item=item, by=user, remaining=data["remaining"], backlog=data["backlog"],
                unit=data["unit"] or None, expected_completion=data["expected_completion"],
                note=data["note"])
        except IncidentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Progress recorded.")
            return redirect("incidents:reconciliation_item", pk=item.pk)
    return render(request, "incidents/reconciliation_detail.html", {
        "item": item, "incident": item.major_incident.incident,
        "progress": item.progress.select_related("by"),
        "transitions": item.transitions.select_related("by"),
        "chart": reconciliation.progress_chart(item),
        "form": form if may_report else None,
        "sign_off_form": (ReconciliationSignOffForm() if item.is_open
                          and policy.may_sign_off_reconciliation(user, item) else None),
    })


@login_required
@require_POST
def item_sign_off(request, pk):
    item = _item(request, pk)
    form = ReconciliationSignOffForm(request.POST)
    form.is_valid()
    try:
        reconciliation.sign_off(item=item, by=request.user,
                                note=form.cleaned_data.get("note", ""))
    except IncidentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Reconciliation signed off. Thank you.")
    return redirect("incidents:reconciliation_item", pk=item.pk)
