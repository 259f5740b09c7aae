from django.contrib import admin

from config.admin import ReadOnlyAdmin
from events.models import Delivery, Event


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["subscriber", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "at",
        "actor",
        "quarter_id",
        "request_id",
        "dispatched_at",
        "attempts",
    ]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    inlines = [DeliveryInline]
