"""Slack's rows in the Django admin, to look into (the pages are where they change)."""

from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from slack_app.models import SlackLink, SlackMessage


@admin.register(SlackMessage)
class SlackMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "target", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]


@admin.register(SlackLink)
class SlackLinkAdmin(ReadOnlyAdmin):
    list_display = ["user", "slack_user_id", "dms_enabled", "linked_at"]
