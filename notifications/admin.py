from django.contrib import admin

from accounts.admin_mixins import ReadOnlyConsoleAdmin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyConsoleAdmin):
    list_display = ["subject", "recipients", "topic", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["subject", "to"]

    def get_fields(self, request, obj=None):
        """Show bodies only of notices without credentials (set-password links stay hidden)."""
        fields = [f.name for f in OutboundEmail._meta.fields if f.name != "id"]
        if obj is None or obj.sensitive:
            fields = [f for f in fields if f not in ("body_text", "body_html")]
        return fields

    @admin.display(description="To")
    def recipients(self, obj):
        return ", ".join(obj.to)
