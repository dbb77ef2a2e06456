"""Console authoring: drafts, preview, review (publish / return), retire, versions, tasks.

Desk and Switching Operations author and review; auditors read everything and
change nothing (accounts.admin_mixins.ConsoleAdmin plus policy checks on the
extra views). Lifecycle actions are POST forms on the preview page, which call
the same service as every other channel.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.admin_mixins import ConsoleAdmin, ReadOnlyConsoleAdmin

from . import services as knowledge_services
from .diffs import version_diff
from .errors import KnowledgeError
from .forms import ArticleAdminForm, AttachmentForm, TransitionForm
from .models import Article, ArticleAttachment, ArticleFeedback, ArticleTask, DeflectionEvent
from .rendering import render_markdown

ALWAYS_EDITABLE = knowledge_services.ALWAYS_EDITABLE


class AttachmentInline(admin.TabularInline):
    model = ArticleAttachment
    form = AttachmentForm
    extra = 0
    fields = ["title", "file", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_add_permission(self, request, obj=None):
        return policy.may_author_knowledge(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_author_knowledge(request.user)

    def has_delete_permission(self, request, obj=None):
        return policy.may_author_knowledge(request.user)


@admin.register(Article)
class ArticleAdmin(ConsoleAdmin):
    form = ArticleAdminForm
    change_form_template = "knowledge/admin/article_change_form.html"
    list_display = ["reference", "title", "article_type", "audience", "status", "owner",
                    "review_by", "published"]
    list_filter = ["status", "article_type", "audience", "services"]
    search_fields = ["title", "summary"]
    list_select_related = ["owner", "published_version"]
    autocomplete_fields = ["services"]
    inlines = [AttachmentInline]
    fieldsets = [
        (None, {"fields": ["title", "summary", "body", "change_note"]}),
        ("Classification", {"fields": ["article_type", "audience", "audience_market_role",
                                       "services"]}),
        ("Ownership", {"fields": ["owner", "review_by"]}),
        ("Lifecycle", {"fields": ["status", "published_version", "published_at"]}),
    ]

    def get_queryset(self, request):
        return Article.objects.for_console(request.user)

    @admin.display(description="Readers see")
    def published(self, obj):
        return f"v{obj.published_version.number}" if obj.is_live else "-"

    def get_readonly_fields(self, request, obj=None):
        lifecycle = ["status", "published_version", "published_at"]
        if obj is None or obj.is_editable:
            return lifecycle
        frozen = [name for name in self.form.Meta.fields if name not in ALWAYS_EDITABLE]
        return [*frozen, *lifecycle]

    def get_fieldsets(self, request, obj=None):
        """Drop the change note once the content is frozen (nothing to describe)."""
        if obj is None or (obj.is_editable and self.has_change_permission(request, obj)):
            return self.fieldsets
        first = {"fields": [name for name in self.fieldsets[0][1]["fields"]
                            if name != "change_note"]}
        return [(None, first), *self.fieldsets[1:]]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        note = form.cleaned_data.get("change_note", "")
        if not change:
            knowledge_services.save_new_article(article=obj, by=request.user, change_note=note)
            return
        changed = [name for name in form.changed_data if name != "change_note"]
        try:
            knowledge_services.save_article(article=obj, by=request.user,
                                            changed_fields=changed, change_note=note)
        except KnowledgeError as exc:
            raise PermissionDenied(str(exc)) from exc

    def save_formset(self, request, form, formset, change):
        """Save the attachment rows through the service (the file checked by the policy)."""
        formset.save(commit=False)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            upload = inline_form.cleaned_data["file"] if "file" in inline_form.changed_data else None
            knowledge_services.save_attachment(attachment=inline_form.instance, upload=upload,
                                               by=request.user)
        for item in formset.deleted_objects:
            knowledge_services.remove_attachment(attachment=item, by=request.user)

    # --- extra console pages -------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="knowledge_article_preview"),
            path("<int:pk>/transition/", view(require_POST(self.transition_view)),
                 name="knowledge_article_transition"),
            path("<int:pk>/versions/", view(self.versions_view),
                 name="knowledge_article_versions"),
            *super().get_urls(),
        ]

    def _article_or_404(self, request, pk):
        article = self.get_queryset(request).filter(pk=pk).select_related("owner").first()
        if article is None or not self.has_view_permission(request, article):
            raise Http404
        return article

    def _context(self, request, article, title):
        return {**self.admin_site.each_context(request), "opts": self.opts,
                "original": article, "article": article, "title": title}

    def preview_view(self, request, pk):
        """Show the working copy rendered and sanitised as readers would, and its lifecycle."""
        article = self._article_or_404(request, pk)
        may_act = policy.may_author_knowledge(request.user)
        context = self._context(request, article, f"Preview: {article.reference}")
        context.update({
            "rendered": render_markdown(article.body),
            "actions": [(action, Article.ACTION_LABELS[action])
                        for action in article.allowed_actions()] if may_act else [],
            "transition_form": TransitionForm(),
            "transitions": article.transitions.select_related("by", "version"),
            "tasks": article.tasks.select_related("assigned_to"),
        })
        return TemplateResponse(request, "knowledge/admin/article_preview.html", context)

    def transition_view(self, request, pk):
        """Apply a lifecycle action posted from the preview page."""
        article = self._article_or_404(request, pk)
        if not policy.may_author_knowledge(request.user):
            raise PermissionDenied
        form = TransitionForm(request.POST)
        action = request.POST.get("action", "")
        preview = reverse("admin:knowledge_article_preview", args=[article.pk])
        if not form.is_valid():
            messages.error(request, "The comment is too long.")
            return HttpResponseRedirect(preview)
        try:
            row = knowledge_services.transition_article(
                article=article, action=action, by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except KnowledgeError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(preview)
        messages.success(request, f"{article.reference} is now {row.get_to_status_display()}.")
        return HttpResponseRedirect(preview)

    def versions_view(self, request, pk):
        """List every version and show the difference between any two (?a=1&b=3)."""
        article = self._article_or_404(request, pk)
        versions = list(article.versions.select_related("created_by"))
        by_number = {v.number: v for v in versions}
        context = self._context(request, article, f"Versions: {article.reference}")
        newest = versions[0].number if versions else 0
        try:
            a = int(request.GET.get("a", newest - 1))
            b = int(request.GET.get("b", newest))
        except ValueError:
            a, b = newest - 1, newest
        context["versions"] = versions
        context["a"], context["b"] = a, b
        if a in by_number and b in by_number:
            context["diff"] = version_diff(by_number[a], by_number[b])
            context["old"], context["new"] = by_number[a], by_number[b]
        elif "a" in request.GET or "b" in request.GET:
            context["diff_error"] = "Choose two versions of this article."
        return TemplateResponse(request, "knowledge/admin/article_versions.html", context)


@admin.register(ArticleTask)
class ArticleTaskAdmin(ConsoleAdmin):
    """Work routed to article owners: reported problems and overdue reviews."""

    list_display = ["__str__", "kind", "status", "assigned_to", "created_at", "closed_at"]
    list_filter = ["status", "kind", "assigned_to"]
    list_select_related = ["article", "assigned_to"]
    search_fields = ["article__title", "description"]
    fields = ["article", "kind", "status", "assigned_to", "description", "raised_by",
              "created_at", "closed_by", "closed_at", "resolution"]

    def get_queryset(self, request):
        return ArticleTask.objects.for_console(request.user)

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        readonly = [name for name in self.fields if name != "resolution"]
        if obj is not None and obj.status != ArticleTask.Status.OPEN:
            readonly.append("resolution")
        return readonly

    def save_model(self, request, obj, form, change):
        """Saving a resolution completes the task (through the one service)."""
        if "resolution" in form.changed_data:
            try:
                knowledge_services.complete_task(task=obj, by=request.user,
                                                 resolution=obj.resolution)
            except KnowledgeError as exc:
                raise PermissionDenied(str(exc)) from exc


@admin.register(DeflectionEvent)
class DeflectionEventAdmin(ReadOnlyConsoleAdmin):
    list_display = ["article", "organisation", "user", "query", "viewed_at", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["article", "organisation", "user"]

    def get_queryset(self, request):
        qs = DeflectionEvent.objects.all()
        return qs if policy.may_use_console(request.user) else qs.none()


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyConsoleAdmin):
    list_display = ["article", "helpful", "user", "version", "created_at"]
    list_filter = ["helpful"]
    list_select_related = ["article", "user", "version"]

    def get_queryset(self, request):
        qs = ArticleFeedback.objects.all()
        return qs if policy.may_use_console(request.user) else qs.none()
from . import admin_contributions, admin_problems  # noqa: E402,F401  (register their pages)
