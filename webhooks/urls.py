from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns: list[object] = [
    # Admins: the endpoints, one endpoint's page and log, and what is done to them
    path("integrations/webhooks/", views.endpoint_list, name="endpoint_list"),
    path("integrations/webhooks/new/", views.endpoint_create, name="endpoint_create"),
    path("integrations/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path(
        "integrations/webhooks/<int:pk>/secret/",
        views.endpoint_rotate_secret,
        name="endpoint_rotate_secret",
    ),
    path("integrations/webhooks/<int:pk>/off/", views.endpoint_disable, name="endpoint_disable"),
    path("integrations/webhooks/<int:pk>/on/", views.endpoint_enable, name="endpoint_enable"),
    path("integrations/webhooks/<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "integrations/webhooks/<int:pk>/test/", views.endpoint_send_test, name="endpoint_send_test"
    ),
    path(
        "integrations/webhooks/deliveries/<int:pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]
