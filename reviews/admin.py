from django.contrib import admin

from config.admin import ReadOnlyAdmin
from reviews.models import ReviewNote, WeeklyReview


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "week_start", "status", "generated_at", "held_at"]
    list_filter = ["status", "quarter"]
    list_select_related = ["quarter"]
    exclude = ["data"]  # the snapshot is read on the review's own pages


@admin.register(ReviewNote)
class ReviewNoteAdmin(ReadOnlyAdmin):
    list_display = ["at", "review", "kind", "item_title", "author"]
    list_filter = ["kind"]
    list_select_related = ["review__quarter", "author"]
