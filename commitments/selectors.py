"""The budget figures of a quarter: what its commitments and changes have spent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from budgets.models import Quarter
from budgets.selectors import company_today
from commitments.models import Commitment, LedgerEntry

# Budget figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetFigures:
    quarter: Quarter
    sales_budget: int
    committed: int
    change_costs: int
    today: dt.date | None = None

    @property
    def elapsed_percent(self) -> int:
        # Read the company's date only where the figure is shown (approvals never need it).
        return self.quarter.elapsed_percent(self.today or company_today())

    @property
    def remaining(self) -> int:
        """Sales budget − committed points − change costs."""
        return self.sales_budget - self.committed - self.change_costs

    @property
    def used_percent(self) -> int:
        if self.sales_budget <= 0:
            return 0 if self.committed + self.change_costs == 0 else 100
        return round(100 * (self.committed + self.change_costs) / self.sales_budget)


def budget_figures(*, quarter: Quarter, today: dt.date | None = None) -> BudgetFigures:
    """The quarter's spend in two queries: live commitments' points and the ledger's costs."""
    committed = Commitment.objects.filter(quarter=quarter, dropped_at__isnull=True).aggregate(
        total=Sum("points")
    )["total"]
    costs = LedgerEntry.objects.filter(quarter=quarter).aggregate(total=Sum("cost"))["total"]
    return BudgetFigures(
        quarter=quarter,
        sales_budget=quarter.sales_budget,
        committed=committed or 0,
        change_costs=costs or 0,
        today=today,
    )


def budget_spent(quarter: Quarter) -> int:
    """What the quarter's sales budget already holds: live commitments and change costs.
    Registered with budgets.spending, which asks it before a budget is lowered."""
    figures = budget_figures(quarter=quarter)
    return figures.committed + figures.change_costs
