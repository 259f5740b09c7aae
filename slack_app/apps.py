from django.apps import AppConfig


class SlackAppConfig(AppConfig):
    name = "slack_app"
    verbose_name = "Slack"
