from __future__ import annotations

from django.urls import path

from slack_app import views

app_name = "slack_app"

urlpatterns = [
    path("integrations/slack/", views.slack_settings, name="settings"),
    path("integrations/slack/test/", views.test_message, name="test_message"),
    path("slack/me/", views.me, name="me"),
    path("slack/commands/", views.slash_command, name="slash_command"),
]
