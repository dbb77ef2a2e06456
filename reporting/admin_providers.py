"""Console pages: provider records with escalation contacts, and service reviews (plan with a
generated agenda, refresh it, record the minutes, agree actions)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from accounts import policy
from accounts.admin_mixins import (
    ConsoleAdmin,
    FollowUpActionAdmin,
    ReadOnlyInline,
    ReferenceDataAdmin,
    ReferenceDataInline,
)
from accounts.models import Organisation
from kernel.periods import Period

from . import provider_reviews
from .errors import ReportingError
from .models_providers import EscalationContact, ProviderRecord, ReviewAction, ServiceReview


class EscalationContactInline(ReferenceDataInline, admin.TabularInline):
    model = EscalationContact
    extra = 1


@admin.register(ProviderRecord)
class ProviderRecordAdmin(ReferenceDataAdmin):
    list_display = ["provider", "agreement_kind", "agreement_reference", "agreement_ends_on",
                    "service_hours", "review_every_months"]
    list_select_related = ["provider"]
    search_fields = ["provider__name", "agreement_reference"]
    inlines = [EscalationContactInline]


class ReviewActionInline(ReadOnlyInline):
    model = ReviewAction
    fields = ["description", "owner", "due_on", "status", "done_at"]


class PlanReviewForm(forms.ModelForm):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.providers())
    month = forms.CharField(help_text="The month reviewed, e.g. 2026-10.")

    class Meta:
        model = ServiceReview
        fields = ["provider", "month", "meeting_on"]

    def clean_month(self):
        try:
            period = Period.parse(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if period.kind != "month":
            raise forms.ValidationError("Give one month, e.g. 2026-10.")
        return period


@admin.register(ServiceReview)
class ServiceReviewAdmin(ConsoleAdmin):
    list_display = ["provider", "period_start", "meeting_on", "status"]
    list_filter = ["status"]
    list_select_related = ["provider"]
    readonly_fields = ["provider", "period_start", "status", "agenda", "agenda_generated_at"]
    fields = ["provider", "period_start", "meeting_on", "status", "agenda",
              "agenda_generated_at", "minutes"]
    inlines = [ReviewActionInline]
    actions = ["refresh_agenda_selected"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PlanReviewForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["provider", "month", "meeting_on"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def has_add_permission(self, request):
        return policy.may_manage_provider_records(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_manage_provider_records(request.user) and (
            obj is None or obj.status == ServiceReview.Status.PLANNED)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                form.instance = provider_reviews.plan_review(
                    provider=data["provider"], period=data["month"],
                    meeting_on=data["meeting_on"], by=request.user)
            elif data.get("minutes"):
                form.instance = provider_reviews.record_review_held(
                    review=obj, by=request.user, minutes=data["minutes"])
            else:
                ServiceReview.objects.filter(pk=obj.pk).update(meeting_on=data["meeting_on"])
        except ReportingError as exc:
            raise PermissionDenied(str(exc)) from exc

    def save_related(self, request, form, formsets, change):
        pass  # the service functions wrote everything

    @admin.action(description="Draw the agenda again from the month's KPIs")
    def refresh_agenda_selected(self, request, queryset):
        for review in queryset:
            try:
                provider_reviews.refresh_agenda(review=review, by=request.user)
            except ReportingError as exc:
                self.message_user(request, f"{review}: {exc}", messages.ERROR)


class ReviewActionForm(forms.ModelForm):
    class Meta:
        model = ReviewAction
        fields = ["review", "description", "owner", "due_on"]


@admin.register(ReviewAction)
class ReviewActionAdmin(FollowUpActionAdmin):
    form = ReviewActionForm
    list_display = ["description", "review", "owner", "due_on", "status"]
    list_select_related = ["review__provider", "owner"]
    refusals = (ReportingError,)

    def may_add(self, user):
        return policy.may_manage_provider_records(user)

    def create(self, request, data):
        return provider_reviews.add_review_action(by=request.user, **data)

    def complete(self, action, by):
        provider_reviews.complete_review_action(action=action, by=by)
