"""A request's page says where it stands in its quarter's ranking and which side of the cut
line it is on, as the board shows it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append, ranking_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranking(quarter, cast):
    """Budget 40. Estimates 10, 20, none, 15, 5: the line falls before D (10+20+0+15 > 40)."""
    requests = {}
    for title, estimate in [("A", 10), ("B", 20), ("C", None), ("D", 15), ("E", 5)]:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=estimate
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        requests[title] = request
    return requests


def place_text(client, request) -> str:
    html = client.get(reverse("requests:request_detail", args=[request.pk])).text
    found = re.search(r'data-testid="ranking-place">(.*?)</dd>', html, re.S)
    assert found, "the page names no place in the ranking"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_it_shows_the_position_and_the_side_of_the_cut_line(client, cast, quarter, ranking):
    client.force_login(cast[Role.SALES_REP])
    assert place_text(client, ranking["B"]).startswith("#2 of 5, above the cut line")
    assert "(30 of 40 points)" in place_text(client, ranking["B"])
    assert place_text(client, ranking["C"]).startswith(
        "#3 of 5, above the cut line (it needs an estimate to be proposed)"
    )
    assert place_text(client, ranking["D"]).startswith("#4 of 5, below the cut line")
    assert "over the remaining budget" in place_text(client, ranking["D"])
    assert place_text(client, ranking["E"]).startswith("#5 of 5, below the cut line")


def test_it_links_the_place_to_the_row_on_the_board(client, cast, quarter, ranking):
    client.force_login(cast[Role.SALES_REP])
    html = client.get(reverse("requests:request_detail", args=[ranking["D"].pk])).text
    board = reverse("commitments:board", args=[quarter.label])
    assert f'href="{board}#row-{ranking["D"].pk}"' in html


def test_it_follows_the_budget_already_spent(cast, quarter, ranking):
    from commitments.services import commitment_approve

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=ranking["B"])  # 20 of 40
    ranking["A"].refresh_from_db()
    place = ranking_place(request=ranking["A"])
    assert place is not None
    assert (place.position, place.count, place.remaining) == (1, 4, 20)
    assert place.above_cut_line and place.proposed
    ranking["D"].refresh_from_db()
    place = ranking_place(request=ranking["D"])
    assert place is not None
    assert not place.above_cut_line  # A 10 + C 0 + D 15 = 25 > 20


def test_it_names_no_place_for_a_request_that_is_not_ranked(client, cast, quarter):
    request = FeatureRequest.objects.create(
        title="Fresh", problem="p", submitted_by=cast[Role.SALES_REP]
    )
    assert ranking_place(request=request) is None
    client.force_login(cast[Role.SALES_REP])
    html = client.get(reverse("requests:request_detail", args=[request.pk])).text
    assert 'data-testid="ranking-place"' not in html


def test_it_finds_the_place_in_bounded_queries(cast, quarter, ranking, django_assert_num_queries):
    request = FeatureRequest.objects.select_related("quarter").get(pk=ranking["D"].pk)
    # Position and points, then the committed points and change costs.
    with django_assert_num_queries(3):
        ranking_place(request=request)
