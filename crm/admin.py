"""The CRM's records in the Django admin, read only: the pages and the sync write them."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from crm.models import CrmSettings, SyncCursor, SyncRun, WriteBack


@admin.register(CrmSettings)
class CrmSettingsAdmin(ReadOnlyAdmin):
    list_display = ["vendor", "arr_field", "summary_field", "write_back", "updated_at"]


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ["vendor", "stream", "updated_at"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "vendor", "trigger", "status", "pages", "created", "updated"]
    list_filter = ["vendor", "status"]


@admin.register(WriteBack)
class WriteBackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "vendor", "deal", "subject", "status", "attempts"]
    list_filter = ["vendor", "status"]
