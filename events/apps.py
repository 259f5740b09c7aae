from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The outbox: what happened, recorded in the writer's transaction, delivered after it.

    The bottom layer above config: every app publishes here, and subscribes here from its own
    `AppConfig.ready`, so a lower app lets a higher one react without ever importing it.
    """

    name = "events"
    verbose_name = "Events"
