from django.apps import AppConfig


class FeatureRequestsConfig(AppConfig):
    """Customers, deals, feature requests and their ranking.

    The package is not called `requests`: a top-level package of that name would shadow the
    PyPI `requests` library for every process started from the project root. URLs and the
    UI still say "requests".
    """

    name = "feature_requests"
    verbose_name = "Requests"

    def ready(self) -> None:
        # Registers the object permission rules, the subscribers that turn request events
        # into notices, and what a person holds here (the People page's open items).
        from feature_requests import people, permissions, subscribers  # noqa: F401
