from django.urls import path

from feature_requests.views import customers, ranking, requests, saved_views, search

app_name = "requests"

urlpatterns = [
    # Customers and deals (the CRM side)
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/import/", customers.crm_import, name="crm_import"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("deals/", customers.deal_list, name="deal_list"),
    path("deals/new/", customers.deal_create, name="deal_create"),
    path("deals/<int:pk>/edit/", customers.deal_edit, name="deal_edit"),
    path("deals/pick/", requests.deal_pick, name="deal_pick"),
    # A CRM's link on a deal (feature_requests.links): submit a request for it.
    path("deals/crm/<path:external_id>/request/", requests.deal_request, name="deal_request"),
    # Requests: submit, follow, triage, estimate
    path("requests/", requests.request_list, name="request_list"),
    path("requests/new/", requests.request_create, name="request_create"),
    path("requests/similar/", search.duplicate_hints, name="duplicate_hints"),
    path("requests/<int:pk>/add-deals/", requests.request_add_deals, name="request_add_deals"),
    path("requests/<int:pk>/", requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", requests.request_edit, name="request_edit"),
    path("requests/<int:pk>/comments/", requests.comment_create, name="comment_create"),
    path("requests/<int:pk>/accept/", requests.request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", requests.request_decline, name="request_decline"),
    path("requests/<int:pk>/merge/", requests.request_merge, name="request_merge"),
    path("requests/<int:pk>/owner/", requests.request_owner, name="request_owner"),
    path("requests/<int:pk>/estimate/", requests.request_estimate, name="request_estimate"),
    path("search/", search.search_page, name="search"),
    path("triage/", requests.triage_queue, name="triage_queue"),
    path("triage/bulk/", requests.triage_bulk, name="triage_bulk"),
    path("estimates/", requests.estimate_queue, name="estimate_queue"),
    # Saved views: named filters of the request pages
    path("views/", saved_views.saved_view_list, name="saved_view_list"),
    path("views/save/", saved_views.saved_view_save, name="saved_view_save"),
    path("views/<int:pk>/share/", saved_views.saved_view_share, name="saved_view_share"),
    path("views/<int:pk>/delete/", saved_views.saved_view_delete, name="saved_view_delete"),
    # The ranking's history (the board itself, with its cut line, is in commitments)
    path("board/<str:label>/history/", ranking.ranking_history, name="ranking_history"),
]
