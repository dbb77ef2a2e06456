"""Portal pages for forecasts and excessive-demand alerts. Thin: parse, check, call a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from services.models import Service

from . import csv_import, services
from .errors import InvalidTransition
from .forms import ForecastForm, OutcomeForm, ShareForm, UploadForm, WithdrawForm
from .models import ExcessiveDemandAlert, Forecast

PAGE = 200


@login_required
def forecasts(request):
    """List the forecasts the user may see in full (its organisation's; all for staff)."""
    visible = (Forecast.objects.visible_to(request.user)
               .select_related("service", "organisation", "alert"))
    return render(request, "demand/forecasts.html", {
        "forecasts": visible[:PAGE],
        "may_submit": policy.may_submit_forecast(request.user),
        "is_internal": policy.is_internal(request.user),
        "provided": request.user.organisation.services_provided.all()
        if policy.is_provider(request.user) else [],
        "calendars": Service.objects.filter(capacity_thresholds__isnull=False).distinct()
        if policy.is_internal(request.user) else [],
    })


def _require_submitter(user):
    if not policy.may_submit_forecast(user):
        raise PermissionDenied


@login_required
def new_forecast(request):
    _require_submitter(request.user)
    form = ForecastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            forecast = services.submit_forecast(organisation=request.user.organisation,
                                                submitted_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Forecast {forecast.reference} recorded: "
                                      f"{forecast.get_status_display().lower()}.")
            return redirect("demand:forecast", pk=forecast.pk)
    return render(request, "demand/forecast_form.html", {"form": form})


@login_required
def upload_forecasts(request):
    """Import a CSV of forecasts: every row valid, or nothing stored and every bad row listed."""
    _require_submitter(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = csv_import.read_forecasts(form.cleaned_data["file"])
        if report.ok:
            created = services.import_forecasts(organisation=request.user.organisation,
                                                submitted_by=request.user, rows=report.rows)
            messages.success(request, f"{len(created)} forecasts imported; each is being "
                                      "checked against capacity.")
            return redirect("demand:forecasts")
    return render(request, "demand/upload.html", {"form": form, "report": report})


@login_required
def forecast_detail(request, pk):
    forecast = get_object_or_404(
        Forecast.objects.visible_to(request.user).select_related(
            "service", "organisation", "submitted_by", "alert"), pk=pk)
    return render(request, "demand/forecast_detail.html", {
        "forecast": forecast,
        "transitions": forecast.transitions.select_related("by"),
        "shares": forecast.shares.select_related("organisation", "shared_by"),
        "may_withdraw": (request.user.organisation_id == forecast.organisation_id
                         and Forecast.Status.WITHDRAWN in forecast.allowed_targets()),
        "may_share": policy.may_decide_demand(request.user),
        "withdraw_form": WithdrawForm(), "share_form": ShareForm(),
    })


@login_required
@require_POST
def withdraw(request, pk):
    forecast = get_object_or_404(Forecast.objects.visible_to(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidTransition("Give a shorter reason.")
        services.withdraw_forecast(forecast=forecast, by=request.user,
                                   reason=form.cleaned_data["reason"])
        messages.success(request, f"Forecast {forecast.reference} withdrawn.")
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    return redirect("demand:forecast", pk=pk)


@login_required
@require_POST
def share(request, pk):
    if not policy.may_decide_demand(request.user):
        raise PermissionDenied
    forecast = get_object_or_404(Forecast.objects.visible_to(request.user), pk=pk)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            services.share_forecast(forecast=forecast, by=request.user, **form.cleaned_data)
            messages.success(request, f"Shared with {form.cleaned_data['organisation']}.")
        except InvalidTransition as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose a provider.")
    return redirect("demand:forecast", pk=pk)


@login_required
def alerts(request):
    if not (policy.is_internal(request.user) or policy.is_provider(request.user)):
        raise PermissionDenied
    visible = ExcessiveDemandAlert.objects.visible_to(request.user).select_related("service",
                                                                                  "threshold")
    return render(request, "demand/alerts.html", {"alerts": visible[:PAGE]})


@login_required
def alert_detail(request, pk):
    alert = get_object_or_404(
        ExcessiveDemandAlert.objects.visible_to(request.user).select_related("service",
                                                                             "threshold"), pk=pk)
    may_decide = policy.may_decide_demand(request.user)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.record_outcome(alert=alert, by=request.user,
                                            outcome=form.cleaned_data["outcome"],
                                            note=form.cleaned_data["note"])
            except InvalidTransition as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Outcome recorded for {alert.reference}.")
                return redirect("demand:alert", pk=pk)
    # Who submitted is shown to internal staff only; providers see the totals.
    forecasts = (alert.forecasts.select_related("organisation")
                 if policy.is_internal(request.user) else None)
    return render(request, "demand/alert_detail.html", {
        "alert": alert, "forecasts": forecasts, "form": form,
        "may_decide": may_decide and alert.status == ExcessiveDemandAlert.Status.OPEN,
        "transitions": alert.transitions.select_related("by"),
        "risks": alert.risks.all() if policy.is_internal(request.user) else None,
    })
