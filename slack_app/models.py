"""What Slack is told: the company's choice of channel, each person's link to their Slack
user, and every message posted (or still to post), so nothing is posted twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Notification
from events.kinds import Kind
from events.models import Event

# The leadership events a channel can get, in the order the admin page offers them.
CHANNEL_KINDS: list[tuple[str, str]] = [
    (Kind.CUT_LINE_CROSSED, "a request crosses above the cut line"),
    (Kind.COMMITMENT_APPROVED, "a request is committed"),
    (Kind.COMMITMENT_DROPPED, "a commitment is dropped, with what it cost"),
    (Kind.REVIEW_READY, "the weekly review is ready, with its agenda"),
]


def _all_channel_kinds() -> list[str]:
    return [kind for kind, _ in CHANNEL_KINDS]


class SlackSettings(models.Model):
    """The one row of the company's Slack choices (pk 1). The bot token and the signing
    secret are not here: they come from the environment, never the database."""

    channel_id = models.CharField(max_length=40, blank=True)
    channel_name = models.CharField(max_length=100, blank=True)
    kinds = models.JSONField(default=_all_channel_kinds, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Slack settings"
        verbose_name_plural = "Slack settings"

    def __str__(self) -> str:
        return f"Slack: #{self.channel_name}" if self.channel_id else "Slack: no channel"

    @classmethod
    def load(cls) -> SlackSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


class SlackLink(models.Model):
    """A Forcerank user's Slack user, found by their e-mail, and whether they want DMs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slack_link"
    )
    slack_user_id = models.CharField(max_length=40)
    dms_enabled = models.BooleanField(default=False)
    # Only notices made after this go by DM: turning DMs on does not replay the inbox.
    dms_enabled_at = models.DateTimeField(null=True, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.slack_user_id}"


class SlackMessage(models.Model):
    """One message for Slack: a channel post of an event, a DM of a notification, or an
    admin's test message. Unique per source and target, so a redelivered event or a
    notification seen twice is posted once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    target = models.CharField(max_length=40, help_text="A channel id, or a Slack user id (DM).")
    kind = models.CharField(max_length=64)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    blocks = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    ts = models.CharField(max_length=40, blank=True, help_text="Slack's id of the posted message.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "target"], name="slack_event_posted_once_per_target"
            ),
            models.UniqueConstraint(
                fields=["notification", "target"], name="slack_notification_sent_once_per_target"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="slack_messages_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.target} ({self.status})"
