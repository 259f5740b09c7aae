from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from config.admin import ReadOnlyAdmin
from events.models import Delivery, Event

if TYPE_CHECKING:
    # The stubs make admin classes generic; at run time Django's are not subscriptable.
    DeliveryInlineBase = admin.TabularInline[Delivery, Event]
else:
    DeliveryInlineBase = admin.TabularInline


class DeliveryInline(DeliveryInlineBase):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["subscriber", "at"]

    def has_add_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    ordering = ["-id"]  # the newest first, as a log is read
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
