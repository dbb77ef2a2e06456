"""Portal pages: service provider records and service reviews (Switching Operations and
auditors see every provider's; a provider its own; the rows are `visible_to(user)`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy

from . import provider_reviews
from .errors import ReportingError
from .models_providers import ProviderRecord, ReviewAction, ServiceReview


@login_required
def provider_records(request):
    records = ProviderRecord.objects.visible_to(request.user).select_related("provider")
    if policy.is_provider(request.user) and len(records) == 1:
        return redirect("reporting:provider_record", code=records[0].provider.short_code)
    return render(request, "reporting/provider_records.html", {"records": records})


@login_required
def provider_record(request, code):
    record = get_object_or_404(ProviderRecord.objects.visible_to(request.user)
                               .select_related("provider"), provider__short_code=code)
    return render(request, "reporting/provider_record.html", {
        "record": record, "contacts": record.escalation_contacts.all(),
        "reviews": ServiceReview.objects.visible_to(request.user).filter(
            provider=record.provider),
        "next_review_due": record.next_review_due()})


@login_required
def service_review(request, pk):
    review = get_object_or_404(ServiceReview.objects.visible_to(request.user)
                               .select_related("provider"), pk=pk)
    return render(request, "reporting/service_review.html", {
        "review": review, "actions": review.actions.select_related("owner")})


@login_required
@require_POST
def review_action_complete(request, pk):
    action = get_object_or_404(ReviewAction.objects.visible_to(request.user), pk=pk)
    try:
        provider_reviews.complete_review_action(action=action, by=request.user)
    except ReportingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Action recorded as done.")
    return redirect("reporting:service_review", pk=action.review_id)
