"""Signed webhooks (Standard Webhooks): admins register endpoints; every committed event of the
kinds an endpoint chose is delivered to it from the event outbox, with retries and a log."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Subscribes to the outbox: each event of a chosen kind becomes a delivery per endpoint.
        from webhooks import subscribers  # noqa: F401
