from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from budgets.models import AuditEntry, CompanySettings, Quarter
from config.admin import ReadOnlyAdmin

# django-stubs makes ModelAdmin generic in the model; Django's takes no subscript at runtime.
if TYPE_CHECKING:
    _QuarterAdminBase = admin.ModelAdmin[Quarter]
    _CompanySettingsAdminBase = admin.ModelAdmin[CompanySettings]
else:
    _QuarterAdminBase = _CompanySettingsAdminBase = admin.ModelAdmin


@admin.register(Quarter)
class QuarterAdmin(_QuarterAdminBase):
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
class CompanySettingsAdmin(_CompanySettingsAdminBase):
    list_display = ["company_name", "time_zone", "meeting_weekday", "meeting_time"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CompanySettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: CompanySettings | None = None
    ) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "quarter"]
    list_filter = ["action"]
