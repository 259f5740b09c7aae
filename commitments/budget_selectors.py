"""Reads behind the budget page and the roadmap: the burn-up by week, the ledger, the roadmap.

Each read costs a constant number of queries whatever the number of commitments, ledger
entries or ranked requests: rows come back in one query per kind and are folded in Python.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from budgets.models import LAST_YEAR, CompanySettings, Quarter
from commitments.models import Commitment, LedgerEntry, ProgressUpdate
from commitments.revenue import RevenueWon, budget_revenue
from commitments.selectors import BudgetFigures, budget_figures
from feature_requests.models import FeatureRequest

# Burn-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurnupWeek:
    """One week of the quarter; `spent` and `done` are None for weeks that have not begun."""

    number: int
    start: dt.date
    end: dt.date  # the week's last day (the quarter's last day for a short final week)
    budget: int
    spent: int | None  # committed points + change costs at the end of the week
    done: int | None  # points done at the end of the week

    @property
    def label(self) -> str:
        return f"W{self.number} {self.start:%b} {self.start.day}"

    @property
    def plotted(self) -> bool:
        return self.spent is not None


def quarter_weeks(quarter: Quarter) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each week, counted from the quarter's first day."""
    weeks = []
    start = quarter.start
    while start <= quarter.end:
        end = min(start + dt.timedelta(days=6), quarter.end)
        weeks.append((start, end))
        start = end + dt.timedelta(days=1)
    return weeks


def burnup_series(
    *,
    quarter: Quarter,
    today: dt.date,
    zone: dt.tzinfo,
    commitments: Iterable[tuple[dt.datetime, dt.datetime | None, int]],
    costs: Iterable[tuple[dt.datetime, int]],
    progress: Iterable[tuple[int, dt.datetime, int]],
) -> list[BurnupWeek]:
    """The burn-up of a quarter by week, from plain rows (no queries).

    - `commitments`: (approved_at, dropped_at or None, points) of every commitment of the
      quarter: a commitment holds its points from approval until it is dropped.
    - `costs`: (at, cost) of every ledger entry: change costs stay spent once charged.
    - `progress`: (commitment id, at, points done) of every progress update; a commitment
      counts its latest update at or before the week's end, dropped or not (its work was done).

    "The end of a week" is midnight after its last day in the company's time zone, so an
    update at 23:30 local time on a Sunday counts in that week wherever the server is.
    Weeks starting after `today` are not plotted: nothing is known about them yet.
    """
    # Each change to the spend is (when, delta); one sweep in time order over all of them.
    spend_changes: list[tuple[dt.datetime, int]] = []
    for approved_at, dropped_at, points in commitments:
        spend_changes.append((approved_at, points))
        if dropped_at is not None:
            spend_changes.append((dropped_at, -points))
    spend_changes.extend((at, cost) for at, cost in costs if cost)
    spend_changes.sort(key=lambda change: change[0])
    updates = sorted(progress, key=lambda update: update[1])

    weeks: list[BurnupWeek] = []
    spent = done = 0
    done_by_commitment: dict[int, int] = {}
    next_change = next_update = 0
    for number, (start, end) in enumerate(quarter_weeks(quarter), start=1):
        if start > today:
            weeks.append(BurnupWeek(number, start, end, quarter.sales_budget, None, None))
            continue
        week_over = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        while next_change < len(spend_changes) and spend_changes[next_change][0] < week_over:
            spent += spend_changes[next_change][1]
            next_change += 1
        while next_update < len(updates) and updates[next_update][1] < week_over:
            commitment_id, _, points_done = updates[next_update]
            done += points_done - done_by_commitment.get(commitment_id, 0)
            done_by_commitment[commitment_id] = points_done
            next_update += 1
        weeks.append(BurnupWeek(number, start, end, quarter.sales_budget, spent, done))
    return weeks


def burnup_for(*, quarter: Quarter, today: dt.date, zone: dt.tzinfo) -> list[BurnupWeek]:
    """The quarter's burn-up by week in three queries: commitments, ledger costs, progress."""
    commitments = Commitment.objects.filter(quarter=quarter).values_list(
        "approved_at", "dropped_at", "points"
    )
    costs = LedgerEntry.objects.filter(quarter=quarter, cost__gt=0).values_list("at", "cost")
    progress = ProgressUpdate.objects.filter(commitment__quarter=quarter).values_list(
        "commitment_id", "at", "points_done"
    )
    return burnup_series(
        quarter=quarter,
        today=today,
        zone=zone,
        commitments=commitments,
        costs=costs,
        progress=progress,
    )


# Ledger ----------------------------------------------------------------------------------


def ledger_entries(*, quarter: Quarter) -> QuerySet[LedgerEntry]:
    """Every ledger entry of the quarter, newest first, with who made it and its request."""
    return (
        LedgerEntry.objects.filter(quarter=quarter)
        .select_related("actor", "request")
        .order_by("-at", "-id")
    )


# The budget page -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPage:
    quarter: Quarter
    today: dt.date
    figures: BudgetFigures
    weeks: list[BurnupWeek]
    ledger: list[LedgerEntry]
    penalty_percent: Decimal
    revenue: RevenueWon

    @property
    def locked(self) -> bool:
        return self.quarter.is_locked(self.today)

    @property
    def used_bar(self) -> int:
        """The used percentage as a bar length out of 100 (an overspent bar stops at full)."""
        return max(0, min(self.figures.used_percent, 100))

    @property
    def elapsed_bar(self) -> int:
        return max(0, min(self.figures.elapsed_percent, 100))

    @property
    def overspent(self) -> int:
        return max(-self.figures.remaining, 0)


def budget_page_for(*, quarter: Quarter) -> BudgetPage:
    """Everything the budget page shows, in eleven queries whatever the size of the quarter
    (four of them for what the budget won)."""
    company = CompanySettings.load()
    today = company.today()
    figures = budget_figures(quarter=quarter, today=today)
    return BudgetPage(
        quarter=quarter,
        today=today,
        figures=figures,
        weeks=burnup_for(quarter=quarter, today=today, zone=company.zone),
        ledger=list(ledger_entries(quarter=quarter)),
        penalty_percent=company.disruption_penalty_percent,
        revenue=budget_revenue(quarter=quarter, remaining=figures.remaining, company=company),
    )


# Roadmap ---------------------------------------------------------------------------------

ROADMAP_QUARTERS = 4
# A roadmap column lists the top of each ranking; the board has the whole of it.
RANKED_SHOWN = 15


class RankedRow(TypedDict):
    """A request at the top of a roadmap column's ranking."""

    id: int
    title: str
    estimate_points: int | None
    quarter_id: int
    position: int
    carried_over: bool


@dataclass
class RoadmapQuarter:
    quarter: Quarter
    is_current: bool
    commitments: list[Commitment] = field(default_factory=list)  # live, shipped ones included
    ranked: list[RankedRow] = field(default_factory=list)
    ranked_count: int = 0
    change_costs: int = 0  # the ledger's costs, as the budget page counts them

    is_placeholder = False

    @property
    def committed_points(self) -> int:
        return sum(commitment.points for commitment in self.commitments)

    @property
    def spent(self) -> int:
        return self.committed_points + self.change_costs

    @property
    def remaining(self) -> int:
        """What the budget page calls remaining: sales budget − committed − change costs."""
        return self.quarter.sales_budget - self.spent

    @property
    def more_ranked(self) -> int:
        return self.ranked_count - len(self.ranked)


@dataclass(frozen=True)
class PlannedQuarter:
    """One of the next four quarters that nobody has created yet: its calendar dates and
    the label it would have, for a product leader to create it from the roadmap."""

    label: str  # "" when a quarter with the calendar label exists already (other dates)
    start: dt.date
    end: dt.date
    is_current: bool

    is_placeholder = True


def _three_months_on(day: dt.date) -> dt.date:
    """The same day three months later (the month's last day when it has fewer days)."""
    month = day.month + 3
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _calendar_quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def planned_quarters(
    quarters: list[Quarter], *, today: dt.date, count: int, labels: set[str]
) -> list[PlannedQuarter]:
    """The `count` quarters that follow the last of `quarters` (or today's calendar quarter
    when none covers today), each three months long, not yet created."""
    start = quarters[-1].end + dt.timedelta(days=1) if quarters else _calendar_quarter_start(today)
    planned = []
    for _ in range(count):
        end = _three_months_on(start) - dt.timedelta(days=1)
        if end.year > LAST_YEAR:
            break
        label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        planned.append(
            PlannedQuarter(
                label="" if label in labels else label,
                start=start,
                end=end,
                is_current=start <= today <= end,
            )
        )
        start = end + dt.timedelta(days=1)
    return planned


def roadmap_for(*, today: dt.date) -> list[RoadmapQuarter | PlannedQuarter]:
    """The next four quarters from the current one, each with its live commitments, what
    changes have cost it and the top of its ranking (five queries however many requests
    there are), then the quarters not yet created, up to four columns in all."""
    quarters = list(Quarter.objects.filter(end__gte=today).order_by("start")[:ROADMAP_QUARTERS])
    columns = {
        quarter.pk: RoadmapQuarter(quarter=quarter, is_current=quarter.start <= today)
        for quarter in quarters
    }
    planned: list[RoadmapQuarter | PlannedQuarter] = []
    if len(quarters) < ROADMAP_QUARTERS:
        labels = set(Quarter.objects.values_list("label", flat=True))
        count = ROADMAP_QUARTERS - len(quarters)
        planned.extend(planned_quarters(quarters, today=today, count=count, labels=labels))
    if not columns:
        return planned
    commitments = (
        Commitment.objects.filter(quarter_id__in=columns, dropped_at__isnull=True)
        .select_related("request")
        .order_by("approved_at", "id")
    )
    for commitment in commitments:
        columns[commitment.quarter_id].commitments.append(commitment)
    costs = (
        LedgerEntry.objects.filter(quarter_id__in=columns)
        .order_by()
        .values("quarter_id")
        .annotate(total=Sum("cost"))
        .values_list("quarter_id", "total")
    )
    for pk, total in costs:
        columns[pk].change_costs = total or 0

    ranked = FeatureRequest.objects.filter(
        quarter_id__in=columns, status=FeatureRequest.Status.RANKED
    )
    top = (
        ranked.annotate(
            position=Window(RowNumber(), partition_by=F("quarter_id"), order_by=F("rank_key").asc())
        )
        .filter(position__lte=RANKED_SHOWN)
        .order_by("quarter_id", "rank_key")
        .values("id", "title", "estimate_points", "quarter_id", "position", "carried_over")
    )
    for row in top:
        columns[row["quarter_id"]].ranked.append(row)
    counts: dict[int, int] = defaultdict(int)
    counts.update(
        ranked.order_by()
        .values("quarter_id")
        .annotate(n=Count("id"))
        .values_list("quarter_id", "n")
    )
    for pk, column in columns.items():
        column.ranked_count = counts[pk]
    return [*columns.values(), *planned]
