"""Reads for the decision pages: the decision queue, commitments, drops and swaps.

Each page costs a constant number of queries whatever its length. The drop cost of a
commitment depends on the company's today and disruption penalty; both come from one read of
the company settings (`commitments.models.DropTerms`), never one per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery

from budgets.models import Quarter
from budgets.selectors import quarter_current, quarter_list
from commitments.board import BoardRow, board_for, board_rows_matching
from commitments.models import Commitment, DropCost, DropTerms, LedgerEntry, SwapProposal
from commitments.selectors import BudgetFigures, budget_figures
from feature_requests.models import FeatureRequest

DROP_KINDS = (LedgerEntry.Kind.DROP, LedgerEntry.Kind.SWAP)


def quarter_for_page(*, label: str | None, today: dt.date) -> Quarter | None:
    """The quarter named in `?quarter=`, else the current one, else the latest; None if none.

    Raises Quarter.DoesNotExist for a label that names no quarter (the view's 404).
    """
    if label:
        return Quarter.objects.get(label=label)
    return quarter_current(today=today) or quarter_list().first()


# The decision queue ------------------------------------------------------------------------


@dataclass
class DecisionQueue:
    quarter: Quarter
    figures: BudgetFigures
    proposed: list[BoardRow]  # board rows above the cut line, estimated: awaiting approval
    others: list[BoardRow]  # the rest of the ranking: below the line or without an estimate
    later_quarters: list[Quarter]  # where a request may be deferred to
    pending_swaps: list[SwapProposal]  # each with `.cost`, its drop's cost today
    locked: bool


def decision_queue_for(
    *, quarter: Quarter, terms: DropTerms, criteria: Mapping[str, Any] | None = None
) -> DecisionQueue:
    """The ranking of `quarter` split at the cut line, and the swaps waiting for product.

    `criteria` (`RequestFilterForm.criteria`) keeps only the matching requests; the split and
    the figures are still those of the whole ranking.
    """
    board = board_for(quarter=quarter, today=terms.today)
    rows = board_rows_matching(board, criteria)[0] if criteria else board.rows
    swaps = list(
        SwapProposal.objects.filter(quarter=quarter, status=SwapProposal.Status.PENDING)
        .select_related("drop__quarter", "drop__request", "commit", "proposed_by")
        .order_by("proposed_at", "id")
    )
    for swap in swaps:
        swap.cost = terms.cost_of(swap.drop)
    return DecisionQueue(
        quarter=quarter,
        figures=board.figures,
        proposed=[row for row in rows if row["proposed"]],
        others=[row for row in rows if not row["proposed"]],
        later_quarters=list(Quarter.objects.filter(start__gt=quarter.end).order_by("start")),
        pending_swaps=swaps,
        locked=quarter.is_locked(terms.today),
    )


# Commitments -------------------------------------------------------------------------------


@dataclass
class CommitmentPage:
    quarter: Quarter
    figures: BudgetFigures
    live: list[Commitment]  # each with `.cost`, what dropping it would cost today
    dropped: list[Commitment]  # each with `.drop_cost_points` and `.drop_reason` from the ledger
    locked: bool


def commitment_page(*, quarter: Quarter, terms: DropTerms) -> CommitmentPage:
    live = list(
        Commitment.objects.filter(quarter=quarter, dropped_at__isnull=True)
        .select_related("quarter", "request", "approved_by")
        .order_by("approved_at", "id")
    )
    for commitment in live:
        commitment.cost = terms.cost_of(commitment)
    drop_entry = LedgerEntry.objects.filter(
        commitment=OuterRef("pk"), kind__in=DROP_KINDS
    ).order_by("-at", "-id")
    dropped = (
        Commitment.objects.filter(quarter=quarter, dropped_at__isnull=False)
        .select_related("request", "dropped_by")
        .annotate(
            drop_cost_points=Subquery(drop_entry.values("cost")[:1]),
            drop_reason=Subquery(drop_entry.values("reason")[:1]),
        )
        .order_by("dropped_at", "id")
    )
    return CommitmentPage(
        quarter=quarter,
        figures=budget_figures(quarter=quarter, today=terms.today),
        live=live,
        dropped=list(dropped),
        locked=quarter.is_locked(terms.today),
    )


def commitment_for_page(*, pk: int) -> Commitment:
    """Raises Commitment.DoesNotExist (the view's 404)."""
    return Commitment.objects.select_related("quarter", "request", "approved_by").get(pk=pk)


@dataclass(frozen=True)
class DropPreview:
    commitment: Commitment
    cost: DropCost
    figures: BudgetFigures
    penalty_percent: Decimal

    @property
    def remaining_after(self) -> int:
        """The commitment's points come back to the budget; its cost is charged."""
        return self.figures.remaining + self.commitment.points - self.cost.total


def drop_preview(*, commitment: Commitment, terms: DropTerms) -> DropPreview:
    return DropPreview(
        commitment=commitment,
        cost=terms.cost_of(commitment),
        figures=budget_figures(quarter=commitment.quarter, today=terms.today),
        penalty_percent=terms.penalty_percent,
    )


# Swaps -------------------------------------------------------------------------------------


def swap_candidates(
    *, quarter: Quarter, terms: DropTerms
) -> tuple[list[Commitment], list[FeatureRequest]]:
    """What a swap may drop (live commitments, each with `.cost`) and commit instead (ranked,
    estimated requests of the same quarter, in rank order)."""
    drops = list(
        Commitment.objects.filter(quarter=quarter, dropped_at__isnull=True)
        .select_related("quarter", "request")
        .order_by("approved_at", "id")
    )
    for commitment in drops:
        commitment.cost = terms.cost_of(commitment)
    commits = FeatureRequest.objects.filter(
        quarter=quarter, status=FeatureRequest.Status.RANKED, estimate_points__isnull=False
    ).order_by("rank_key")
    return drops, list(commits)


def swap_for_page(*, pk: int) -> SwapProposal:
    """Raises SwapProposal.DoesNotExist (the view's 404)."""
    return SwapProposal.objects.select_related(
        "quarter", "drop__quarter", "drop__request", "commit", "proposed_by", "decided_by"
    ).get(pk=pk)


@dataclass(frozen=True)
class SwapPreview:
    swap: SwapProposal
    cost: DropCost
    figures: BudgetFigures
    penalty_percent: Decimal

    @property
    def remaining_after_drop(self) -> int:
        return self.figures.remaining + self.swap.drop.points - self.cost.total

    @property
    def commit_points(self) -> int:
        return self.swap.commit.estimate_points or 0

    @property
    def remaining_after_commit(self) -> int:
        return self.remaining_after_drop - self.commit_points

    @property
    def needs_override(self) -> bool:
        return self.remaining_after_commit < 0

    @property
    def still_possible(self) -> bool:
        """Whether approving can still work: the drop is live and the request still ranked."""
        commit = self.swap.commit
        return (
            self.swap.drop.dropped_at is None
            and commit.status == FeatureRequest.Status.RANKED
            and commit.quarter_id == self.swap.quarter_id
            and commit.estimate_points is not None
        )


def swap_preview(*, swap: SwapProposal, terms: DropTerms) -> SwapPreview:
    return SwapPreview(
        swap=swap,
        cost=terms.cost_of(swap.drop),
        figures=budget_figures(quarter=swap.quarter, today=terms.today),
        penalty_percent=terms.penalty_percent,
    )
