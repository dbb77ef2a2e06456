from django.contrib import admin

from accounts.admin_mixins import ReadOnlyConsoleAdmin

from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyConsoleAdmin):
    list_display = ["subject", "recipients", "topic", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "topic"]
    search_fields = ["subject", "to"]

    @admin.display(description="To")
    def recipients(self, obj):
        return ", ".join(obj.to)
