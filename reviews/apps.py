from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """The weekly VP Sales / VP Product review."""

    name = "reviews"
    verbose_name = "Weekly reviews"

    def ready(self) -> None:
        from reviews import subscribers  # noqa: F401
