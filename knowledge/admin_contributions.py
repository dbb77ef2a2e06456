"""Console pages for providers' knowledge contributions: the desk's review queue.

The desk reads each submitted draft and returns it (with a reason), declines it, or
accepts it: accepting writes the knowledge article with the audience the desk
chooses, published at once or left as a draft for editing. All through
`knowledge.contributions`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyInline
from accounts.models import Organisation

from . import contributions
from .errors import KnowledgeError
from .models import Article, KnowledgeContribution, KnowledgeContributionTransition


class ContributionTransitionInline(ReadOnlyInline):
    model = KnowledgeContributionTransition
    fields = ["at", "from_status", "to_status", "by", "reason", "channel"]
    readonly_fields = fields


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, KnowledgeContribution.ACTION_LABELS[a])
                                        for a in ("accept", "return", "decline")])
    reason = forms.CharField(required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Needed to return or decline; the provider reads it.")
    audience = forms.ChoiceField(choices=[("", "The provider's suggestion"),
                                          *Article.Audience.choices], required=False)
    audience_market_role = forms.ChoiceField(
        choices=[("", "-"), *Organisation.MarketRole.choices], required=False,
        help_text="Only for the 'one market role' audience.")
    publish = forms.BooleanField(required=False, help_text="Publish the article at once; "
                                 "otherwise it is a draft you can edit and publish later.")


@admin.register(KnowledgeContribution)
class KnowledgeContributionAdmin(ConsoleAdmin):
    change_form_template = "knowledge/admin/contribution_change_form.html"
    list_display = ["reference", "title", "kind", "organisation", "status", "updated_at"]
    list_filter = ["status", "kind", "organisation"]
    search_fields = ["title", "summary", "body"]
    list_select_related = ["organisation"]
    fields = ["organisation", "created_by", "kind", "article_type", "title", "summary", "body",
              "suggested_audience", "services", "problem", "status", "article", "created_at",
              "updated_at"]
    readonly_fields = fields
    inlines = [ContributionTransitionInline]

    def has_add_permission(self, request):
        return False  # providers write them (portal or API)

    def has_change_permission(self, request, obj=None):
        return False  # the content is the provider's; the desk reviews it on the review page

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/review/", view(self.review_view),
                     name="knowledge_knowledgecontribution_review"), *super().get_urls()]

    def review_view(self, request, pk):
        contribution = self.get_queryset(request).filter(pk=pk).first()
        if contribution is None:
            raise Http404
        if not policy.may_review_contributions(request.user):
            raise PermissionDenied
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                contribution = contributions.act_on_contribution(
                    contribution=contribution, action=data["action"], by=request.user,
                    reason=data["reason"], audience=data["audience"],
                    audience_market_role=data["audience_market_role"], publish=data["publish"])
            except (KnowledgeError, ValidationError) as exc:
                form.add_error(None, str(exc) if isinstance(exc, KnowledgeError)
                               else "; ".join(exc.messages))
            else:
                messages.success(request, f"{contribution.reference} is "
                                          f"{contribution.get_status_display().lower()}.")
                if contribution.article_id:
                    return HttpResponseRedirect(reverse("admin:knowledge_article_change",
                                                        args=[contribution.article_id]))
                return HttpResponseRedirect(reverse(
                    "admin:knowledge_knowledgecontribution_change", args=[pk]))
        return TemplateResponse(request, "knowledge/admin/problem_form.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": f"Review {contribution.reference}: {contribution.title}"})
