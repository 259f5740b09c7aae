"""Who hears when the budget is spent or changed: the head of sales (drops and their cost,
swaps, overrides, capacity or share changes), product leaders (swaps proposed). Notices come
from the event outbox after the change commits; `deliver_events` delivers them here."""

from __future__ import annotations

import pytest

from accounts.models import Notification, Role
from budgets.models import CompanySettings
from budgets.services import quarter_update
from commitments import services
from commitments.models import Commitment
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_of_sales(cast):
    company = CompanySettings.load()
    company.head_of_sales = cast[Role.SALES_LEADER]
    company.save()
    return cast[Role.SALES_LEADER]


@pytest.fixture
def ranked_request(cast, quarter):
    def make(title: str, points: int) -> FeatureRequest:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=points
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        return request

    return make


def news(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


def test_the_head_of_sales_hears_what_a_drop_cost(
    cast, quarter, head_of_sales, ranked_request, deliver_events
):
    product = cast[Role.PRODUCT_LEADER]
    commitment = services.commitment_approve(actor=product, request=ranked_request("SSO", 8))
    Commitment.objects.filter(pk=commitment.pk).update(points_done=4)
    deliver_events()
    Notification.objects.all().delete()

    services.commitment_drop(actor=product, commitment=commitment, reason="Deal lost")
    deliver_events()
    # The quarter's lock date has passed: 4 sunk + 25% of the 4 remaining.
    assert news(head_of_sales) == [
        f"“SSO” was dropped from {quarter.label}; it cost the sales budget 5 points."
    ]
    assert news(cast[Role.SALES_REP]) == [
        f"“SSO” was dropped from {quarter.label}: Deal lost. It cost the sales budget 5 points."
    ]


def test_the_head_of_sales_hears_of_an_over_budget_commitment(
    cast, quarter, head_of_sales, ranked_request, deliver_events
):
    services.commitment_approve(
        actor=cast[Role.PRODUCT_LEADER],
        request=ranked_request("Data residency", 60),
        override=True,
        override_reason="The renewal depends on it",
    )
    deliver_events()
    assert news(head_of_sales) == [
        f"“Data residency” was committed over the budget of {quarter.label} (60 points): "
        "The renewal depends on it"
    ]


def test_a_commitment_within_the_budget_does_not_bother_the_head_of_sales(
    cast, head_of_sales, ranked_request, deliver_events
):
    services.commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=ranked_request("X", 5))
    deliver_events()
    assert not [message for message in news(head_of_sales) if "committed" in message]


def test_a_swap_is_announced_to_product_and_its_approval_to_the_head_of_sales(
    cast, quarter, head_of_sales, ranked_request, deliver_events
):
    product = cast[Role.PRODUCT_LEADER]
    commitment = services.commitment_approve(actor=product, request=ranked_request("Old", 8))
    newer = ranked_request("New", 5)
    deliver_events()
    Notification.objects.all().delete()

    swap = services.swap_propose(
        actor=head_of_sales, drop=commitment, commit=newer, reason="Bigger deal"
    )
    deliver_events()
    assert news(product) == ["A swap waits for your decision: drop “Old” for “New”."]
    assert Notification.objects.get(user=product).url == f"/swaps/{swap.pk}/"

    services.swap_approve(actor=product, swap=swap)
    deliver_events()
    # One notice for the whole swap, not a second one for its drop. The quarter's lock date has
    # passed: dropping "Old" (8 points, none done) costs 25% of 8.
    assert [m for m in news(head_of_sales) if "swap" in m or "dropped" in m] == [
        f"Product approved the swap: “New” in, “Old” out of {quarter.label}, at a cost of 2 points."
    ]


def test_the_head_of_sales_hears_when_capacity_or_share_moves_her_budget(
    cast, quarter, head_of_sales, deliver_events
):
    quarter_update(actor=cast[Role.PRODUCT_LEADER], quarter=quarter, capacity_points=500)
    quarter_update(actor=cast[Role.PRODUCT_LEADER], quarter=quarter, label=quarter.label)
    deliver_events()
    assert news(head_of_sales) == [
        f"The sales budget of {quarter.label} changed by Paula Leader from 40 to 50 points."
    ]


def test_nobody_hears_a_budget_change_without_a_head_of_sales(cast, quarter, deliver_events):
    quarter_update(actor=cast[Role.PRODUCT_LEADER], quarter=quarter, sales_share_percent=20)
    deliver_events()
    assert not Notification.objects.filter(message__contains="sales budget of").exists()
