"""The ranking board's read side: rows in rank order, cumulative points and the cut line.

A constant number of queries whatever the length of the ranking: the rows with their ARR in
one query, the customer names behind them in another, the ranking version in a third, and the
budget: committed points, change costs and the live commitments shown above the ranking.

The board lists thousands of rows, so each row is a plain dict with its display values worked
out once here: templates look up dict keys fastest, and the page costs little more than the
bare table it shows (see `manage.py bench`). Row keys: id, title, note, position, estimate
(None when unestimated), arr, arr_label, customers, criticality, carried_over, cumulative,
proposed, needs_estimate, status_label, css, cut_before (the cut line is drawn above this row).

A move answers with only what it changed (`board_change_for`): the rows between the moved
request's old and new places, whose positions and cumulative points shift, and the cut line,
which can only move within those rows; the rows outside keep their positions and points.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from budgets.models import Quarter
from commitments.models import Commitment
from commitments.selectors import BudgetFigures, budget_figures
from config.db import read_snapshot
from feature_requests.customers import OPEN_STAGES
from feature_requests.filters import requests_filtered
from feature_requests.models import FeatureRequest, RequestDeal
from feature_requests.ranking import ranking_version
from feature_requests.selectors import CRITICALITY_ORDER, TOP_CRITICALITY_RANK

if TYPE_CHECKING:
    from config.forms import RowFailure

# Deal ARR is "at stake" while the deal is open: a lost deal is gone, a won one is banked
# (the budget page's "What the budget won" counts it).
AT_STAKE = Q(deal_links__deal__stage__in=OPEN_STAGES)
# Requests have no separate note from the rep yet: the board shows the start of the problem
# the rep wrote, cut in the database so thousands of long problems never leave it.
NOTE_LENGTH = 120


class BoardRow(TypedDict):
    """One ranked request as the board shows it (see the module docstring)."""

    id: int
    title: str
    note: str
    position: int
    estimate: int | None
    needs_estimate: bool
    arr: int
    arr_label: str
    customers: str
    criticality: str
    carried_over: bool
    # Set by `place_cut_line`, which every board gets before it is returned.
    cumulative: NotRequired[int]
    cut_before: NotRequired[bool]
    proposed: NotRequired[bool]
    status_label: NotRequired[str]
    css: NotRequired[str]
    # Set by the decision queue on the row a refused action came from.
    failure: NotRequired[RowFailure]


class _BudgetReads:
    """The budget figures a board (or a move's answer) shows, read from its `figures`."""

    figures: BudgetFigures

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


@dataclass
class Board(_BudgetReads):
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
    def proposed_points(self) -> int:
        return sum(row["estimate"] or 0 for row in self.above if row["proposed"])

    @property
    def needs_estimate_count(self) -> int:
        # Of the whole ranking (above and below), also when a filter shows only some rows.
        return sum(1 for row in (*self.above, *self.below) if row["needs_estimate"])


def board_for(*, quarter: Quarter, today: dt.date | None = None) -> Board:
    """The quarter's uncommitted ranking with cumulative points and the cut line placed.

    Read as one snapshot: the rows and the ranking version always belong together, so a move
    made from a board that another leader has changed meanwhile is refused as stale (409).
    """
    with read_snapshot():
        return _board(quarter=quarter, today=today)


def board_rows_matching(board: Board, criteria: Mapping[str, Any]) -> tuple[list[BoardRow], bool]:
    """The rows of `board` that the filters `criteria` keep (`RequestFilterForm.criteria`),
    in rank order with their positions and cumulative points on the whole board: a filter
    never changes the ranking. The cut line is drawn above the first kept row below it; the
    flag says whether it falls after every kept row instead. One query (none for "side").
    """
    rows = {"above": board.above, "below": board.below}.get(criteria.get("side", ""), board.rows)
    narrowing = {name: value for name, value in criteria.items() if name not in ("side", "sort")}
    if narrowing:
        kept = set(
            requests_filtered(_ranked(board.quarter), narrowing).values_list("id", flat=True)
        )
        rows = [row for row in rows if row["id"] in kept]
    shown: list[BoardRow] = []
    line_drawn = False
    for row in rows:
        copy = row.copy()
        # Positions count from 1; the line falls before rows[cut_index].
        copy["cut_before"] = not line_drawn and row["position"] > board.cut_index
        line_drawn = line_drawn or copy["cut_before"]
        shown.append(copy)
    return shown, not line_drawn and bool(board.below)


def _ranked(quarter: Quarter) -> QuerySet[FeatureRequest]:
    return FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)


def _rows(requests: QuerySet[FeatureRequest]) -> list[BoardRow]:
    """`requests` as board rows in rank order, numbered from 1; two queries."""
    values = (
        requests.order_by("rank_key")
        .values("id", "title", "estimate_points", "carried_over")
        .annotate(
            arr=Sum("deal_links__deal__amount", filter=AT_STAKE),
            criticality_rank=TOP_CRITICALITY_RANK,
            note=Substr("problem", 1, NOTE_LENGTH + 1),
        )
    )
    customers: dict[int, list[str]] = defaultdict(list)
    links = (
        RequestDeal.objects.filter(request__in=requests)
        .order_by("deal__customer__name")
        .values_list("request_id", "deal__customer__name")
        .distinct()
    )
    for request_id, name in links:
        customers[request_id].append(name)
    rows: list[BoardRow] = []
    for position, value in enumerate(values, start=1):
        arr = value["arr"] or 0
        rank = value["criticality_rank"]
        note = value["note"]
        rows.append(
            {
                "id": value["id"],
                "title": value["title"],
                "note": note if len(note) <= NOTE_LENGTH else note[: NOTE_LENGTH - 1] + "…",
                "position": position,
                "estimate": value["estimate_points"],
                "needs_estimate": value["estimate_points"] is None,
                "arr": arr,
                "arr_label": f"${arr:,}",
                "customers": ", ".join(customers.get(value["id"], ())),
                "criticality": "" if rank is None else CRITICALITY_ORDER[rank].label,
                "carried_over": value["carried_over"],
            }
        )
    return rows


def _board(*, quarter: Quarter, today: dt.date | None) -> Board:
    board = Board(
        quarter=quarter,
        rows=_rows(_ranked(quarter)),
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
        _mark(row, index, board.cut_index)
    board.above = board.rows[: board.cut_index]
    board.below = board.rows[board.cut_index :]


def _mark(row: BoardRow, index: int, cut: int) -> None:
    """Mark the row at 0-based `index` of a ranking whose cut line falls before `cut`."""
    row["cut_before"] = index == cut
    row["proposed"] = index < cut and not row["needs_estimate"]
    if row["proposed"]:
        row["status_label"], row["css"] = "proposed", "board-row is-proposed"
    elif row["needs_estimate"]:
        row["status_label"], row["css"] = "no estimate", "board-row"
    else:
        row["status_label"], row["css"] = "below the line", "board-row"


@dataclass
class BoardChange(_BudgetReads):
    """What one move changed on the board, for the move's answer: `rows` are the rows from
    the moved request's old place to its new one, in their new order, with their new
    positions, points and marks; the rest of the board is as it was. They go right after
    the row `anchor_id` (None: at the top)."""

    quarter: Quarter
    version: int
    figures: BudgetFigures
    rows: list[BoardRow]
    anchor_id: int | None
    proposed_points: int
    needs_estimate_count: int

    @property
    def cut_line_moves(self) -> bool:
        """Whether the cut line is among the changed rows (before and after the move: a move
        changes no cumulative outside them, so the line either stays put outside them or
        falls among them both before and after)."""
        return any(row["cut_before"] for row in self.rows)


def board_change_for(
    *, quarter: Quarter, request_id: int, old_position: int, new_position: int, version: int
) -> BoardChange | None:
    """The board's change from the move of `request_id` from `old_position` to
    `new_position`, which made the ranking `version`; None if the ranking has changed again
    since (the caller then shows the whole board).

    Six queries whatever the board's size or the distance; only the changed rows are read in
    full, the rest of the ranking as ids and estimates for the cumulative points.
    """
    with read_snapshot():
        if ranking_version(quarter) != version:
            return None
        order = list(_ranked(quarter).order_by("rank_key").values_list("id", "estimate_points"))
        if not 1 <= new_position <= len(order) or order[new_position - 1][0] != request_id:
            return None
        figures = budget_figures(quarter=quarter)
        low, high = sorted((old_position, new_position))
        changed_ids = [pk for pk, _ in order[low - 1 : high]]
        rows = _rows(_ranked(quarter).filter(id__in=changed_ids))
    estimates = [estimate for _, estimate in order]
    cut = cut_index(estimates, figures.remaining)
    cumulative = sum(estimate or 0 for estimate in estimates[: low - 1])
    for index, row in enumerate(rows, start=low - 1):
        cumulative += row["estimate"] or 0
        row["position"], row["cumulative"] = index + 1, cumulative
        _mark(row, index, cut)
    return BoardChange(
        quarter=quarter,
        version=version,
        figures=figures,
        rows=rows,
        anchor_id=order[low - 2][0] if low > 1 else None,
        proposed_points=sum(estimate or 0 for estimate in estimates[:cut]),
        needs_estimate_count=sum(1 for estimate in estimates if estimate is None),
    )
