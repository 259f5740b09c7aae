from django.urls import path  # noqa: F401

app_name = "slack_app"

urlpatterns: list[object] = []
