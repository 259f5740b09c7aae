from django.contrib import admin
from django.urls import include, path

from commitments.views.dashboard import dashboard
from config.views import healthz
from people import sso_views

admin.site.site_header = "Forcerank administration"
admin.site.site_title = "Forcerank admin"

urlpatterns = [
    path("", dashboard, name="dashboard"),
    # The login page knows the company sign-in providers (people), so it is routed here,
    # ahead of accounts' own; both carry the name "login".
    path("accounts/login/", sso_views.LoginView.as_view(), name="login"),
    path("accounts/", include("accounts.urls")),
    path("sso/", include("people.sso_urls")),
    path("", include("budgets.urls")),
    path("", include("people.urls")),
    path("", include("feature_requests.urls")),
    path("", include("commitments.urls")),
    path("", include("reviews.urls")),
    path("", include("api.urls")),
    path("", include("webhooks.urls")),
    path("", include("slack_app.urls")),
    path("", include("crm.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
