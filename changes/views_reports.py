"""Change Co-ordination report: changes by type and provider, outcomes, late and clashing."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from accounts import policy
from accounts.models import Organisation
from kernel.periods import Kind, Period

from .reports import change_kpis


@login_required
def change_report(request):
    """Show change_kpis for a period (?period=2026-10, 2026-W43 or a..b) to internal staff."""
    if not policy.is_internal(request.user):
        raise PermissionDenied("The Change Co-ordination report is for internal staff.")
    text = request.GET.get("period", "")
    error = ""
    try:
        period = Period.parse(text) if text else Period.containing(Kind.MONTH)
    except ValueError as exc:
        error = str(exc)
        period = Period.containing(Kind.MONTH)
    provider = None
    if request.GET.get("provider"):
        provider = Organisation.objects.providers().filter(
            short_code=request.GET["provider"]).first()
    kpis = change_kpis(start=period.start, end=period.end, provider=provider)
    return render(request, "changes/report.html", {
        "period": period, "period_text": text, "error": error, "kpis": kpis,
        "provider": provider, "providers": Organisation.objects.providers(),
    }, status=400 if error else 200)
