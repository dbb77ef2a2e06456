from django.contrib import admin

from accounts.admin_mixins import ReferenceDataAdmin, ReferenceDataInline

from .models import BusinessCalendar, Holiday, Service, ServiceDependency


class DependencyInline(ReferenceDataInline, admin.TabularInline):
    model = ServiceDependency
    fk_name = "service"
    extra = 0
    autocomplete_fields = ["depends_on"]
    verbose_name = "needs"
    verbose_name_plural = "Depends on (services this one needs)"


@admin.register(Service)
class ServiceAdmin(ReferenceDataAdmin):
    list_display = ["name", "code", "provider", "resolver_group", "fuel", "availability_target",
                    "service_hours", "is_public", "is_active"]
    list_filter = ["provider", "fuel", "is_active"]
    search_fields = ["name", "code", "description"]
    list_select_related = ["provider", "resolver_group", "service_hours"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [DependencyInline]


class HolidayInline(ReferenceDataInline, admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ReferenceDataAdmin):
    list_display = ["name", "slug", "is_24x7", "working_days", "day_start", "day_end", "timezone"]
    inlines = [HolidayInline]
