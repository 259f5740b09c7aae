from django.urls import path

from crm import views

app_name = "crm"

urlpatterns: list[object] = [
    # Admins: the CRM connection, its mapping, syncs and write-backs
    path("integrations/crm/", views.crm_settings, name="settings"),
    path("integrations/crm/test/", views.crm_test, name="test"),
    path("integrations/crm/sync/", views.crm_sync, name="sync"),
    path("integrations/crm/syncs/<int:pk>/", views.crm_sync_status, name="sync_status"),
]
