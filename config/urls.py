from django.contrib import admin
from django.urls import include, path

from commitments.views.dashboard import dashboard
from config.views import healthz

admin.site.site_header = "Forcerank administration"
admin.site.site_title = "Forcerank admin"

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("accounts/", include("accounts.urls")),
    path("", include("budgets.urls")),
    path("", include("people.urls")),
    path("", include("feature_requests.urls")),
    path("", include("commitments.urls")),
    path("", include("reviews.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
