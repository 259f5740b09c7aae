"""The ranking board page, its moves over HTTP, history and CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer, Deal, FeatureRequest, RankEvent, RequestDeal
from feature_requests.ranking import ranked, ranking_append, ranking_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(quarter, cast):
    """Quarter budget 40. Estimates 10, 20, none, 15, 5: the line falls before D (10+20+0+15 > 40)."""
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme", segment="enterprise", arr=500_000)
    globex = Customer.objects.create(name="Globex", segment="smb", arr=20_000)
    requests = {}
    for title, estimate in [("A", 10), ("B", 20), ("C", None), ("D", 15), ("E", 5)]:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=rep, estimate_points=estimate
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        requests[title] = request
    won = Deal.objects.create(
        customer=acme, name="Renewal", amount=120_000, stage="negotiation", owner=rep
    )
    lost = Deal.objects.create(
        customer=globex, name="Pilot", amount=9_000, stage="closed_lost", owner=rep
    )
    other = Deal.objects.create(
        customer=globex, name="Expansion", amount=30_000, stage="evaluation", owner=rep
    )
    RequestDeal.objects.create(request=requests["A"], deal=won, criticality="blocker")
    RequestDeal.objects.create(request=requests["A"], deal=lost)
    RequestDeal.objects.create(request=requests["A"], deal=other)
    return requests


def page(client, quarter):
    return client.get(reverse("commitments:board", args=[quarter.label]))


def test_it_shows_the_ranking_with_cumulative_points_and_the_cut_line(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_REP])
    html = page(client, quarter).text
    order = [html.index(f">{title}</a>") for title in "ABCDE"]
    assert order == sorted(order)
    assert html.index("Cut line") > html.index(">C</a>")
    assert html.index("Cut line") < html.index(">D</a>")
    assert "$150,000" in html  # A: 120,000 + 30,000; the lost deal does not count
    assert "Acme, Globex" in html
    assert "needs estimate" in html
    assert 'data-testid="proposed">30 ' in html  # A and B are proposed; C has no estimate


def test_it_shows_no_reorder_controls_to_readers(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_REP])
    html = page(client, quarter).text
    assert "move-button" not in html
    assert "move-form" not in html
    assert "Sortable.min.js" not in html
    client.force_login(cast[Role.SALES_LEADER])
    html = page(client, quarter).text
    assert "move-button" in html
    assert "Sortable.min.js" in html


def post_move(client, quarter, request, after=None, before=None, version=None, htmx=True):
    data = {
        "request": request.pk if hasattr(request, "pk") else request,
        "after": after.pk if after else "",
        "before": before.pk if before else "",
        "version": ranking_version(quarter) if version is None else version,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("commitments:board_move", args=[quarter.label]), data, headers=headers
    )


def titles(quarter):
    return "".join(ranked(quarter).values_list("title", flat=True))


def test_it_moves_and_answers_with_the_updated_board(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    response = post_move(client, quarter, board["E"], after=board["A"], before=board["B"])
    assert response.status_code == 200
    assert titles(quarter) == "AEBCD"
    assert "<html" not in response.text  # only the board, for htmx to swap in
    assert 'id="board"' in response.text
    assert "Moved “E” from position 5 to 2." in response.text
    assert "ranking-moved" in response["HX-Trigger"]
    # The cut line moved: A, E, B, C = 35 points fit; D no longer does.
    assert response.text.index("Cut line") < response.text.index(">D</a>")
    assert 'data-testid="proposed">35 ' in response.text


def test_it_sends_a_stale_move_the_fresh_board_with_a_clear_message(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    stale = ranking_version(quarter)
    post_move(client, quarter, board["E"], before=board["A"])
    response = post_move(client, quarter, board["D"], before=board["A"], version=stale)
    assert response.status_code == 409
    assert "The ranking changed since you loaded it" in response.text
    assert titles(quarter) == "EABCD"
    assert f'name="version" value="{ranking_version(quarter)}"' in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"request": "", "version": "0"}, "Say which request to move."),
        ({"request": "abc", "version": "0"}, "Enter a whole number."),
        ({"request": "999999", "version": None}, "is not in this quarter"),
    ],
)
def test_it_refuses_a_bad_move_with_a_message(client, cast, quarter, board, data, message):
    client.force_login(cast[Role.SALES_LEADER])
    if data["version"] is None:
        data["version"] = ranking_version(quarter)
    response = client.post(
        reverse("commitments:board_move", args=[quarter.label]),
        data,
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert message in response.text
    assert titles(quarter) == "ABCDE"


def test_it_refuses_neighbours_that_are_not_neighbours(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    response = post_move(client, quarter, board["E"], after=board["A"], before=board["C"])
    assert response.status_code == 400
    assert "not neighbours" in response.text
    assert titles(quarter) == "ABCDE"


def test_it_refuses_a_forged_move_from_a_rep(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_REP])
    response = post_move(client, quarter, board["E"], before=board["A"])
    assert response.status_code == 403
    assert titles(quarter) == "ABCDE"
    assert not RankEvent.objects.filter(kind="moved").exists()


def test_it_redirects_a_move_without_javascript(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    response = post_move(client, quarter, board["E"], before=board["A"], htmx=False)
    assert response.status_code == 302
    assert titles(quarter) == "EABCD"


def test_it_lists_the_ranking_history(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    post_move(client, quarter, board["E"], before=board["A"])
    client.force_login(cast[Role.PRODUCT_MANAGER])
    html = client.get(reverse("requests:ranking_history", args=[quarter.label])).text
    assert "moved 5 → 1" in html
    assert "Lee Leader" in html
    assert "added at 1" in html


def test_it_exports_the_ranking_as_csv(client, cast, quarter, board):
    board["B"].title = "=HYPERLINK(evil)"
    board["B"].save()
    client.force_login(cast[Role.PRODUCT_LEADER])
    response = client.get(reverse("commitments:board_export", args=[quarter.label]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["position", "request id", "title"]
    assert [row[2] for row in rows[1:]] == ["A", "'=HYPERLINK(evil)", "C", "D", "E"]
    assert rows[1][4] == "150000"
    assert rows[1][7] == "proposed (above the cut line)"
    assert rows[3][7] == "needs estimate"
    assert rows[4][7] == "below the cut line"


def test_it_redirects_to_the_current_quarters_board(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    response = client.get(reverse("commitments:board_current"))
    assert response.url == reverse("commitments:board", args=[quarter.label])


def test_it_answers_404_for_an_unknown_quarter(client, cast):
    client.force_login(cast[Role.SALES_REP])
    assert client.get(reverse("commitments:board", args=["1999-Q1"])).status_code == 404


def add_ranked(quarter, rep, count):
    from feature_requests.ranking import spread_keys

    customer = Customer.objects.create(name=f"Customer {count}")
    deal = Deal.objects.create(customer=customer, name="Deal", amount=1000, owner=rep)
    start = ranked(quarter).count()
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=f"Bulk {start + i}",
            problem="p",
            submitted_by=rep,
            quarter=quarter,
            status="ranked",
            rank_key="z" + key,
            estimate_points=3,
        )
        for i, key in enumerate(spread_keys(count))
    )
    RequestDeal.objects.bulk_create(RequestDeal(request=request, deal=deal) for request in requests)


@pytest.mark.parametrize("count", [5, 60])
def test_it_shows_the_board_in_constant_queries(
    client, cast, quarter, django_assert_num_queries, count
):
    add_ranked(quarter, cast[Role.SALES_REP], count)
    client.force_login(cast[Role.SALES_LEADER])
    url = reverse("commitments:board", args=[quarter.label])
    # session, user, quarter, quarter list, rows, customers, version, committed points,
    # change costs, live commitments, unread notifications (header)

    with django_assert_num_queries(11):
        response = client.get(url)
    assert response.text.count('class="board-row') == count


def test_it_spends_the_budget_on_commitments_and_moves_the_cut_line(client, cast, quarter, board):
    from commitments.services import commitment_approve

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=board["B"])  # 20 points
    client.force_login(cast[Role.SALES_REP])
    html = page(client, quarter).text
    assert 'data-testid="remaining">20 ' in html  # 40 − 20
    assert "Committed: 1 request holding 20 points" in html
    assert titles(quarter) == "ACDE"
    # A 10, C none, D 15 → 25 > 20: the line now falls before D again, and only A is proposed.
    assert html.index("Cut line") < html.index(">D</a>")
    assert 'data-testid="proposed">10 ' in html


def test_it_tells_product_leaders_when_a_move_lifts_a_request_above_the_line(
    client, cast, quarter, board, deliver_events, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    deliver_events()  # the board as it was set up: A and B are proposed already
    Notification.objects.all().delete()
    client.force_login(cast[Role.SALES_LEADER])
    # E (5 points) moves from below the line to the top: A 5... it is proposed now.
    with django_capture_on_commit_callbacks(execute=True):
        post_move(client, quarter, board["E"], before=board["A"])
    notes = Notification.objects.filter(user=cast[Role.PRODUCT_LEADER])
    assert [n.message for n in notes] == [
        f"“E” crossed above the cut line of {quarter.label} at #1 (5 points): it awaits your decision."
    ]
    # A move that lifts nobody above the line tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        post_move(client, quarter, board["A"], before=board["E"])
    assert notes.count() == 1


def test_it_tells_product_leaders_when_an_estimate_or_a_drop_lifts_requests_above_the_line(
    cast, quarter, board, deliver_events, django_capture_on_commit_callbacks
):
    from accounts.models import Notification
    from commitments.services import commitment_approve, commitment_drop
    from feature_requests.services import request_estimate

    deliver_events()  # the board as it was set up: A and B are proposed already
    notes = Notification.objects.filter(user=cast[Role.PRODUCT_LEADER])
    notes.delete()
    # D (15) sits below the line: A 10 + B 20 + C (no estimate) + D 15 = 45 > 40.
    # B re-estimated at 5 makes room: 10 + 5 + 15 = 30, so D and E (35) fit.
    with django_capture_on_commit_callbacks(execute=True):
        request_estimate(actor=cast[Role.PRODUCT_MANAGER], request=board["B"], points=5)
    assert sorted(n.message.split("”")[0] for n in notes) == ["“D", "“E"]

    # D (15) committed leaves 25; E re-estimated at 20 no longer fits (A 10 + B 5 + E 20 = 35).
    commitment = commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=board["D"])
    request_estimate(actor=cast[Role.PRODUCT_MANAGER], request=board["E"], points=20)
    deliver_events()  # E fell below the line
    notes.delete()
    # Dropping D after the lock date costs 4 (25% of 15, rounded up): 36 left, and E fits again.
    with django_capture_on_commit_callbacks(execute=True):
        commitment_drop(
            actor=cast[Role.PRODUCT_LEADER], commitment=commitment, reason="customer churned"
        )
    assert [n.message.split("”")[0] for n in notes] == ["“E"]
