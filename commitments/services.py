"""Writes to what a quarter's sales budget holds: commitments, progress, drops and swaps.

Each checks permission, validates under the quarter's row lock, records the change in the
ledger and publishes an event for whoever should hear of it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import Quarter
from commitments.models import (
    Commitment,
    DropCost,
    DropTerms,
    LedgerEntry,
    ProgressUpdate,
    SwapProposal,
)
from commitments.selectors import budget_figures
from events.kinds import Kind
from events.services import publish
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append, ranking_remove
from feature_requests.status import request_transition

# Every change to what a quarter's budget holds runs in a transaction that first locks the
# quarter's row: two product leaders approving at once are applied one after the other, and
# the second sees the first's commitment when it checks the remaining budget.


def _lock_request(request: FeatureRequest) -> FeatureRequest:
    return (
        FeatureRequest.objects.select_for_update().select_related("submitted_by").get(pk=request.pk)
    )


def _require_ranked_in(request: FeatureRequest, quarter: Quarter, doing: str) -> None:
    if request.status != FeatureRequest.Status.RANKED or request.quarter_id != quarter.pk:
        raise ValidationError(
            f"“{request.title}” is {request.get_status_display().lower()}, not ranked in {quarter.label}, "
            f"so it cannot be {doing}. Reload the page to see where it stands."
        )


def _check_budget(
    *, figures_remaining: int, points: int, title: str, override: bool, override_reason: str
) -> bool:
    """True when the commitment goes over budget (with a valid override); raise when refused."""
    if points <= figures_remaining:
        return False
    if not override:
        raise ValidationError(
            f"Committing “{title}” ({points} point{pluralize(points)}) would leave the remaining budget at "
            f"{figures_remaining - points} point{pluralize(figures_remaining - points)} (now {figures_remaining}). Tick the over-budget "
            "override and give a reason to commit it anyway."
        )
    if not override_reason.strip():
        raise ValidationError({"override_reason": "Give the reason for going over budget."})
    return True


def _commit(
    *,
    actor: User,
    quarter: Quarter,
    request: FeatureRequest,
    remaining: int,
    override: bool,
    override_reason: str,
    swap: SwapProposal | None = None,
) -> Commitment:
    """Commit a ranked, estimated request. Call while holding the quarter's row lock."""
    points = request.estimate_points
    if points is None:
        raise ValidationError(f"“{request.title}” needs an estimate before it can be committed.")
    over_budget = _check_budget(
        figures_remaining=remaining,
        points=points,
        title=request.title,
        override=override,
        override_reason=override_reason,
    )
    commitment = Commitment.objects.create(
        quarter=quarter,
        request=request,
        points=points,
        approved_by=actor,
        over_budget=over_budget,
        override_reason=override_reason.strip() if over_budget else "",
    )
    LedgerEntry.objects.create(
        quarter=quarter,
        kind=LedgerEntry.Kind.COMMIT,
        request=request,
        commitment=commitment,
        swap=swap,
        points=points,
        over_budget=over_budget,
        reason=commitment.override_reason,
        actor=actor,
    )
    ranking_remove(
        request=request,
        actor=actor,
        new_status=FeatureRequest.Status.COMMITTED,
        note="committed",
        status_note=f"{points} point{pluralize(points)} in {quarter.label}",
        payload={
            "commitment_id": commitment.pk,
            "points": points,
            "over_budget": over_budget,
            "override_reason": commitment.override_reason,
            "swap_id": swap.pk if swap else None,
        },
    )
    return commitment


@transaction.atomic
def commitment_approve(
    *,
    actor: User,
    request: FeatureRequest,
    expected_points: int | None = None,
    override: bool = False,
    override_reason: str = "",
) -> Commitment:
    """Commit a ranked request at its estimate, within the quarter's remaining budget.

    `expected_points` is the estimate the product leader saw; if a PM changed it since, the
    approval is refused so that nobody commits a number they did not read.
    """
    require(actor, Action.DECIDE)
    if request.quarter is None:
        raise ValidationError(f"“{request.title}” is not ranked in any quarter.")
    quarter = Quarter.locked(request.quarter.pk)
    request = _lock_request(request)
    _require_ranked_in(request, quarter, "committed")
    if request.estimate_points is None:
        raise ValidationError(f"“{request.title}” needs an estimate before it can be committed.")
    _check_expected_points(request, expected_points)
    remaining = budget_figures(quarter=quarter).remaining
    return _commit(
        actor=actor,
        quarter=quarter,
        request=request,
        remaining=remaining,
        override=override,
        override_reason=override_reason,
    )


@transaction.atomic
def request_decline_by_product(
    *, actor: User, request: FeatureRequest, reason: str
) -> FeatureRequest:
    """Decline a ranked request; the reason is shown to sales."""
    require(actor, Action.DECIDE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give sales the reason for declining."})
    if request.quarter is None:
        raise ValidationError(f"“{request.title}” is not ranked in any quarter.")
    quarter = Quarter.locked(request.quarter.pk)
    request = _lock_request(request)
    _require_ranked_in(request, quarter, "declined")
    request.decline_reason = reason
    request.save(update_fields=["decline_reason", "updated_at"])
    ranking_remove(
        request=request,
        actor=actor,
        new_status=FeatureRequest.Status.DECLINED,
        note="declined",
        status_note=reason,
        payload={"reason": reason},
    )
    return request


@transaction.atomic
def request_defer(*, actor: User, request: FeatureRequest, to_quarter: Quarter) -> int:
    """Move a ranked request to the bottom of a later quarter's ranking; returns its position."""
    require(actor, Action.DECIDE)
    if request.quarter is None:
        raise ValidationError(f"“{request.title}” is not ranked in any quarter.")
    quarter = Quarter.locked(request.quarter.pk)
    request = _lock_request(request)
    _require_ranked_in(request, quarter, "deferred")
    if to_quarter.start <= quarter.end:
        raise ValidationError({"to_quarter": f"Defer to a quarter after {quarter.label}."})
    ranking_remove(
        request=request,
        actor=actor,
        new_status=FeatureRequest.Status.DEFERRED,
        note="deferred",
        status_note=f"to {to_quarter.label}",
        payload={"to_quarter_id": to_quarter.pk, "to_quarter": to_quarter.label},
    )
    return ranking_append(
        quarter=to_quarter,
        request=request,
        actor=actor,
        note=f"deferred from {quarter.label}",
        status_note="at the bottom of {quarter}'s ranking (#{position})",
    )


PROGRESS_STATUSES = (
    FeatureRequest.Status.COMMITTED,
    FeatureRequest.Status.IN_PROGRESS,
    FeatureRequest.Status.SHIPPED,
)
MAX_POINTS_DONE = 10_000


@transaction.atomic
def commitment_progress(
    *, actor: User, commitment: Commitment, status: str, points_done: int
) -> Commitment:
    """Record where a commitment stands: in progress or shipped, and the points done so far."""
    require(actor, Action.UPDATE_PROGRESS)
    commitment = (
        Commitment.objects.select_for_update()
        .select_related("request__submitted_by")
        .get(pk=commitment.pk)
    )
    if commitment.dropped_at is not None:
        raise ValidationError("This commitment was dropped; its progress can no longer change.")
    if status not in PROGRESS_STATUSES:
        raise ValidationError({"status": "Choose committed, in progress or shipped."})
    if (
        not isinstance(points_done, int)
        or isinstance(points_done, bool)
        or not 0 <= points_done <= MAX_POINTS_DONE
    ):
        raise ValidationError(
            {"points_done": f"Points done must be a whole number from 0 to {MAX_POINTS_DONE:,}."}
        )
    if points_done > commitment.points:
        # Sunk points are charged when a commitment is dropped: more done than committed
        # would charge the budget for work nobody agreed to.
        raise ValidationError(
            {
                "points_done": f"Points done cannot exceed the {commitment.points} point{pluralize(commitment.points)} "
                "committed. If the work turned out bigger, ask product for a new commitment."
            }
        )
    request = commitment.request
    previous = request.status
    commitment.points_done = points_done
    commitment.save(update_fields=["points_done"])
    ProgressUpdate.objects.create(
        commitment=commitment, actor=actor, status=status, points_done=points_done
    )
    if status != previous:
        request_transition(
            request=request,
            actor=actor,
            to_status=status,
            note=f"{points_done} of {commitment.points} point{pluralize(commitment.points)} done",
            payload={
                "commitment_id": commitment.pk,
                "points": commitment.points,
                "points_done": points_done,
            },
        )
    return commitment


def _drop(
    *,
    actor: User,
    quarter: Quarter,
    commitment: Commitment,
    reason: str,
    kind: str,
    cost: DropCost,
    swap: SwapProposal | None = None,
) -> LedgerEntry:
    """Drop a live commitment, charging `cost`. Call while holding the quarter's row lock."""
    request = _lock_request(commitment.request)
    commitment.dropped_at = timezone.now()
    commitment.dropped_by = actor
    commitment.save(update_fields=["dropped_at", "dropped_by"])
    entry = LedgerEntry.objects.create(
        quarter=quarter,
        kind=kind,
        request=request,
        commitment=commitment,
        swap=swap,
        points=commitment.points,
        sunk_points=cost.sunk,
        penalty_points=cost.penalty,
        cost=cost.total,
        reason=reason,
        actor=actor,
    )
    request_transition(
        request=request,
        actor=actor,
        to_status=FeatureRequest.Status.DROPPED,
        note=reason,
        payload={
            "quarter": quarter.label,
            "commitment_id": commitment.pk,
            "ledger_entry_id": entry.pk,
            "reason": reason,
            "points": commitment.points,
            "sunk_points": cost.sunk,
            "penalty_points": cost.penalty,
            "cost": cost.total,
            "swap_id": swap.pk if swap else None,
        },
    )
    return entry


def _live_commitment(commitment: Commitment) -> Commitment:
    commitment = (
        Commitment.objects.select_for_update().select_related("quarter").get(pk=commitment.pk)
    )
    if commitment.dropped_at is not None:
        raise ValidationError("This commitment was dropped already.")
    return commitment


def _check_expected_points(request: FeatureRequest, expected_points: int | None) -> None:
    """Nobody commits a number they did not read: refuse if a PM re-estimated meanwhile."""
    if expected_points is not None and expected_points != request.estimate_points:
        raise ValidationError(
            f"The estimate of “{request.title}” changed from {expected_points} to "
            f"{request.estimate_points} point{pluralize(request.estimate_points)} since you opened the page. Check it and approve again."
        )


def _check_expected_cost(cost: int, expected_cost: int | None) -> None:
    if expected_cost is not None and expected_cost != cost:
        raise ValidationError(
            f"The cost changed from {expected_cost} to {cost} point{pluralize(cost)} since you opened the page "
            "(progress was reported, or the planning lock date passed). Check it and confirm again."
        )


@transaction.atomic
def commitment_drop(
    *, actor: User, commitment: Commitment, reason: str, expected_cost: int | None = None
) -> LedgerEntry:
    """Drop a commitment. After the planning lock date it costs sunk points plus the penalty."""
    require(actor, Action.DROP)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for dropping the commitment."})
    quarter = Quarter.locked(commitment.quarter.pk)
    commitment = _live_commitment(commitment)
    cost = DropTerms.load().cost_of(commitment)
    _check_expected_cost(cost.total, expected_cost)
    return _drop(
        actor=actor,
        quarter=quarter,
        commitment=commitment,
        reason=reason,
        kind=LedgerEntry.Kind.DROP,
        cost=cost,
    )


@transaction.atomic
def swap_propose(
    *, actor: User, drop: Commitment, commit: FeatureRequest, reason: str
) -> SwapProposal:
    """A sales leader proposes dropping one commitment for a ranked request of the same quarter."""
    require(actor, Action.PROPOSE_SWAP)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the swap is worth its cost."})
    drop = Commitment.objects.select_related("quarter").get(pk=drop.pk)
    if drop.dropped_at is not None:
        raise ValidationError({"drop": "That commitment was dropped already."})
    commit = FeatureRequest.objects.get(pk=commit.pk)
    _require_ranked_in(commit, drop.quarter, "swapped in")
    if commit.estimate_points is None:
        raise ValidationError(
            {"commit": f"“{commit.title}” needs an estimate before it can be swapped in."}
        )
    if SwapProposal.objects.filter(
        drop=drop, commit=commit, status=SwapProposal.Status.PENDING
    ).exists():
        raise ValidationError("This swap is proposed already and waits for product.")
    swap = SwapProposal.objects.create(
        quarter=drop.quarter, drop=drop, commit=commit, reason=reason, proposed_by=actor
    )
    publish(
        Kind.SWAP_PROPOSED,
        actor=actor,
        quarter_id=swap.quarter_id,
        request_id=commit.pk,
        payload={
            "swap_id": swap.pk,
            "quarter": drop.quarter.label,
            "drop_request_id": drop.request_id,
            "drop_title": drop.request.title,
            "commit_title": commit.title,
            "reason": reason,
        },
    )
    return swap


@transaction.atomic
def swap_approve(
    *,
    actor: User,
    swap: SwapProposal,
    expected_cost: int | None = None,
    expected_points: int | None = None,
    override: bool = False,
    override_reason: str = "",
) -> Commitment:
    """Drop the swap's commitment (with its cost) and commit its request, all or nothing.

    `expected_cost` and `expected_points` are the drop's cost and the incoming request's
    estimate the product leader saw; if either changed since, nothing happens.
    """
    require(actor, Action.DECIDE)
    quarter = Quarter.locked(swap.quarter.pk)
    swap = SwapProposal.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapProposal.Status.PENDING:
        raise ValidationError(f"This swap was {swap.get_status_display().lower()} already.")
    drop = _live_commitment(swap.drop)
    request = _lock_request(swap.commit)
    _require_ranked_in(request, quarter, "swapped in")
    cost = DropTerms.load().cost_of(drop)
    _check_expected_cost(cost.total, expected_cost)
    _check_expected_points(request, expected_points)
    note = f"swapped for “{request.title}”: {swap.reason}"
    _drop(
        actor=actor,
        quarter=quarter,
        commitment=drop,
        reason=note,
        kind=LedgerEntry.Kind.SWAP,
        cost=cost,
        swap=swap,
    )
    commitment = _commit(
        actor=actor,
        quarter=quarter,
        request=request,
        remaining=budget_figures(quarter=quarter).remaining,
        override=override,
        override_reason=override_reason,
        swap=swap,
    )
    swap.status = SwapProposal.Status.APPROVED
    swap.decided_by, swap.decided_at = actor, timezone.now()
    swap.save(update_fields=["status", "decided_by", "decided_at"])
    publish(
        Kind.SWAP_APPROVED,
        actor=actor,
        quarter_id=quarter.pk,
        request_id=request.pk,
        payload={
            "swap_id": swap.pk,
            "quarter": quarter.label,
            "drop_request_id": drop.request_id,
            "drop_title": drop.request.title,
            "commit_title": request.title,
            "commitment_id": commitment.pk,
            "cost": cost.total,
            "proposed_by_id": swap.proposed_by_id,
        },
    )
    return commitment


@transaction.atomic
def swap_reject(*, actor: User, swap: SwapProposal, note: str) -> SwapProposal:
    require(actor, Action.DECIDE)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Tell sales why the swap is rejected."})
    swap = SwapProposal.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapProposal.Status.PENDING:
        raise ValidationError(f"This swap was {swap.get_status_display().lower()} already.")
    swap.status = SwapProposal.Status.REJECTED
    swap.decided_by, swap.decided_at, swap.decision_note = actor, timezone.now(), note
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    publish(
        Kind.SWAP_REJECTED,
        actor=actor,
        quarter_id=swap.quarter_id,
        request_id=swap.commit_id,
        payload={
            "swap_id": swap.pk,
            "commit_title": swap.commit.title,
            "note": note,
            "proposed_by_id": swap.proposed_by_id,
        },
    )
    return swap
