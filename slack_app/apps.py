"""The Slack app (slack-sdk): leadership events in a channel, personal DMs for those who opt in,
and the `/forcerank` slash command."""

from django.apps import AppConfig
from django.db.models.signals import post_save


class SlackAppConfig(AppConfig):
    name = "slack_app"
    verbose_name = "Slack"

    def ready(self) -> None:
        # The outbox subscribers (channel posts, DMs), and notices saved one by one.
        from accounts.models import Notification
        from slack_app import subscribers

        post_save.connect(
            subscribers.notification_created,
            sender=Notification,
            dispatch_uid="slack_app.notification_created",
        )
