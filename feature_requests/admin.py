from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from feature_requests.models import (
    Comment,
    Customer,
    Deal,
    Estimate,
    FeatureRequest,
    RankEvent,
    RequestDeal,
    StatusChange,
)

# django-stubs makes the admin classes generic in their models; Django's take no subscript
# at runtime.
if TYPE_CHECKING:
    _DealInlineBase = admin.TabularInline[Deal, Customer]
    _RequestDealInlineBase = admin.TabularInline[RequestDeal, FeatureRequest]
    _CustomerAdminBase = admin.ModelAdmin[Customer]
    _DealAdminBase = admin.ModelAdmin[Deal]
    _FeatureRequestAdminBase = admin.ModelAdmin[FeatureRequest]
    _CommentAdminBase = admin.ModelAdmin[Comment]
else:
    _DealInlineBase = _RequestDealInlineBase = admin.TabularInline
    _CustomerAdminBase = _DealAdminBase = _FeatureRequestAdminBase = _CommentAdminBase = (
        admin.ModelAdmin
    )


class DealInline(_DealInlineBase):
    model = Deal
    extra = 0
    autocomplete_fields = ["owner"]


@admin.register(Customer)
class CustomerAdmin(_CustomerAdminBase):
    list_display = ["name", "segment", "arr"]
    list_filter = ["segment"]
    search_fields = ["name"]
    inlines = [DealInline]


@admin.register(Deal)
class DealAdmin(_DealAdminBase):
    list_display = ["name", "customer", "amount", "stage", "expected_close", "owner"]
    list_filter = ["stage"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer", "owner"]


class RequestDealInline(_RequestDealInlineBase):
    model = RequestDeal
    extra = 0
    autocomplete_fields = ["deal"]


@admin.register(FeatureRequest)
class FeatureRequestAdmin(_FeatureRequestAdminBase):
    list_display = ["title", "status", "quarter", "estimate_points", "submitted_by", "created_at"]
    list_filter = ["status", "quarter"]
    search_fields = ["title", "problem"]
    list_select_related = ["quarter", "submitted_by"]
    readonly_fields = ["rank_key"]
    raw_id_fields = ["duplicate_of"]
    inlines = [RequestDealInline]


@admin.register(RankEvent)
class RankEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "quarter", "request", "kind", "old_position", "new_position", "actor"]
    list_filter = ["kind", "quarter"]
    list_select_related = ["quarter", "request", "actor"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "request", "from_status", "to_status", "actor"]
    list_select_related = ["request", "actor"]


@admin.register(Estimate)
class EstimateAdmin(ReadOnlyAdmin):
    list_display = ["at", "request", "points", "estimated_by"]
    list_select_related = ["request", "estimated_by"]


@admin.register(Comment)
class CommentAdmin(_CommentAdminBase):
    list_display = ["created_at", "request", "author"]
    list_select_related = ["request", "author"]
