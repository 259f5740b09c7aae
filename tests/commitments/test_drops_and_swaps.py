"""Dropping a commitment (with its cost) and swaps: proposed by sales, decided by product."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.selectors import company_today
from commitments import services
from commitments.models import Commitment, LedgerEntry, SwapProposal
from commitments.selectors import budget_figures
from feature_requests.models import FeatureRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]
Status = FeatureRequest.Status
SWAP_NEW = reverse("commitments:swap_create")
NOT_PRODUCT = [Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_MANAGER]
NOT_SALES_LEADERS = [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER]


@pytest.fixture
def sales_leader(cast):
    return cast[Role.SALES_LEADER]


@pytest.fixture
def half_done(rank, product):
    """An 8-point commitment with 4 done. The quarter's lock date has passed: dropping it
    costs 4 sunk + 25% of the 4 remaining = 5."""
    commitment = services.commitment_approve(actor=product, request=rank("Half done", 8))
    Commitment.objects.filter(pk=commitment.pk).update(points_done=4)
    commitment.refresh_from_db()
    return commitment


@pytest.fixture
def swap(half_done, rank, sales_leader):
    return services.swap_propose(
        actor=sales_leader, drop=half_done, commit=rank("Newcomer", 10), reason="Bigger deal"
    )


def drop_url(commitment: Commitment) -> str:
    return reverse("commitments:commitment_drop", args=[commitment.pk])


def swap_url(swap: SwapProposal, action: str = "") -> str:
    return reverse(f"commitments:swap_{action or 'detail'}", args=[swap.pk])


# --- drop ------------------------------------------------------------------------------------


def test_it_shows_the_drop_cost_and_the_budget_after_it(client, product, quarter, half_done):
    client.force_login(product)
    html = client.get(drop_url(half_done)).text
    assert "(passed)" in html
    assert "<strong>4</strong> sunk + <strong>1</strong> penalty" in html
    assert 'data-testid="drop-cost">5<' in html
    assert "Remaining budget now</dt><dd>32 " in html
    assert 'data-testid="remaining-after">35<' in html  # 32 + 8 - 5
    assert 'name="expected_cost" value="5"' in html


def test_it_shows_a_drop_before_the_lock_date_as_free(client, product, quarter, half_done):
    quarter.planning_lock_date = company_today() + dt.timedelta(days=3)
    quarter.save()
    client.force_login(product)
    html = client.get(drop_url(half_done)).text
    assert "(not yet)" in html and "dropping it is free" in html
    assert 'data-testid="remaining-after">40<' in html


def test_it_drops_and_states_the_cost(client, product, quarter, half_done):
    client.force_login(product)
    response = client.post(drop_url(half_done), {"reason": "Deal lost", "expected_cost": "5"})
    assert response.status_code == 302
    assert response.url == f"{reverse('commitments:commitment_list')}?quarter={quarter.label}"
    html = client.get(response.url).text
    assert "“Half done” dropped. It cost the sales budget 5 points (4 sunk + 1 penalty)" in html
    half_done.refresh_from_db()
    assert half_done.dropped_at is not None
    assert budget_figures(quarter=quarter).remaining == 35


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "expected_cost": "5"}, "Give the reason for dropping the commitment."),
        ({"reason": "Lost", "expected_cost": "4"}, "The cost changed from 4 to 5 points"),
        ({"reason": "Lost", "expected_cost": "abc"}, "The page did not say which cost you saw"),
        ({"reason": "Lost"}, "The page did not say which cost you saw"),
    ],
)
def test_it_refuses_a_bad_drop(client, product, quarter, half_done, data, message):
    client.force_login(product)
    response = client.post(drop_url(half_done), data)
    assert response.status_code == 400
    assert "“Half done” was not dropped" in response.text and message in response.text
    assert 'name="expected_cost" value="5"' in response.text  # the fresh cost, to confirm again
    half_done.refresh_from_db()
    assert half_done.dropped_at is None
    assert not LedgerEntry.objects.exclude(kind="commit").exists()


def test_it_refuses_to_drop_twice(client, product, half_done):
    services.commitment_drop(actor=product, commitment=half_done, reason="Once")
    client.force_login(product)
    assert "was dropped on" in client.get(drop_url(half_done)).text
    response = client.post(drop_url(half_done), {"reason": "Twice", "expected_cost": "5"})
    assert response.status_code == 400 and "dropped already" in response.text
    assert LedgerEntry.objects.filter(kind="drop").count() == 1


@pytest.mark.parametrize("role", NOT_PRODUCT)
def test_it_lets_only_product_leaders_drop(client, cast, half_done, role):
    client.force_login(cast[role])
    assert client.get(drop_url(half_done)).status_code == 403
    response = client.post(drop_url(half_done), {"reason": "Forged", "expected_cost": "5"})
    assert response.status_code == 403 and "Only product leaders drop" in response.text
    half_done.refresh_from_db()
    assert half_done.dropped_at is None


def test_it_404s_an_unknown_commitment(client, product):
    client.force_login(product)
    assert client.get(reverse("commitments:commitment_drop", args=[999_999])).status_code == 404


# --- propose a swap --------------------------------------------------------------------------


def test_it_offers_live_commitments_with_their_cost_and_ranked_estimated_requests(
    client, sales_leader, quarter, half_done, rank
):
    rank("Candidate", 6)
    rank("Unestimated", None)
    client.force_login(sales_leader)
    html = client.get(SWAP_NEW).text
    assert "Half done — 8 points, 4 done; dropping costs 5 points now" in html
    assert "Candidate — 6 points" in html
    assert "Unestimated" not in html
    assert 'data-testid="remaining">32<' in html


def test_it_proposes_a_swap(client, sales_leader, quarter, half_done, rank):
    candidate = rank("Candidate", 6)
    client.force_login(sales_leader)
    response = client.post(
        f"{SWAP_NEW}?quarter={quarter.label}",
        {"drop": half_done.pk, "commit": candidate.pk, "reason": "Closes this month"},
    )
    swap = SwapProposal.objects.get()
    assert response.status_code == 302 and response.url == swap_url(swap)
    assert (swap.drop, swap.commit, swap.proposed_by) == (half_done, candidate, sales_leader)
    assert swap.status == SwapProposal.Status.PENDING
    assert "Swap proposed" in client.get(response.url).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "  ", "Say why the swap is worth its cost."),
        ("drop", "999999", "Choose one of the live commitments in the list."),
        ("drop", "abc", "Choose one of the live commitments in the list."),
        ("commit", "", "Choose the request to commit instead."),
        ("commit", "unestimated", "Choose one of the ranked, estimated requests in the list."),
    ],
)
def test_it_refuses_a_bad_swap_proposal(
    client, sales_leader, quarter, half_done, rank, field, value, message
):
    candidate = rank("Candidate", 6)
    unestimated = rank("Unestimated", None)
    data = {"drop": half_done.pk, "commit": candidate.pk, "reason": "Why"}
    data[field] = unestimated.pk if value == "unestimated" else value
    client.force_login(sales_leader)
    response = client.post(SWAP_NEW, data)
    assert response.status_code == 400
    assert message in response.text
    assert not SwapProposal.objects.exists()


def test_it_refuses_the_same_swap_twice(client, sales_leader, swap):
    client.force_login(sales_leader)
    response = client.post(
        SWAP_NEW, {"drop": swap.drop_id, "commit": swap.commit_id, "reason": "Again"}
    )
    assert response.status_code == 400
    assert "proposed already" in response.text
    assert SwapProposal.objects.count() == 1


@pytest.mark.parametrize("role", NOT_SALES_LEADERS)
def test_it_lets_only_sales_leaders_propose_swaps(client, cast, half_done, rank, role):
    candidate = rank("Candidate", 6)
    client.force_login(cast[role])
    assert client.get(SWAP_NEW).status_code == 403
    response = client.post(
        SWAP_NEW, {"drop": half_done.pk, "commit": candidate.pk, "reason": "Forged"}
    )
    assert response.status_code == 403 and "Only sales leaders propose swaps" in response.text
    assert not SwapProposal.objects.exists()


# --- decide a swap ---------------------------------------------------------------------------


def test_it_shows_a_swap_with_its_cost_and_the_budget_after_it(client, product, swap):
    client.force_login(product)
    html = client.get(swap_url(swap)).text
    assert ">Half done</a>" in html and ">Newcomer</a>" in html and "Bigger deal" in html
    assert 'data-testid="drop-cost">5<' in html
    assert "Remaining now</dt><dd>32 " in html
    assert "After the drop</dt><dd>35 " in html  # 32 + 8 - 5
    assert 'data-testid="remaining-after">25<' in html  # 35 - 10
    assert 'name="expected_cost" value="5"' in html
    assert swap_url(swap, "reject") in html


@pytest.mark.parametrize("role", [*NOT_PRODUCT, Role.ADMIN])
def test_it_shows_a_swap_to_everyone_but_the_forms_to_product_only(client, cast, swap, role):
    client.force_login(cast[role])
    response = client.get(swap_url(swap))
    assert response.status_code == 200
    assert (swap_url(swap, "approve") in response.text) is (role == Role.ADMIN)


def test_it_approves_a_swap(client, product, quarter, swap, half_done):
    client.force_login(product)
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": "5", "expected_points": "10"}
    )
    assert response.status_code == 302 and response.url == swap_url(swap)
    html = client.get(response.url).text
    assert "Swap approved: “Half done” dropped at a cost of 5 points" in html
    assert 'data-testid="swap-status">Approved<' in html
    swap.refresh_from_db()
    half_done.refresh_from_db()
    assert swap.status == SwapProposal.Status.APPROVED and half_done.dropped_at is not None
    assert Commitment.objects.get(dropped_at__isnull=True).request == swap.commit
    assert budget_figures(quarter=quarter).remaining == 40 - 10 - 5


def test_it_refuses_a_swap_that_needs_the_override_without_a_reason(
    client, product, quarter, half_done, rank, sales_leader
):
    big = rank("Big", 40)  # 35 left after the drop: 40 needs the override
    swap = services.swap_propose(actor=sales_leader, drop=half_done, commit=big, reason="Big")
    client.force_login(product)
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": "5", "expected_points": "40"}
    )
    assert response.status_code == 400
    assert "would leave the remaining budget at -5 points (now 35)" in response.text
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": "5", "expected_points": "40", "override": "on"}
    )
    assert response.status_code == 400
    assert "Give the reason for going over budget." in response.text
    assert 'field-invalid">' in response.text  # next to the override reason
    swap.refresh_from_db()
    half_done.refresh_from_db()
    big.refresh_from_db()
    assert swap.status == SwapProposal.Status.PENDING
    assert half_done.dropped_at is None and big.status == Status.RANKED
    assert budget_figures(quarter=quarter).remaining == 32


@pytest.mark.parametrize("expected_cost", ["4", "", "x"])
def test_it_refuses_a_swap_approved_at_another_cost(
    client, product, swap, half_done, expected_cost
):
    client.force_login(product)
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": expected_cost, "expected_points": "10"}
    )
    assert response.status_code == 400
    assert "The swap was not approved" in response.text
    half_done.refresh_from_db()
    assert half_done.dropped_at is None


def test_it_rejects_a_swap_with_a_note(client, product, swap, half_done):
    client.force_login(product)
    response = client.post(swap_url(swap, "reject"), {"note": "   "})
    assert response.status_code == 400
    assert "Tell sales why the swap is rejected." in response.text
    response = client.post(swap_url(swap, "reject"), {"note": "Not this quarter"})
    assert response.status_code == 302
    assert "Swap rejected; Lee Leader sees your note." in client.get(response.url).text
    swap.refresh_from_db()
    assert (swap.status, swap.decision_note) == (SwapProposal.Status.REJECTED, "Not this quarter")
    half_done.refresh_from_db()
    assert half_done.dropped_at is None
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": "5", "expected_points": "10"}
    )
    assert response.status_code == 400 and "rejected already" in response.text


@pytest.mark.parametrize("role", NOT_PRODUCT)
def test_it_refuses_forged_swap_decisions_from_other_roles(client, cast, swap, half_done, role):
    client.force_login(cast[role])
    for action, data in [("approve", {"expected_cost": "5"}), ("reject", {"note": "No"})]:
        response = client.post(swap_url(swap, action), data)
        assert response.status_code == 403, action
    swap.refresh_from_db()
    half_done.refresh_from_db()
    assert swap.status == SwapProposal.Status.PENDING and half_done.dropped_at is None


def test_it_404s_an_unknown_swap(client, product):
    client.force_login(product)
    assert client.get(reverse("commitments:swap_detail", args=[999_999])).status_code == 404
    response = client.post(
        reverse("commitments:swap_approve", args=[999_999]), {"expected_cost": 0}
    )
    assert response.status_code == 404


def test_it_offers_no_approval_once_the_swapped_in_request_is_decided(client, product, swap):
    services.commitment_approve(actor=product, request=swap.commit)
    client.force_login(product)
    html = client.get(swap_url(swap)).text
    assert "can no longer be approved as proposed" in html
    assert swap_url(swap, "approve") not in html
    assert swap_url(swap, "reject") in html
    response = client.post(
        swap_url(swap, "approve"), {"expected_cost": "5", "expected_points": "10"}
    )
    assert response.status_code == 400 and "is committed, not ranked" in response.text
    assert SwapProposal.objects.get().status == SwapProposal.Status.PENDING


def test_the_proposer_of_a_rejected_swap_is_sent_to_a_page_they_may_open(
    client, product, swap, half_done, cast, deliver_events
):
    from accounts.models import Notification

    client.force_login(product)
    client.post(swap_url(swap, "reject"), {"note": "Not this quarter"})
    deliver_events()
    notice = Notification.objects.get(user=swap.proposed_by, message__contains="rejected the swap")
    assert notice.url == reverse("commitments:swap_detail", args=[swap.pk])
    client.force_login(swap.proposed_by)
    assert client.get(notice.url).status_code == 200  # the decision queue would be a 403
