"""Slack's reads for its pages."""

from __future__ import annotations

from accounts.models import User
from slack_app.models import SlackLink, SlackMessage, SlackSettings

RECENT_SHOWN = 25


def recent_messages(*, limit: int = RECENT_SHOWN) -> list[SlackMessage]:
    """The latest messages, newest first, for the admin page. One query."""
    return list(SlackMessage.objects.order_by("-created_at", "-id")[:limit])


def link_of(*, user: User) -> SlackLink | None:
    return SlackLink.objects.filter(user=user).first()


def slack_settings_current() -> SlackSettings:
    """The company's Slack choices; the defaults (no channel) until an admin saved some."""
    return SlackSettings.objects.filter(pk=1).first() or SlackSettings(pk=1)
