from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    """Commitments of the sales budget, the ledger of changes, and the board's cut line."""

    name = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        # Registers the subscribers: notices about commitments, and the cut line's follower.
        from commitments import subscribers  # noqa: F401
