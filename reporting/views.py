"""Portal pages: service reports (history, request, progress, download), dashboard, CSI."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy

from . import dashboard, generation, services
from .errors import InvalidTransition, NotAllowed
from .forms import ImprovementForm, ImprovementMoveForm, ReportRequestForm
from .kpis import definitions
from .models import ImprovementOpportunity, ServiceReport
from .sla_rules import worked_examples


def _nav(user):
    return {"show_internal_nav": policy.may_view_ops_dashboard(user),
            "show_returns_nav": policy.is_internal(user) or policy.is_provider(user)}


@login_required
def report_list(request):
    """Internal staff: every report with history; everyone else: published participant
    editions only."""
    user = request.user
    reports = ServiceReport.objects.visible_to(user).select_related("requested_by")[:200]
    return render(request, "reporting/reports.html", {
        **_nav(user), "reports": reports, "form": ReportRequestForm(),
        "may_generate": policy.may_generate_reports(user), "kpis": definitions.KPIS})


@login_required
@require_POST
def report_request(request):
    if not policy.may_generate_reports(request.user):
        raise PermissionDenied
    form = ReportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("period", ["Check the period."])))
        return redirect("reporting:reports")
    edition = request.POST.get("edition", ServiceReport.Edition.INTERNAL)
    if edition not in ServiceReport.Edition.values:
        edition = ServiceReport.Edition.INTERNAL
    report = generation.request_report(by=request.user, period=form.cleaned_data["period"],
                                       edition=edition)
    return redirect("reporting:report_detail", pk=report.pk)


@login_required
@require_POST
def report_retry(request, pk):
    """Try a failed report again (Switching Operations)."""
    report = _visible_report(request, pk)
    try:
        generation.retry_report(report=report, by=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except InvalidTransition as exc:
        messages.error(request, str(exc))
    return redirect("reporting:report_detail", pk=report.pk)


def _visible_report(request, pk):
    return get_object_or_404(ServiceReport.objects.visible_to(request.user), pk=pk)


@login_required
def report_detail(request, pk):
    report = _visible_report(request, pk)
    return render(request, "reporting/report_detail.html", {
        **_nav(request.user), "report": report,
        "may_retry": policy.may_generate_reports(request.user)})


@login_required
def report_progress(request, pk):
    """JSON the page polls while the report runs."""
    report = _visible_report(request, pk)
    return JsonResponse({"status": report.status, "progress": report.progress,
                         "finished": report.is_finished})


FILE_TYPES = {"pdf": "application/pdf", "csv": "text/csv",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@login_required
def report_download(request, pk, kind):
    report = _visible_report(request, pk)
    if kind not in FILE_TYPES or report.status != ServiceReport.Status.READY:
        raise Http404
    stored = getattr(report, kind)
    if not stored:
        raise Http404
    name = f"service-report-{report.period}-{report.edition}.{kind}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name,
                        content_type=FILE_TYPES[kind])


@login_required
def sla_rules(request):
    """The auditors' page: every SLA rule in plain words, with a worked example per severity
    computed by the same engine the figures come from."""
    return render(request, "reporting/sla_rules.html", {**_nav(request.user),
                                                        "examples": worked_examples(),
                                                        "kpis": definitions.KPIS})


@login_required
def ops_dashboard(request):
    if not policy.may_view_ops_dashboard(request.user):
        raise Http404
    return render(request, "reporting/dashboard.html", {**_nav(request.user),
                                                        **dashboard.build(user=request.user)})


# --- CSI register -------------------------------------------------------------
@login_required
def csi_list(request):
    if not policy.is_internal(request.user):
        raise Http404
    entries = (ImprovementOpportunity.objects.visible_to(request.user)
               .select_related("owner", "service"))
    status = request.GET.get("status")
    if status in ImprovementOpportunity.Status.values:
        entries = entries.filter(status=status)
    may_manage = policy.may_manage_csi(request.user)
    form = ImprovementForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            entry, _ = services.record_improvement(by=request.user, **form.cleaned_data)
            return redirect("reporting:csi_detail", pk=entry.pk)
    return render(request, "reporting/csi_list.html", {
        **_nav(request.user), "entries": entries[:300], "form": form,
        "statuses": ImprovementOpportunity.Status.choices, "status": status})


@login_required
def csi_detail(request, pk):
    entry = get_object_or_404(ImprovementOpportunity.objects.visible_to(request.user)
                              .select_related("owner", "service"), pk=pk)
    form = ImprovementMoveForm(request.POST or None)
    if request.method == "POST":
        if not policy.may_manage_csi(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.move_improvement(opportunity=entry, by=request.user,
                                          to=form.cleaned_data["to"],
                                          reason=form.cleaned_data["reason"])
                return redirect("reporting:csi_detail", pk=entry.pk)
            except InvalidTransition as exc:
                form.add_error("to", str(exc))
    return render(request, "reporting/csi_detail.html", {
        **_nav(request.user), "entry": entry, "form": form,
        "transitions": entry.transitions.select_related("by"),
        "may_manage": policy.may_manage_csi(request.user)})
