"""What the budget won: deals behind committed requests against deals left below the cut line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from budgets.models import Quarter
from commitments.models import Commitment
from commitments.revenue import budget_revenue, revenue_sentence
from commitments.services import commitment_approve, commitment_drop, commitment_progress
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return Customer.objects.create(name="Acme", segment="enterprise", arr=1)


@pytest.fixture
def deal(cast, acme):
    """`deal(name, amount, stage, *requests, closed_at=…)`: a deal linked to `requests`;
    a closed one closed yesterday unless `closed_at` says otherwise."""

    def make(name, amount, stage, *requests, closed_at=None):
        if stage.startswith("closed") and closed_at is None:
            closed_at = timezone.now() - dt.timedelta(days=1)
        made = Deal.objects.create(
            customer=acme,
            name=name,
            amount=amount,
            stage=stage,
            owner=cast[Role.SALES_REP],
            closed_at=closed_at,
        )
        for request in requests:
            RequestDeal.objects.create(request=request, deal=made)
        return made

    return make


@pytest.fixture
def budget(cast, quarter, rank):
    """Budget 40: A (10) committed, S (5) committed and shipped, D (4) committed then dropped
    after the lock (cost 1): 24 left. The ranking P (20), B1 (10), B2 (3): the line falls
    between P and B1."""
    product, pm = cast[Role.PRODUCT_LEADER], cast[Role.PRODUCT_MANAGER]
    made = {title: rank(title, points) for title, points in [("A", 10), ("S", 5), ("D", 4)]}
    for title in ("A", "S", "D"):
        commitment_approve(actor=product, request=made[title])
    shipped = Commitment.objects.get(request=made["S"])
    commitment_progress(actor=pm, commitment=shipped, status="shipped", points_done=5)
    dropped = Commitment.objects.get(request=made["D"])
    commitment_drop(actor=product, commitment=dropped, reason="Plans changed")
    for title, points in [("P", 20), ("B1", 10), ("B2", 3)]:
        made[title] = rank(title, points)
    return made


def test_it_adds_up_won_lost_and_open_deals_per_group(budget, deal, quarter):
    a, s, d, p, b1, b2 = (budget[t] for t in ("A", "S", "D", "P", "B1", "B2"))
    deal("Won twice linked", 100_000, "closed_won", a, s)  # counts once
    deal("Won before the quarter", 50_000, "closed_won", a, closed_at=_before(quarter))
    deal("Lost", 30_000, "closed_lost", s)
    deal("Open", 70_000, "negotiation", a)
    deal("In both groups", 20_000, "closed_won", a, b1)  # committed only
    deal("Below won", 9_000, "closed_won", b1)
    deal("Below lost", 8_000, "closed_lost", b2)
    deal("Below lost twice linked", 7_000, "closed_lost", b1, b2)
    deal("Below open", 6_000, "evaluation", b2)
    deal("Proposed, above the line", 1_000_000, "closed_won", p)  # in no group
    deal("Dropped won", 5_000, "closed_won", d)

    won = budget_revenue(quarter=quarter)

    assert won["committed"] | {"label": ""} == {
        "label": "",
        "won_arr": 120_000,
        "won_count": 2,
        "lost_arr": 30_000,
        "lost_count": 1,
        "open_arr": 70_000,
        "open_count": 1,
        "win_rate": 67,
    }
    assert won["below_line"] | {"label": ""} == {
        "label": "",
        "won_arr": 9_000,
        "won_count": 1,
        "lost_arr": 15_000,
        "lost_count": 2,
        "open_arr": 6_000,
        "open_count": 1,
        "win_rate": 33,
    }
    assert (won["dropped"]["won_arr"], won["dropped"]["won_count"]) == (5_000, 1)
    assert (won["start"], won["end"], won["current"]) == (quarter.start, quarter.end, True)
    assert revenue_sentence(won) == (
        "Deals waiting on committed requests closed $120,000 won at a 67% win rate; "
        "deals left below the cut line closed $9,000 at 33%."
    )


def test_it_has_no_win_rate_without_a_closed_deal(budget, deal, quarter):
    deal("Open", 70_000, "negotiation", budget["A"])
    deal("Lost long ago", 1_000, "closed_lost", budget["B1"], closed_at=_before(quarter))
    won = budget_revenue(quarter=quarter)
    assert won["committed"]["win_rate"] is None
    assert won["below_line"]["win_rate"] is None
    assert (won["below_line"]["lost_count"], won["committed"]["open_arr"]) == (0, 70_000)
    assert revenue_sentence(won) == (
        "No deal waiting on a committed request or left below the cut line has closed "
        "this quarter yet."
    )


def test_it_counts_a_past_quarters_deals_closed_within_its_dates(cast, deal, make_user):
    past = Quarter.objects.create(
        label="2020-Q1",
        start=dt.date(2020, 1, 1),
        end=dt.date(2020, 3, 31),
        capacity_points=100,
    )
    request = FeatureRequest.objects.create(
        title="Old", problem="p", submitted_by=cast[Role.SALES_REP], quarter=past, status="shipped"
    )
    Commitment.objects.create(
        quarter=past, request=request, points=5, approved_by=cast[Role.PRODUCT_LEADER]
    )
    utc = dt.UTC
    deal("Within", 10, "closed_won", request, closed_at=dt.datetime(2020, 3, 31, 12, tzinfo=utc))
    deal("After", 20, "closed_won", request, closed_at=dt.datetime(2020, 4, 2, tzinfo=utc))
    deal("Lost after", 40, "closed_lost", request, closed_at=dt.datetime(2020, 5, 2, tzinfo=utc))
    won = budget_revenue(quarter=past)
    assert won["current"] is False
    assert (won["committed"]["won_arr"], won["committed"]["lost_count"]) == (10, 0)
    assert won["committed"]["win_rate"] == 100


@pytest.mark.parametrize("size", [1, 12])
def test_it_reads_the_figures_in_a_constant_number_of_queries(
    budget, deal, quarter, rank, size, django_assert_num_queries
):
    # `size` more requests below the line and committed, each with its own deals.
    for n in range(size):
        below = rank(f"Below {n}", 30)
        deal(f"Below won {n}", 10, "closed_won", below)
        deal(f"Below open {n}", 10, "discovery", below, budget["B1"])
        deal(f"Committed lost {n}", 10, "closed_lost", budget["A"], below)
    with django_assert_num_queries(7):
        won = budget_revenue(quarter=quarter)
    assert won["below_line"]["won_count"] == size
    assert won["committed"]["lost_count"] == size
    assert won["below_line"]["open_count"] == size


def _before(quarter):
    return dt.datetime.combine(quarter.start - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)


# The budget page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_sees_what_the_budget_won_on_the_budget_page(
    client, cast, budget, deal, quarter, role
):
    deal("Won", 100_000, "closed_won", budget["A"])
    deal("Lost", 100_000, "closed_lost", budget["A"])
    deal("Below won", 9_000, "closed_won", budget["B1"])
    client.force_login(cast[role])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    assert "What the budget won" in page
    assert (
        "Deals waiting on committed requests closed $100,000 won at a 50% win rate; "
        "deals left below the cut line closed $9,000 at 100%."
    ) in page
    committed_row = page.split('data-testid="revenue-committed"')[1].split("</tr>")[0]
    assert "$100,000 (1)" in committed_row and "50%" in committed_row
    assert "since the quarter began on" in page
    assert 'data-testid="revenue-dropped"' not in page  # no deal waits on the dropped request


def test_the_budget_page_says_when_no_linked_deal_has_closed(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    assert "No deal waiting on a committed request or left below the cut line has closed" in page
    assert page.count('<span class="visually-hidden">no closed deal</span>') == 2  # the "—"s


def test_the_budget_page_lists_deals_of_dropped_requests_apart(client, cast, budget, deal, quarter):
    deal("Dropped won", 5_000, "closed_won", budget["D"])
    client.force_login(cast[Role.PRODUCT_LEADER])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    dropped_row = page.split('data-testid="revenue-dropped"')[1].split("</tr>")[0]
    assert "$5,000 (1)" in dropped_row


def test_the_budget_page_reads_it_in_four_more_queries(budget, quarter, django_assert_num_queries):
    from commitments.budget_selectors import budget_page_for

    with django_assert_num_queries(11):  # seven for the rest of the page
        page = budget_page_for(quarter=quarter)
    assert page.revenue["committed"]["win_rate"] is None
