"""The commitment services: approval within the budget, drops and their cost, swaps, progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification, Role
from budgets.models import Quarter
from budgets.selectors import company_today
from commitments import services
from commitments.models import Commitment, LedgerEntry, ProgressUpdate, SwapProposal
from commitments.selectors import budget_figures
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranked

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status


@pytest.fixture
def unlocked(quarter):
    """Move the planning lock date after today: changes are still free."""
    quarter.planning_lock_date = company_today() + dt.timedelta(days=5)
    quarter.save()
    return quarter


def remaining(quarter) -> int:
    return budget_figures(quarter=quarter).remaining


def messages_of(error: ValidationError) -> str:
    return " ".join(error.value.messages)


# --- approval --------------------------------------------------------------------------------


def test_it_commits_a_ranked_request_within_the_budget(
    product, quarter, rank, cast, deliver_events
):
    request = rank("Bulk export", 10)
    commitment = services.commitment_approve(actor=product, request=request, expected_points=10)
    request.refresh_from_db()
    assert request.status == Status.COMMITTED
    assert request not in ranked(quarter)
    assert (commitment.points, commitment.over_budget, commitment.approved_by) == (
        10,
        False,
        product,
    )
    assert remaining(quarter) == 30
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.points, entry.cost) == ("commit", 10, 0)
    deliver_events()
    assert Notification.objects.filter(
        user=cast[Role.SALES_REP], message__contains="committed"
    ).exists()


def test_it_refuses_to_go_over_budget_and_says_by_how_much(product, quarter, rank):
    services.commitment_approve(actor=product, request=rank("Big", 30))
    second = rank("Second", 20)
    with pytest.raises(ValidationError) as error:
        services.commitment_approve(actor=product, request=second, expected_points=20)
    text = messages_of(error)
    assert "(20 points)" in text and "-10 points" in text and "now 10" in text
    second.refresh_from_db()
    assert second.status == Status.RANKED
    assert Commitment.objects.count() == 1
    assert remaining(quarter) == 10


def test_it_needs_a_reason_for_the_over_budget_override(product, quarter, rank):
    request = rank("Too big", 50)
    with pytest.raises(ValidationError) as error:
        services.commitment_approve(actor=product, request=request, override=True)
    assert error.value.message_dict == {
        "override_reason": ["Give the reason for going over budget."]
    }
    assert not Commitment.objects.exists()

    commitment = services.commitment_approve(
        actor=product, request=request, override=True, override_reason="  Board promise  "
    )
    assert commitment.over_budget and commitment.override_reason == "Board promise"
    assert LedgerEntry.objects.get().over_budget
    assert remaining(quarter) == -10


def test_it_refuses_an_approval_made_on_a_stale_estimate(product, rank):
    request = rank("Re-estimated", 8)
    FeatureRequest.objects.filter(pk=request.pk).update(estimate_points=13)
    request.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.commitment_approve(actor=product, request=request, expected_points=8)
    assert "changed from 8 to 13 points" in messages_of(error)
    assert not Commitment.objects.exists()


def test_it_refuses_unestimated_and_already_decided_requests(product, rank):
    unestimated = rank("No estimate", None)
    with pytest.raises(ValidationError, match="needs an estimate"):
        services.commitment_approve(actor=product, request=unestimated)

    done = rank("Done", 5)
    services.commitment_approve(actor=product, request=done)
    with pytest.raises(ValidationError, match="is committed, not ranked"):
        services.commitment_approve(actor=product, request=done)

    declined = rank("Declined", 5)
    services.request_decline_by_product(actor=product, request=declined, reason="No fit")
    with pytest.raises(ValidationError, match="is declined, not ranked"):
        services.commitment_approve(actor=product, request=declined)
    assert Commitment.objects.count() == 1


@pytest.mark.parametrize("role", [Role.SALES_LEADER, Role.SALES_REP, Role.PRODUCT_MANAGER])
def test_it_lets_only_product_leaders_approve(cast, rank, role):
    with pytest.raises(PermissionDenied):
        services.commitment_approve(actor=cast[role], request=rank("Wanted", 5))
    assert not Commitment.objects.exists()


def test_it_needs_a_reason_to_decline(product, rank):
    request = rank("Maybe", 5)
    with pytest.raises(ValidationError) as error:
        services.request_decline_by_product(actor=product, request=request, reason="   ")
    assert "reason" in error.value.message_dict
    request.refresh_from_db()
    assert request.status == Status.RANKED


def test_it_defers_only_to_a_later_quarter(product, quarter, rank):
    later = Quarter.objects.create(
        label="2099-Q1",
        start=quarter.end + dt.timedelta(days=1),
        end=quarter.end + dt.timedelta(days=90),
        capacity_points=100,
    )
    rank("Already there", 3, into=later)
    request = rank("Later", 5)
    with pytest.raises(ValidationError) as error:
        services.request_defer(actor=product, request=request, to_quarter=quarter)
    assert "to_quarter" in error.value.message_dict

    position = services.request_defer(actor=product, request=request, to_quarter=later)
    request.refresh_from_db()
    assert (position, request.quarter, request.status) == (2, later, Status.RANKED)
    assert list(ranked(later)) == [FeatureRequest.objects.get(title="Already there"), request]


# --- drops -----------------------------------------------------------------------------------


def test_it_drops_for_free_before_the_planning_lock_date(product, unlocked, rank):
    commitment = services.commitment_approve(actor=product, request=rank("Early", 8))
    Commitment.objects.filter(pk=commitment.pk).update(points_done=4)
    commitment.refresh_from_db()
    entry = services.commitment_drop(
        actor=product, commitment=commitment, reason="Plans changed", expected_cost=0
    )
    assert (entry.kind, entry.cost, entry.sunk_points, entry.penalty_points) == ("drop", 0, 0, 0)
    assert remaining(unlocked) == 40


def test_it_charges_sunk_points_and_the_penalty_after_the_lock_date(
    product, quarter, rank, cast, deliver_events
):
    # The quarter fixture started 20 days ago, so its lock date (start + 14) has passed.
    request = rank("Late", 8)
    commitment = services.commitment_approve(actor=product, request=request)
    services.commitment_progress(
        actor=cast[Role.PRODUCT_MANAGER],
        commitment=commitment,
        status=Status.IN_PROGRESS,
        points_done=4,
    )
    assert remaining(quarter) == 32
    # 4 points done, plus 25% of the 4 remaining: 4 + 1 = 5.
    entry = services.commitment_drop(
        actor=product, commitment=commitment, reason="Deal lost", expected_cost=5
    )
    assert (entry.sunk_points, entry.penalty_points, entry.cost) == (4, 1, 5)
    figures = budget_figures(quarter=quarter)
    assert (figures.committed, figures.change_costs, figures.remaining) == (0, 5, 35)
    commitment.refresh_from_db()
    request.refresh_from_db()
    assert commitment.dropped_at is not None and commitment.dropped_by == product
    assert request.status == Status.DROPPED
    deliver_events()
    assert Notification.objects.filter(
        user=cast[Role.SALES_REP], message__contains="cost the sales budget 5 points"
    ).exists()


def test_it_refuses_a_drop_confirmed_at_a_stale_cost(product, quarter, rank):
    commitment = services.commitment_approve(actor=product, request=rank("Late", 8))
    with pytest.raises(ValidationError, match="changed from 0 to 2 points"):
        services.commitment_drop(
            actor=product, commitment=commitment, reason="Why not", expected_cost=0
        )
    commitment.refresh_from_db()
    assert commitment.dropped_at is None
    assert remaining(quarter) == 32


def test_it_needs_a_reason_and_a_product_leader_to_drop(product, rank, cast):
    commitment = services.commitment_approve(actor=product, request=rank("Kept", 8))
    with pytest.raises(ValidationError) as error:
        services.commitment_drop(actor=product, commitment=commitment, reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.commitment_drop(
            actor=cast[Role.SALES_LEADER], commitment=commitment, reason="Mine now"
        )
    commitment.refresh_from_db()
    assert commitment.dropped_at is None


# --- swaps -----------------------------------------------------------------------------------


def test_it_applies_a_swap_all_or_nothing(product, quarter, rank, cast):
    """Drop 8 (cost 2 after the lock date), commit 40: 40 - 0 - 2 = 38 left, so 40 needs the
    override. Refused without it, nothing at all happens; with it, both happen."""
    old = services.commitment_approve(actor=product, request=rank("Old", 8))
    new = rank("New", 40)
    swap = services.swap_propose(
        actor=cast[Role.SALES_LEADER], drop=old, commit=new, reason="Bigger deal"
    )
    with pytest.raises(ValidationError, match="Tick the over-budget override"):
        services.swap_approve(actor=product, swap=swap, expected_cost=2)
    old.refresh_from_db()
    new.refresh_from_db()
    swap.refresh_from_db()
    assert old.dropped_at is None and new.status == Status.RANKED
    assert swap.status == SwapProposal.Status.PENDING
    assert LedgerEntry.objects.count() == 1  # the original commitment only
    assert remaining(quarter) == 32

    commitment = services.swap_approve(
        actor=product, swap=swap, expected_cost=2, override=True, override_reason="CEO call"
    )
    old.refresh_from_db()
    swap.refresh_from_db()
    assert old.dropped_at is not None and commitment.request == new and commitment.over_budget
    assert (swap.status, swap.decided_by) == (SwapProposal.Status.APPROVED, product)
    drop_entry = LedgerEntry.objects.get(kind="swap", commitment=old)
    assert (drop_entry.cost, drop_entry.swap) == (2, swap)
    assert remaining(quarter) == 40 - 40 - 2


def test_it_refuses_a_swap_at_a_stale_cost_or_twice(product, rank, cast):
    old = services.commitment_approve(actor=product, request=rank("Old", 8))
    swap = services.swap_propose(
        actor=cast[Role.SALES_LEADER], drop=old, commit=rank("New", 4), reason="Better"
    )
    with pytest.raises(ValidationError, match="changed from 0 to 2"):
        services.swap_approve(actor=product, swap=swap, expected_cost=0)
    services.swap_reject(actor=product, swap=swap, note="Not now")
    with pytest.raises(ValidationError, match="rejected already"):
        services.swap_approve(actor=product, swap=swap, expected_cost=2)
    old.refresh_from_db()
    assert old.dropped_at is None


# --- progress --------------------------------------------------------------------------------


def test_it_records_progress_and_tells_the_rep_when_shipped(
    product, pm, rank, cast, deliver_events
):
    commitment = services.commitment_approve(actor=product, request=rank("Ship it", 8))
    services.commitment_progress(
        actor=pm, commitment=commitment, status=Status.IN_PROGRESS, points_done=3
    )
    services.commitment_progress(
        actor=pm, commitment=commitment, status=Status.SHIPPED, points_done=8
    )
    commitment.refresh_from_db()
    assert commitment.points_done == 8
    assert commitment.request.status == Status.SHIPPED
    assert list(ProgressUpdate.objects.values_list("status", "points_done")) == [
        ("in_progress", 3),
        ("shipped", 8),
    ]
    deliver_events()
    assert Notification.objects.filter(
        user=cast[Role.SALES_REP], message__contains="has shipped"
    ).exists()


@pytest.mark.parametrize(
    ("status", "points_done", "field"),
    [
        ("dropped", 1, "status"),
        ("ranked", 1, "status"),
        ("in_progress", -1, "points_done"),
        ("in_progress", 10_001, "points_done"),
        ("in_progress", True, "points_done"),
        ("in_progress", "3", "points_done"),
    ],
)
def test_it_refuses_bad_progress(product, pm, rank, status, points_done, field):
    commitment = services.commitment_approve(actor=product, request=rank("Work", 8))
    with pytest.raises(ValidationError) as error:
        services.commitment_progress(
            actor=pm, commitment=commitment, status=status, points_done=points_done
        )
    assert field in error.value.message_dict
    commitment.refresh_from_db()
    assert commitment.points_done == 0 and commitment.request.status == Status.COMMITTED
    assert not ProgressUpdate.objects.exists()


def test_it_refuses_progress_on_a_dropped_commitment_and_from_other_roles(product, pm, rank):
    commitment = services.commitment_approve(actor=product, request=rank("Gone", 8))
    with pytest.raises(PermissionDenied):
        services.commitment_progress(
            actor=product, commitment=commitment, status=Status.IN_PROGRESS, points_done=1
        )
    services.commitment_drop(actor=product, commitment=commitment, reason="Gone")
    with pytest.raises(ValidationError, match="was dropped"):
        services.commitment_progress(
            actor=pm, commitment=commitment, status=Status.IN_PROGRESS, points_done=1
        )
    assert not ProgressUpdate.objects.exists()
