from django.urls import path

from budgets.views import budget, decisions, quarters, reviews

app_name = "budgets"

urlpatterns = [
    path("quarters/", quarters.quarter_list, name="quarter_list"),
    path("quarters/new/", quarters.quarter_create, name="quarter_create"),
    path("quarters/<str:label>/", quarters.quarter_detail, name="quarter_detail"),
    path("quarters/<str:label>/edit/", quarters.quarter_edit, name="quarter_edit"),
    path("settings/", quarters.settings_edit, name="settings"),
    # Decisions on the ranked requests (product leaders) and on commitments
    path("decisions/", decisions.decision_queue, name="decision_queue"),
    path("decisions/<int:pk>/approve/", decisions.request_approve, name="request_approve"),
    path("decisions/<int:pk>/decline/", decisions.request_decline, name="request_decline"),
    path("decisions/<int:pk>/defer/", decisions.request_defer, name="request_defer"),
    path("commitments/", decisions.commitment_list, name="commitment_list"),
    path(
        "commitments/<int:pk>/progress/", decisions.commitment_progress, name="commitment_progress"
    ),
    path("commitments/<int:pk>/drop/", decisions.commitment_drop, name="commitment_drop"),
    path("swaps/new/", decisions.swap_create, name="swap_create"),
    path("swaps/<int:pk>/", decisions.swap_detail, name="swap_detail"),
    path("swaps/<int:pk>/approve/", decisions.swap_approve, name="swap_approve"),
    path("swaps/<int:pk>/reject/", decisions.swap_reject, name="swap_reject"),
    # The budget and the roadmap
    path("budget/", budget.budget_current, name="budget_current"),
    path("budget/<str:label>/", budget.budget_page, name="budget"),
    path("roadmap/", budget.roadmap, name="roadmap"),
    # The weekly VP Sales / VP Product review
    path("reviews/", reviews.review_current, name="review_current"),
    path("reviews/archive/", reviews.review_archive, name="review_archive"),
    path("reviews/prepare/", reviews.review_prepare, name="review_prepare"),
    path("reviews/meeting.ics", reviews.review_ics, name="review_ics"),
    path("reviews/<int:pk>/status/", reviews.review_status, name="review_status"),
    path("reviews/<str:label>/<str:week>/", reviews.review_detail, name="review_detail"),
    path("reviews/<str:label>/<str:week>/print/", reviews.review_print, name="review_print"),
    path("reviews/<str:label>/<str:week>/meeting/", reviews.review_meeting, name="review_meeting"),
    path("reviews/<str:label>/<str:week>/held/", reviews.review_mark_held, name="review_mark_held"),
    path(
        "reviews/<str:label>/<str:week>/review.md", reviews.review_markdown, name="review_markdown"
    ),
]
