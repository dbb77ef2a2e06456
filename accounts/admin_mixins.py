"""Base classes that make every console page ask the one permission policy."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import policy
from .models_audit import AuditEntry


class ConsoleChangeList(ChangeList):
    """A list whose rows open the record's workspace page when it has one."""

    def url_for_result(self, result):
        return self.model_admin.workspace_url(result) or super().url_for_result(result)


class ConsoleAdmin(admin.ModelAdmin):
    """Console page for working records: internal staff read, desk/operations change."""

    def workspace_url(self, obj):
        """Return the URL of the record's workspace page (the console site's), or None to
        open the stock change form from the list."""
        return None

    def get_changelist(self, request, **kwargs):
        return ConsoleChangeList

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle" '
                                         'aria-label="Select all">'))
    def action_checkbox(self, obj):
        """Return the row's selection box as Django's own, written out: rendering a form
        widget through the template engine for each of fifty rows cost the queue page
        more than its query."""
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" '
                           'aria-label="Select this object for an action - {}">',
                           helpers.ACTION_CHECKBOX_NAME, obj.pk, obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible_to = getattr(qs, "visible_to", None)
        return visible_to(request.user) if visible_to else qs

    def has_module_permission(self, request):
        return policy.may_use_console(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_add_permission(self, request):
        return policy.may_change_in_console(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_change_in_console(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # business records are closed or cancelled, never deleted

    def history_view(self, request, object_id, extra_context=None):
        """Show the audit trail for one record (who, when, what changed, from where)."""
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Audit trail: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "entries": AuditEntry.objects.for_object(obj).select_related("actor")[:500],
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/audit_history.html", context)


class ReferenceDataAdmin(ConsoleAdmin):
    """Catalogue, organisations, users: Switching Operations change, other staff read."""

    def has_add_permission(self, request):
        return policy.may_manage_reference_data(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_manage_reference_data(request.user)


class ReadOnlyConsoleAdmin(ConsoleAdmin):
    """Records written only by the system (audit, outbox): read-only for everyone."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CreatedByServiceAdmin(ConsoleAdmin):
    """Records the console adds through one service function and never edits afterwards
    (DR tests, review actions): `create(request, data)` calls the service; `may_add(user)`
    is the policy question; a refusal of the service (`refusals`) is shown as 403."""

    refusals = ()

    def may_add(self, user):
        raise NotImplementedError

    def create(self, request, data):
        raise NotImplementedError

    def has_add_permission(self, request):
        return self.may_add(request.user)

    def has_change_permission(self, request, obj=None):
        return obj is None and self.may_add(request.user)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        try:
            form.instance = self.create(request, form.cleaned_data)
        except self.refusals as exc:
            raise PermissionDenied(str(exc)) from exc

    def save_related(self, request, form, formsets, change):
        pass  # the service function wrote everything


class FollowUpActionAdmin(CreatedByServiceAdmin):
    """Follow-up actions with an owner and a due date (DR test recovery actions, service
    review actions): listed with their status; the list's "Mark done" action completes the
    selected ones through `complete(action, by)`, each refusal shown against its row."""

    list_filter = ["status"]
    actions = ["complete_selected"]

    def complete(self, action, by):
        raise NotImplementedError

    @admin.action(description="Mark done")
    def complete_selected(self, request, queryset):
        for action in queryset:
            try:
                self.complete(action, request.user)
            except self.refusals as exc:
                self.message_user(request, f"{action}: {exc}", messages.ERROR)


class ReferenceDataInline:
    """Mixin for inlines of reference data: operations edit, other staff read."""

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def has_add_permission(self, request, obj=None):
        return policy.may_manage_reference_data(request.user)

    def has_change_permission(self, request, obj=None):
        return policy.may_manage_reference_data(request.user)

    def has_delete_permission(self, request, obj=None):
        return policy.may_manage_reference_data(request.user)


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the system (transitions, tasks, warnings): staff read, nobody edits."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # asked even with can_delete off: Django's answer reads the permissions

    def has_view_permission(self, request, obj=None):
        return policy.may_use_console(request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.fields or super().get_readonly_fields(request, obj)
