"""The ranking board's read side: rows in rank order, cumulative points and the cut line.

A constant number of queries whatever the length of the ranking: the rows with their ARR in
one query, the customer names behind them in another, the ranking version in a third, and the
budget: committed points, change costs and the live commitments shown above the ranking.

The board lists thousands of rows, so each row is a plain dict with its display values worked
out once here: templates look up dict keys fastest, and the page costs little more than the
bare table it shows (see `manage.py bench`). Row keys: id, title, position, estimate (None
when unestimated), arr, arr_label, customers, carried_over, cumulative, proposed,
needs_estimate, status_label, css, cut_before (the cut line is drawn above this row).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NotRequired, TypedDict

from django.db.models import Q, Sum

from budgets.models import Quarter
from commitments.models import Commitment
from commitments.selectors import BudgetFigures, budget_figures
from config.db import read_snapshot
from feature_requests.models import Deal, FeatureRequest, RequestDeal
from feature_requests.ranking import ranking_version

if TYPE_CHECKING:
    from config.forms import RowFailure

# Deal ARR counts as "at stake" unless the deal is already lost.
AT_STAKE = ~Q(deal_links__deal__stage=Deal.Stage.CLOSED_LOST)


class BoardRow(TypedDict):
    """One ranked request as the board shows it (see the module docstring)."""

    id: int
    title: str
    position: int
    estimate: int | None
    needs_estimate: bool
    arr: int
    arr_label: str
    customers: str
    carried_over: bool
    # Set by `place_cut_line`, which every board gets before it is returned.
    cumulative: NotRequired[int]
    cut_before: NotRequired[bool]
    proposed: NotRequired[bool]
    status_label: NotRequired[str]
    css: NotRequired[str]
    # Set by the decision queue on the row a refused action came from.
    failure: NotRequired[RowFailure]


@dataclass
class Board:
    quarter: Quarter
    rows: list[BoardRow]
    version: int
    figures: BudgetFigures
    # Live commitments, holding their points.
    commitments: list[Commitment] = field(default_factory=list)
    cut_index: int = 0  # the line falls before rows[cut_index]
    above: list[BoardRow] = field(default_factory=list)
    below: list[BoardRow] = field(default_factory=list)

    @property
    def sales_budget(self) -> int:
        return self.figures.sales_budget

    @property
    def committed_points(self) -> int:
        return self.figures.committed

    @property
    def change_costs(self) -> int:
        return self.figures.change_costs

    @property
    def remaining(self) -> int:
        """Sales budget − committed points − change costs."""
        return self.figures.remaining

    @property
    def proposed_points(self) -> int:
        return sum(row["estimate"] or 0 for row in self.above if row["proposed"])

    @property
    def needs_estimate_count(self) -> int:
        return sum(1 for row in self.rows if row["needs_estimate"])


def board_for(*, quarter: Quarter, today: dt.date | None = None) -> Board:
    """The quarter's uncommitted ranking with cumulative points and the cut line placed.

    Read as one snapshot: the rows and the ranking version always belong together, so a move
    made from a board that another leader has changed meanwhile is refused as stale (409).
    """
    with read_snapshot():
        return _board(quarter=quarter, today=today)


def _board(*, quarter: Quarter, today: dt.date | None) -> Board:
    ranked = FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)
    values = (
        ranked.order_by("rank_key")
        .values("id", "title", "estimate_points", "carried_over")
        .annotate(arr=Sum("deal_links__deal__amount", filter=AT_STAKE))
    )
    customers: dict[int, list[str]] = defaultdict(list)
    links = (
        RequestDeal.objects.filter(request__in=ranked)
        .order_by("deal__customer__name")
        .values_list("request_id", "deal__customer__name")
        .distinct()
    )
    for request_id, name in links:
        customers[request_id].append(name)
    rows: list[BoardRow] = []
    for position, value in enumerate(values, start=1):
        arr = value["arr"] or 0
        rows.append(
            {
                "id": value["id"],
                "title": value["title"],
                "position": position,
                "estimate": value["estimate_points"],
                "needs_estimate": value["estimate_points"] is None,
                "arr": arr,
                "arr_label": f"${arr:,}",
                "customers": ", ".join(customers.get(value["id"], ())),
                "carried_over": value["carried_over"],
            }
        )
    board = Board(
        quarter=quarter,
        rows=rows,
        version=ranking_version(quarter),
        figures=budget_figures(quarter=quarter, today=today),
        commitments=list(
            Commitment.objects.filter(quarter=quarter, dropped_at__isnull=True)
            .select_related("request")
            .order_by("approved_at", "id")
        ),
    )
    place_cut_line(board)
    return board


def cut_index(estimates: Sequence[int | None], remaining: int) -> int:
    """Where the cut line falls in a ranking with these estimates (top first): before the
    first request whose cumulative estimate exceeds the remaining budget. Unestimated
    requests count nothing. len(estimates) when everything fits."""
    cumulative = 0
    for index, estimate in enumerate(estimates):
        cumulative += estimate or 0
        if cumulative > remaining:
            return index
    return len(estimates)


def place_cut_line(board: Board) -> None:
    """Place the cut line (`cut_index`) and mark the rows: estimated requests above it are
    proposed; unestimated ones are flagged as needing an estimate."""
    cumulative = 0
    for row in board.rows:
        cumulative += row["estimate"] or 0
        row["cumulative"] = cumulative
    board.cut_index = cut_index([row["estimate"] for row in board.rows], board.remaining)
    for index, row in enumerate(board.rows):
        above = index < board.cut_index
        row["cut_before"] = index == board.cut_index
        row["proposed"] = above and not row["needs_estimate"]
        if row["proposed"]:
            row["status_label"], row["css"] = "proposed", "board-row is-proposed"
        elif row["needs_estimate"]:
            row["status_label"], row["css"] = "no estimate", "board-row"
        else:
            row["status_label"], row["css"] = "below the line", "board-row"
    board.above = board.rows[: board.cut_index]
    board.below = board.rows[board.cut_index :]
