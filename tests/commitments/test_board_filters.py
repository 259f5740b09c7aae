"""Filtering the board and the decision queue: the matching rows in their places on the
whole ranking, the cut line where it falls, moves off while rows are hidden."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(quarter, cast):
    """Budget 40. A (Acme, 10), B (Globex, 20), C (Acme, 30), D (no deal, 5): the line falls
    before C (10 + 20 + 30 > 40)."""
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme", segment="enterprise")
    globex = Customer.objects.create(name="Globex", segment="smb")
    acme_deal = Deal.objects.create(customer=acme, name="Renewal", amount=120_000, owner=rep)
    globex_deal = Deal.objects.create(customer=globex, name="Pilot", amount=9_000, owner=rep)
    requests = {}
    for title, estimate, deal in [
        ("A", 10, acme_deal),
        ("B", 20, globex_deal),
        ("C", 30, acme_deal),
        ("D", 5, None),
    ]:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=rep, estimate_points=estimate
        )
        if deal:
            RequestDeal.objects.create(request=request, deal=deal)
        ranking_append(quarter=quarter, request=request, actor=None)
        requests[title] = request
    return requests


def rows(html: str) -> list[tuple[str, str, str]]:
    """(position, title, cumulative) of each board row shown."""
    return re.findall(
        r'<td class="num position">(\d+)</td><td class="title-cell"><a href="/requests/\d+/">'
        r'(\w)</a>.*?<td class="num cumulative">(\d+)</td>',
        html,
    )


def board_page(client, quarter, **query):
    return client.get(reverse("commitments:board", args=[quarter.label]), query)


def test_a_filtered_board_keeps_positions_points_and_the_cut_line(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    html = board_page(client, quarter, customer="acme").text
    assert rows(html) == [("1", "A", "10"), ("3", "C", "60")]
    assert html.index("Cut line") > html.index(">A</a>")
    assert html.index("Cut line") < html.index(">C</a>")
    assert "2 of 4 ranked requests match these filters" in html
    # The figures are the whole ranking's.
    assert re.search(r'data-testid="proposed">30 <small>points', html)


def test_moves_are_off_while_a_filter_hides_rows(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    html = board_page(client, quarter, segment="smb").text
    assert "Moves are off while filters hide rows" in html
    assert 'class="button small move-button"' not in html
    assert 'class="move-form"' not in html
    assert 'data-can-move="false"' in html
    unfiltered = board_page(client, quarter).text
    assert 'class="button small move-button"' in unfiltered
    assert "Moves are off" not in unfiltered
    # Nobody else is told about moves they cannot make anyway.
    client.force_login(cast[Role.SALES_REP])
    assert "Moves are off" not in board_page(client, quarter, segment="smb").text


def test_it_filters_by_side_of_the_cut_line(client, cast, quarter, board):
    client.force_login(cast[Role.PRODUCT_LEADER])
    below = board_page(client, quarter, side="below").text
    assert rows(below) == [("3", "C", "60"), ("4", "D", "65")]
    above = board_page(client, quarter, side="above").text
    assert rows(above) == [("1", "A", "10"), ("2", "B", "30")]
    assert "Cut line — no request below it matches the filters" in above
    assert 'id="cut-line"' in above  # "Skip to the cut line" still leads somewhere


def test_a_board_filter_that_matches_nothing_says_so(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    html = board_page(client, quarter, customer="Initech").text
    assert f"No ranked request of {quarter.label} matches these filters." in html


def test_htmx_gets_the_board_alone(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(
        reverse("commitments:board", args=[quarter.label]),
        {"customer": "acme"},
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith('<div id="board"')
    assert "HX-Request" in response["Vary"]
    assert rows(response.text) == [("1", "A", "10"), ("3", "C", "60")]


@pytest.mark.parametrize("count", [5, 60])
def test_a_filtered_board_costs_constant_queries(
    client, cast, quarter, board, count, django_assert_num_queries
):
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.get(name="Acme")
    deal = Deal.objects.create(customer=acme, name="More", amount=1, owner=rep)
    for n in range(count):
        request = FeatureRequest.objects.create(title=f"R{n}", problem="p", submitted_by=rep)
        RequestDeal.objects.create(request=request, deal=deal)
        ranking_append(quarter=quarter, request=request, actor=None)
    client.force_login(cast[Role.SALES_LEADER])
    # The unfiltered board's 14 and the ids the filters keep.
    with django_assert_num_queries(15):
        response = board_page(client, quarter, customer="acme")
    assert f"{count + 2} of {count + 4} ranked requests" in response.text


def test_the_decision_queue_filters_and_pages_the_rest(client, cast, quarter, board):
    client.force_login(cast[Role.PRODUCT_LEADER])
    url = reverse("commitments:decision_queue")
    html = client.get(url, {"customer": "acme"}).text
    assert 'id="request-{}"'.format(board["A"].pk) in html
    assert 'id="request-{}"'.format(board["C"].pk) in html
    assert 'id="request-{}"'.format(board["B"].pk) not in html
    assert "2 ranked requests match these filters" in html

    rep = cast[Role.SALES_REP]
    for n in range(60):
        request = FeatureRequest.objects.create(
            title=f"Later {n}", problem="p", submitted_by=rep, estimate_points=50
        )
        ranking_append(quarter=quarter, request=request, actor=None)
    first = client.get(url).text
    assert 'The rest of the ranking <span class="meta">(62)</span>' in first
    assert first.count('class="decision-item') == 2 + 50  # A and B proposed, 50 of the rest
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2, "quarter": quarter.label}).text
    assert second.count('class="decision-item') == 2 + 12
    assert 'start="51"' in second
