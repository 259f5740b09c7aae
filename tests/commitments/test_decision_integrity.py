"""Nothing commits at a number its decider did not see, and progress cannot charge the budget
for more work than was committed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from commitments import services
from commitments.models import Commitment, SwapProposal
from commitments.selectors import budget_figures
from feature_requests.models import FeatureRequest
from feature_requests.services import request_estimate

pytestmark = pytest.mark.django_db


@pytest.fixture
def swap(cast, product, rank):
    """Drop "Old" (8 points, none done) for "Newcomer", estimated at 5 when proposed."""
    commitment = services.commitment_approve(actor=product, request=rank("Old", 8))
    return services.swap_propose(
        actor=cast[Role.SALES_LEADER], drop=commitment, commit=rank("Newcomer", 5), reason="Deal"
    )


def test_a_swap_is_not_approved_at_an_estimate_changed_since_the_page_was_read(
    client, cast, product, quarter, swap
):
    client.force_login(product)
    page = client.get(reverse("commitments:swap_detail", args=[swap.pk])).text
    assert '<input type="hidden" name="expected_points" value="5">' in page
    cost = budget_figures(quarter=quarter)
    request_estimate(actor=cast[Role.PRODUCT_MANAGER], request=swap.commit, points=30)

    response = client.post(
        reverse("commitments:swap_approve", args=[swap.pk]),
        {"expected_cost": "2", "expected_points": "5", "override": "on", "override_reason": "x"},
    )
    assert response.status_code == 400
    assert "The estimate of “Newcomer” changed from 5 to 30 points" in response.text
    swap.refresh_from_db()
    assert swap.status == SwapProposal.Status.PENDING
    assert Commitment.objects.get(dropped_at__isnull=True).request.title == "Old"
    assert budget_figures(quarter=quarter) == cost


def test_a_swap_is_approved_at_the_estimate_that_was_read(client, product, swap):
    client.force_login(product)
    response = client.post(
        reverse("commitments:swap_approve", args=[swap.pk]),
        {"expected_cost": "2", "expected_points": "5"},
    )
    assert response.status_code == 302
    assert Commitment.objects.get(dropped_at__isnull=True).points == 5


def test_the_service_checks_the_swaps_estimate_too(cast, product, swap):
    request_estimate(actor=cast[Role.PRODUCT_MANAGER], request=swap.commit, points=30)
    with pytest.raises(ValidationError, match="changed from 5 to 30 points"):
        services.swap_approve(actor=product, swap=swap, expected_cost=2, expected_points=5)


def test_progress_cannot_report_more_points_done_than_committed(client, cast, product, rank):
    commitment = services.commitment_approve(actor=product, request=rank("Small", 1))
    with pytest.raises(ValidationError, match="cannot exceed the 1 point committed"):
        services.commitment_progress(
            actor=cast[Role.PRODUCT_MANAGER],
            commitment=commitment,
            status=FeatureRequest.Status.IN_PROGRESS,
            points_done=5,
        )
    client.force_login(cast[Role.PRODUCT_MANAGER])
    response = client.post(
        reverse("commitments:commitment_progress", args=[commitment.pk]),
        {"status": "in_progress", "points_done": "5"},
    )
    assert response.status_code == 400
    assert "Points done cannot exceed the 1 point committed" in response.text
    commitment.refresh_from_db()
    assert commitment.points_done == 0
    # So a later drop is charged for work that was committed, and no more.
    assert services.commitment_drop(actor=product, commitment=commitment, reason="r").cost == 1
