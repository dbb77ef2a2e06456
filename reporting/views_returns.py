"""Portal pages for provider KPI returns: upload (CSV/XLSX), history, reconciliation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from accounts import policy
from accounts.models import Organisation
from kernel.periods import Kind, Period

from . import returns, services
from .forms import KpiReturnUploadForm
from .kpis.engine import PeriodKpis
from .models import KpiReturn
from .reconciliation import reconcile, return_statuses
from .views import _nav


@login_required
def return_list(request):
    """Providers: their returns and the upload form link. Internal: every provider's state."""
    user = request.user
    if not (policy.is_internal(user) or policy.is_provider(user)):
        raise Http404
    period = _month(request.GET.get("period"))
    context = {**_nav(user), "due_days": returns.due_working_days(), "period": period,
               "returns": KpiReturn.objects.visible_to(user)
               .select_related("provider", "submitted_by")[:100],
               "may_submit": policy.may_submit_kpi_return(user)}
    if policy.is_internal(user):
        context["statuses"] = return_statuses(period)
        if policy.may_read_internal_reports(user):
            context["lines"] = reconcile(PeriodKpis(period))
    return render(request, "reporting/returns.html", context)


def _month(text):
    try:
        period = Period.parse(text) if text else Period.containing(Kind.MONTH).previous()
    except ValueError:
        raise Http404 from None
    if period.kind != Kind.MONTH:
        raise Http404
    return period


@login_required
def return_upload(request):
    user = request.user
    if not policy.may_submit_kpi_return(user):
        raise PermissionDenied
    provider = get_object_or_404(Organisation, pk=policy.organisation_scope(user))
    form = KpiReturnUploadForm(request.POST or None, request.FILES or None)
    problems = None
    if request.method == "POST" and form.is_valid():
        try:
            period = returns.clean_period(form.cleaned_data["period"])
            figures = returns.clean_file(form.cleaned_data["file"], provider=provider)
        except ValueError as exc:
            form.add_error("period", str(exc))
        except returns.ReturnErrors as exc:
            problems = sorted(exc.errors.items(), key=lambda item: _row_order(item[0]))
        else:
            channel = (KpiReturn.Channel.XLSX if form.cleaned_data["file"].name.lower()
                       .endswith(".xlsx") else KpiReturn.Channel.CSV)
            kpi_return = services.submit_kpi_return(
                provider=provider, by=user, period=period, figures=figures,
                notes=form.cleaned_data["notes"], channel=channel)
            return redirect("reporting:return_detail", pk=kpi_return.pk)
    return render(request, "reporting/return_upload.html", {"form": form, "problems": problems,
                                                            "columns": returns.COLUMNS})


def _row_order(location):
    digits = "".join(ch for ch in location.split(",")[0] if ch.isdigit())
    return (int(digits) if digits else 0, location)


@login_required
def return_detail(request, pk):
    kpi_return = get_object_or_404(
        KpiReturn.objects.visible_to(request.user).select_related("provider", "submitted_by"),
        pk=pk)
    lines = None
    if policy.may_read_internal_reports(request.user):
        lines = reconcile(PeriodKpis(Period.parse(kpi_return.period)), returns=[kpi_return])
    return render(request, "reporting/return_detail.html", {
        "kpi_return": kpi_return, "lines": lines,
        "figures": kpi_return.figures.select_related("service")})
