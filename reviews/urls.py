from django.urls import path

from reviews import views

app_name = "reviews"

# The weekly VP Sales / VP Product review
urlpatterns = [
    path("reviews/", views.review_current, name="review_current"),
    path("reviews/archive/", views.review_archive, name="review_archive"),
    path("reviews/prepare/", views.review_prepare, name="review_prepare"),
    path("reviews/meeting.ics", views.review_ics, name="review_ics"),
    path("reviews/<int:pk>/status/", views.review_status, name="review_status"),
    path("reviews/<str:label>/<str:week>/", views.review_detail, name="review_detail"),
    path("reviews/<str:label>/<str:week>/print/", views.review_print, name="review_print"),
    path("reviews/<str:label>/<str:week>/meeting/", views.review_meeting, name="review_meeting"),
    path("reviews/<str:label>/<str:week>/refresh/", views.review_refresh, name="review_refresh"),
    path("reviews/<str:label>/<str:week>/held/", views.review_mark_held, name="review_mark_held"),
    path("reviews/<str:label>/<str:week>/review.md", views.review_markdown, name="review_markdown"),
]
