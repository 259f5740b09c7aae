from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    """Commitments of the sales budget, the ledger of changes, and the board's cut line."""

    name = "commitments"
    verbose_name = "Commitments"

    def ready(self) -> None:
        # Registers the subscribers (notices about commitments, the cut line's follower) and
        # how budgets reads what a quarter's budget holds.
        from budgets.spending import register_spent_reader
        from commitments import subscribers  # noqa: F401
        from commitments.selectors import budget_spent

        register_spent_reader(budget_spent)
