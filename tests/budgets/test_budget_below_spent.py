"""A capacity or share change that leaves the sales budget below what the quarter already
holds is not saved silently: the product leader sees the numbers and gives a reason, which
the quarter's history keeps and the head of sales hears."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Notification, Role
from budgets.models import AuditEntry, CompanySettings
from budgets.services import quarter_update
from commitments.services import commitment_approve
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(cast, quarter):
    """30 of the quarter's 40 points committed."""
    request = FeatureRequest.objects.create(
        title="SSO", problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=30
    )
    ranking_append(quarter=quarter, request=request, actor=None)
    return commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)


def edit(client, quarter, **changes):
    data = {
        "label": quarter.label,
        "start": quarter.start.isoformat(),
        "end": quarter.end.isoformat(),
        "capacity_points": quarter.capacity_points,
        "sales_share_percent": quarter.sales_share_percent,
        "planning_lock_date": quarter.planning_lock_date.isoformat(),
        **changes,
    }
    return client.post(reverse("budgets:quarter_edit", args=[quarter.label]), data)


def test_it_shows_the_numbers_and_asks_for_a_reason(client, cast, quarter, committed):
    client.force_login(cast[Role.PRODUCT_LEADER])
    response = edit(client, quarter, sales_share_percent="5")
    assert response.status_code == 400
    assert (
        "This leaves a sales budget of 20 points (now 40), below the 30 points already "
        "committed and charged: the remaining budget would be -10." in response.text
    )
    assert '<textarea name="below_spent_reason"' in response.text
    quarter.refresh_from_db()
    assert quarter.sales_share_percent == 10  # nothing saved


def test_it_saves_with_a_reason_and_keeps_it_in_the_history(
    client, cast, quarter, committed, deliver_events
):
    company = CompanySettings.load()
    company.head_of_sales = cast[Role.SALES_LEADER]
    company.save()
    client.force_login(cast[Role.PRODUCT_LEADER])
    response = edit(
        client, quarter, sales_share_percent="5", below_spent_reason="Platform outage work"
    )
    assert response.status_code == 302
    quarter.refresh_from_db()
    assert quarter.sales_budget == 20
    entry = AuditEntry.objects.get(action=AuditEntry.Action.QUARTER_UPDATED)
    assert entry.reason == "Platform outage work"
    page = client.get(reverse("budgets:quarter_detail", args=[quarter.label])).text
    assert "Reason: Platform outage work" in page
    deliver_events()
    assert Notification.objects.get(user=cast[Role.SALES_LEADER]).message == (
        f"The sales budget of {quarter.label} changed by Paula Leader from 40 to 20 points. "
        "Reason: Platform outage work"
    )


def test_a_change_that_still_covers_what_is_held_needs_no_reason(cast, quarter, committed):
    updated = quarter_update(actor=cast[Role.PRODUCT_LEADER], quarter=quarter, capacity_points=300)
    assert updated.sales_budget == 30  # exactly what is committed
    assert AuditEntry.objects.get(action=AuditEntry.Action.QUARTER_UPDATED).reason == ""


def test_the_service_refuses_without_a_reason(cast, quarter, committed):
    with pytest.raises(ValidationError, match="below the 30 points already committed"):
        quarter_update(actor=cast[Role.PRODUCT_LEADER], quarter=quarter, capacity_points=100)
    quarter.refresh_from_db()
    assert quarter.capacity_points == 400
