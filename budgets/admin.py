from django.contrib import admin

from budgets.models import AuditEntry, CompanySettings, Quarter
from config.admin import ReadOnlyAdmin


@admin.register(Quarter)
class QuarterAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "start",
        "end",
        "capacity_points",
        "sales_share_percent",
        "sales_budget",
    ]
    search_fields = ["label"]
    date_hierarchy = "start"


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ["company_name", "time_zone", "meeting_weekday", "meeting_time"]

    def has_add_permission(self, request) -> bool:
        return not CompanySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "quarter"]
    list_filter = ["action"]
