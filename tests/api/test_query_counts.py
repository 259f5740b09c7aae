"""The board and every list of the API cost the same number of queries at any length."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from commitments.models import Commitment, LedgerEntry
from feature_requests.models import Customer, Deal, FeatureRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]


def grow(size: int, *, quarter, rank, cast, start: int) -> None:
    """`size` more ranked requests, each with a deal; customers, deals and ledger lines."""
    for number in range(start, start + size):
        customer = Customer.objects.create(name=f"Customer {number}")
        deal = Deal.objects.create(
            customer=customer, name="Deal", amount=100 + number, owner=cast[Role.SALES_REP]
        )
        request = rank(f"Request {number}", number % 5 + 1)
        request.deal_links.create(deal=deal, criticality="important")
        committed = FeatureRequest.objects.create(
            title=f"Committed {number}",
            problem="p",
            submitted_by=cast[Role.SALES_REP],
            quarter=quarter,
            status=FeatureRequest.Status.COMMITTED,
        )
        commitment = Commitment.objects.create(
            quarter=quarter, request=committed, points=1, approved_by=cast[Role.PRODUCT_LEADER]
        )
        LedgerEntry.objects.create(
            quarter=quarter,
            kind="commit",
            request=committed,
            commitment=commitment,
            points=1,
            actor=cast[Role.PRODUCT_LEADER],
        )


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/quarters/{label}/board/",
        "/api/v1/quarters/",
        "/api/v1/quarters/{label}/ledger/",
        "/api/v1/requests/",
        "/api/v1/requests/?customer=customer&sort=arr",
        "/api/v1/commitments/?quarter={label}",
        "/api/v1/customers/",
        "/api/v1/deals/",
        "/api/v1/reviews/",
    ],
)
def test_it_reads_a_constant_number_of_queries(api, cast, quarter, rank, path):
    client = api(Role.ADMIN)
    url = path.format(label=quarter.label)
    grow(3, quarter=quarter, rank=rank, cast=cast, start=0)
    client.get(url)  # the key's last use is written once a minute: not in the counts
    small = queries(client, url)
    grow(30, quarter=quarter, rank=rank, cast=cast, start=3)
    assert queries(client, url) == small


def test_it_shows_the_whole_board_in_few_queries(
    api, cast, quarter, rank, django_assert_num_queries
):
    grow(40, quarter=quarter, rank=rank, cast=cast, start=0)
    client = api(Role.SALES_REP)
    client.get(f"/api/v1/quarters/{quarter.label}/board/")
    # The key; the quarter; the rows, their customers, the version, two budget sums, the
    # commitments; the company's today (for the share of the quarter elapsed).
    with django_assert_num_queries(9):
        board = client.get(f"/api/v1/quarters/{quarter.label}/board/").json()
    assert len(board["rows"]) == 40
    assert len(board["commitments"]) == 40
