"""What the budget won, in the weekly review: stored in the snapshot, shown on its pages and
exported; reviews taken before it was recorded still show."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import Role
from commitments.services import commitment_approve
from feature_requests.models import Customer, Deal, RequestDeal
from reviews.snapshot import review_build, review_sections
from tests.reviews.conftest import build_snapshot

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Deals waiting on committed requests closed $100,000 won at a 50% win rate; "
    "deals left below the cut line closed $9,000 at 100%."
)


def _group(won_arr, won_count, lost_arr, lost_count, open_arr, open_count, win_rate):
    return {
        "label": "",
        "won_arr": won_arr,
        "won_count": won_count,
        "lost_arr": lost_arr,
        "lost_count": lost_count,
        "open_arr": open_arr,
        "open_count": open_count,
        "win_rate": win_rate,
    }


@pytest.fixture
def won_review(quarter, this_week, make_review):
    """This week's review of the shared snapshot, with what the budget won."""
    data = build_snapshot(quarter, this_week)
    data["revenue"]["won"] = {
        "committed": _group(100_000, 1, 100_000, 1, 70_000, 2, 50),
        "below_line": _group(9_000, 1, 0, 0, 0, 0, 100),
        "dropped": _group(0, 0, 0, 0, 0, 0, None),
        "start": quarter.start.isoformat(),
        "end": quarter.end.isoformat(),
        "current": True,
    }
    return make_review(quarter, this_week, data=data)


def test_the_snapshot_stores_what_the_budget_won(cast, quarter, rank, this_week):
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme")
    committed = rank("Committed", 10)
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=committed)
    below = rank("Below", 40)  # 40 > the 30 points left: below the cut line
    yesterday = timezone.now() - dt.timedelta(days=1)
    for name, amount, stage, request in [
        ("Won", 100_000, "closed_won", committed),
        ("Lost", 100_000, "closed_lost", committed),
        ("Below won", 9_000, "closed_won", below),
    ]:
        deal = Deal.objects.create(
            customer=acme,
            name=name,
            amount=amount,
            stage=stage,
            owner=rep,
            closed_at=yesterday,
        )
        RequestDeal.objects.create(request=request, deal=deal)

    data = review_build(quarter=quarter, week_start=this_week, previous=None)
    stored = json.loads(json.dumps(data))  # what the JSON column gives back
    won = stored["revenue"]["won"]
    assert won["committed"]["won_arr"] == 100_000
    assert won["committed"]["win_rate"] == 50
    assert won["below_line"]["won_count"] == 1
    assert (won["start"], won["current"]) == (quarter.start.isoformat(), True)
    revenue = next(section for section in review_sections(stored) if section.key == "revenue")
    assert revenue.facts["won"]["start"] == quarter.start  # read back as a date


@pytest.mark.parametrize("page", ["review_detail", "review_meeting", "review_print"])
def test_the_review_pages_show_what_the_budget_won(client, cast, won_review, review_url, page):
    client.force_login(cast[Role.SALES_LEADER])
    html = client.get(review_url(page, won_review)).text
    assert 'data-testid="review-revenue-won"' in html
    assert SENTENCE in html
    row = html.split('data-testid="revenue-committed"')[1].split("</tr>")[0]
    assert "$100,000 (1)" in row and "$70,000 (2)" in row and "50%" in row


def test_a_review_taken_before_it_was_recorded_still_shows(client, cast, review, review_url):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    for page in ("review_detail", "review_meeting", "review_print", "review_markdown"):
        response = client.get(review_url(page, review))
        if page == "review_meeting":
            assert response.status_code == 403  # product managers read, the VPs run it
            continue
        assert response.status_code == 200
        assert "What the budget won" not in response.content.decode()


def test_the_markdown_export_has_what_the_budget_won(client, cast, won_review, review_url):
    client.force_login(cast[Role.PRODUCT_LEADER])
    text = client.get(review_url("review_markdown", won_review)).content.decode()
    assert "### What the budget won" in text
    assert SENTENCE in text
    assert "| Committed | $100,000 (1) | $100,000 (1) | 50% | $70,000 (2) |" in text
    assert "| Below the cut line | $9,000 (1) | $0 (0) | 100% | $0 (0) |" in text
    assert "Dropped" not in text.split("### What the budget won")[1].split("##")[0]
