"""The API key pages (named, in the permission matrix) and the REST API under /api/.

The API's own routes (and its schema and docs) are left unnamed: they answer JSON to keys and sessions, and are walked
by tests/api/test_api_permissions.py rather than by the HTML pages' matrix.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path, re_path

from api import pages, views
from api.errors import not_found
from api.schema import DocsView, SchemaView

app_name = "api"

V1 = "api/v1/"
SCHEMA_URL = "/api/schema/"

urlpatterns = [
    path("api-keys/", pages.key_list, name="key_list"),
    path("api-keys/new/", pages.key_create, name="key_create"),
    path("api-keys/<int:pk>/revoke/", pages.key_revoke, name="key_revoke"),
    path("api-keys/all/", pages.key_list_all, name="key_list_all"),
    # The schema answers keys and sessions (401 JSON otherwise); the docs are a page for the
    # browser, so a visitor who is not signed in is sent to the login page first.
    path("api/schema/", SchemaView.as_view()),
    path("api/docs/", login_required(DocsView.as_view(url=SCHEMA_URL))),
    path(f"{V1}quarters/", views.QuarterList.as_view()),
    path(f"{V1}quarters/<str:label>/", views.QuarterDetail.as_view()),
    path(f"{V1}quarters/<str:label>/board/", views.BoardDetail.as_view()),
    path(f"{V1}quarters/<str:label>/moves/", views.MoveCreate.as_view()),
    path(f"{V1}quarters/<str:label>/ledger/", views.LedgerList.as_view()),
    path(f"{V1}requests/", views.RequestListCreate.as_view()),
    path(f"{V1}requests/<int:pk>/", views.RequestDetail.as_view()),
    path(f"{V1}requests/<int:pk>/comments/", views.CommentCreate.as_view()),
    path(f"{V1}requests/<int:pk>/estimate/", views.EstimateCreate.as_view()),
    path(f"{V1}requests/<int:pk>/approve/", views.RequestApprove.as_view()),
    path(f"{V1}requests/<int:pk>/decline/", views.RequestDecline.as_view()),
    path(f"{V1}requests/<int:pk>/defer/", views.RequestDefer.as_view()),
    path(f"{V1}commitments/", views.CommitmentList.as_view()),
    path(f"{V1}commitments/<int:pk>/drop/", views.CommitmentDrop.as_view()),
    path(f"{V1}reviews/", views.ReviewList.as_view()),
    path(f"{V1}reviews/<int:pk>/", views.ReviewDetail.as_view()),
    path(f"{V1}customers/", views.CustomerListCreate.as_view()),
    path(f"{V1}customers/<int:pk>/", views.CustomerDetail.as_view()),
    path(f"{V1}customers/by-external-id/<str:external_id>/", views.CustomerUpsert.as_view()),
    path(f"{V1}deals/", views.DealListCreate.as_view()),
    path(f"{V1}deals/<int:pk>/", views.DealDetail.as_view()),
    path(f"{V1}deals/by-external-id/<str:external_id>/", views.DealUpsert.as_view()),
    re_path(r"^api/", not_found),
]
