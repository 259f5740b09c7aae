"""Reads about quarters and budgets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from budgets.models import AuditEntry, Commitment, CompanySettings, LedgerEntry, Quarter


def company_today() -> dt.date:
    """Today's date in the company's time zone (not the server's)."""
    return CompanySettings.load().today()


def quarter_current(*, today: dt.date | None = None) -> Quarter | None:
    """The quarter that contains `today`, or None between quarters."""
    today = today or company_today()
    return Quarter.objects.filter(start__lte=today, end__gte=today).first()


def quarter_next(*, after: dt.date) -> Quarter | None:
    return Quarter.objects.filter(start__gt=after).order_by("start").first()


def quarter_list() -> QuerySet[Quarter]:
    return Quarter.objects.order_by("-start")


def quarter_history(*, quarter: Quarter) -> QuerySet[AuditEntry]:
    return quarter.audit_entries.select_related("actor")


def settings_history(*, limit: int = 20) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action=AuditEntry.Action.SETTINGS_UPDATED).select_related(
        "actor"
    )[:limit]


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
