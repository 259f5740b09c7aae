"""The ranking board page, its moves over HTTP, history and CSV export."""

from __future__ import annotations

import csv
import io
import re

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
    signed = Deal.objects.create(
        customer=acme, name="Signed", amount=50_000, stage="closed_won", owner=rep
    )
    RequestDeal.objects.create(request=requests["A"], deal=signed)
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
    # A: 120,000 + 30,000 of open deals; the lost deal and the won one are no longer at stake
    assert "$150,000" in html
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
        "after": getattr(after, "pk", after) or "",
        "before": getattr(before, "pk", before) or "",
        "version": ranking_version(quarter) if version is None else version,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("commitments:board_move", args=[quarter.label]), data, headers=headers
    )


def titles(quarter):
    return "".join(ranked(quarter).values_list("title", flat=True))


def swapped_rows(html: str) -> list[str]:
    """The rows a move's answer puts back, in order, as the board's ids ("row-<pk>"), with
    "cut-line" where it draws the cut line."""
    inserted = html[html.index("<tbody hx-swap-oob") :]
    return re.findall(r'<tr (?:class="cut-line" )?id="([\w-]+)"', inserted)


def deleted_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="([\w-]+)" hx-swap-oob="delete">', html)


def test_it_moves_and_answers_with_only_what_changed(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    response = post_move(client, quarter, board["E"], after=board["A"], before=board["B"])
    assert response.status_code == 200
    assert titles(quarter) == "AEBCD"
    assert "<html" not in response.text
    assert 'id="board"' not in response.text  # not the whole board: A did not change
    assert response["HX-Retarget"] == "#board-message"
    assert "Moved “E” from position 5 to 2." in response.text
    assert "ranking-moved" in response["HX-Trigger"]
    # E, B, C and D shifted; they go back in their new order after A, the cut line with them.
    e, b, c, d = (f"row-{board[title].pk}" for title in "EBCD")
    assert 'hx-swap-oob="afterend:#row-{}"'.format(board["A"].pk) in response.text
    assert sorted(deleted_rows(response.text)) == sorted([e, b, c, d, "cut-line"])
    # The cut line moved: A, E, B, C = 35 points fit; D no longer does.
    assert swapped_rows(response.text) == [e, b, c, "cut-line", d]
    assert 'data-testid="proposed">35 ' in response.text
    assert 'id="board-figures" class="figures" hx-swap-oob="true"' in response.text
    version = ranking_version(quarter)
    assert f'id="board-version" value="{version}" hx-swap-oob="true"' in response.text


def test_it_moves_the_cut_line_across_a_move_in_both_directions(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    # D (15) to the top: D 15, A 25, B 45 > 40 — the line now falls before B.
    response = post_move(client, quarter, board["D"], before=board["A"])
    assert titles(quarter) == "DABCE"
    assert "afterbegin:#board-rows" in response.text  # nothing above the changed rows
    d, a, b, c = (f"row-{board[title].pk}" for title in "DABC")
    assert swapped_rows(response.text) == [d, a, "cut-line", b, c]
    assert ">25</td>" in response.text  # A's cumulative points
    # And back down: the line returns to before D.
    response = post_move(client, quarter, board["D"], after=board["C"], before=board["E"])
    assert titles(quarter) == "ABCDE"
    assert swapped_rows(response.text) == [a, b, c, "cut-line", d]


def test_it_leaves_the_cut_line_alone_when_a_move_does_not_reach_it(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    # Swapping A and B changes their positions and A's cumulative points, nothing below.
    response = post_move(client, quarter, board["B"], before=board["A"])
    assert titles(quarter) == "BACDE"
    b, a = (f"row-{board[title].pk}" for title in "BA")
    assert swapped_rows(response.text) == [b, a]
    assert deleted_rows(response.text) == [b, a]


def many_moves(client, quarter, rep, count):
    """A leader's move of the 10th request to 2nd on a board of `count` rows (well-formed,
    evenly spaced keys, as a ranking has: no respacing in the move)."""
    from feature_requests.ranking import spread_keys

    deal = Deal.objects.create(
        customer=Customer.objects.create(name="Initech"), name="Deal", amount=1000, owner=rep
    )
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=f"Request {n}",
            problem="p",
            submitted_by=rep,
            quarter=quarter,
            status="ranked",
            rank_key=key,
            estimate_points=3,
        )
        for n, key in enumerate(spread_keys(count))
    )
    RequestDeal.objects.bulk_create(RequestDeal(request=request, deal=deal) for request in requests)
    order = list(ranked(quarter).values_list("id", flat=True))
    return order, lambda: post_move(client, quarter, order[9], after=order[0], before=order[1])


def test_it_answers_a_move_on_a_2000_row_board_with_the_changed_rows_only(client, cast, quarter):
    client.force_login(cast[Role.SALES_LEADER])
    order, move = many_moves(client, quarter, cast[Role.SALES_REP], 2000)
    response = move()
    assert response.status_code == 200
    # The moved request and the eight it passed, nothing else (the whole board is ~1 MB).
    assert swapped_rows(response.text) == [f"row-{pk}" for pk in [order[9], *order[1:9]]]
    assert response.text.count('class="board-row') == 9
    assert len(response.content) < 12_000
    assert ">2</td>" in response.text  # the moved row's new position


@pytest.mark.parametrize("count", [100, 2000])
def test_it_moves_in_bounded_queries(client, cast, quarter, django_assert_max_num_queries, count):
    client.force_login(cast[Role.SALES_LEADER])
    _, move = many_moves(client, quarter, cast[Role.SALES_REP], count)
    # The same at both sizes. The move: session, user, quarter, savepoint, its lock, version,
    # the three rows, nothing between the neighbours, old position, key, new position, rank
    # event, outbox event, release; its answer: version, order, committed points, change
    # costs, the changed rows and their customers.
    with django_assert_max_num_queries(21):
        assert move().status_code == 200


def test_it_names_each_move_button_after_its_request_and_links_the_cut_line(
    client, cast, quarter, board
):
    client.force_login(cast[Role.SALES_LEADER])
    html = page(client, quarter).text
    assert 'Move<span class="visually-hidden"> “A”</span></button>' in html
    assert '<a href="#cut-line">Skip to the cut line</a>' in html
    assert html.count('id="cut-line"') == 1
    assert html.index('id="cut-line"') < html.index(">D</a>")


def test_it_shows_each_rows_criticality_and_note(client, cast, quarter, board):
    board["A"].problem = "Auditors ask for every admin action. " * 10
    board["A"].save()
    client.force_login(cast[Role.SALES_REP])
    html = page(client, quarter).text
    row_a = html[html.index(f'id="row-{board["A"].pk}"') : html.index(f'id="row-{board["B"].pk}"')]
    note = re.search(r'<span class="row-note wide-only">(.*?)</span>', row_a)
    assert note
    criticality, text = note.group(1).split(" · ")
    assert criticality == "<strong>Blocker</strong>"  # the highest among A's open deals
    assert text.startswith("Auditors ask") and text.endswith("…")
    assert len(text) == 120


def test_it_sends_a_stale_move_the_fresh_board_with_a_clear_message(client, cast, quarter, board):
    client.force_login(cast[Role.SALES_LEADER])
    stale = ranking_version(quarter)
    post_move(client, quarter, board["E"], before=board["A"])
    response = post_move(client, quarter, board["D"], before=board["A"], version=stale)
    assert response.status_code == 409
    assert "The ranking changed since you loaded it" in response.text
    assert titles(quarter) == "EABCD"
    assert 'id="board"' in response.text  # the whole fresh board, every row
    assert response.text.count('class="board-row') == 5
    assert f'name="version" id="board-version" value="{ranking_version(quarter)}"' in response.text


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


def add_moves(quarter, request, count: int) -> None:
    """`count` moves of `request`, the newest from position `count` to `count + 1`."""
    RankEvent.objects.bulk_create(
        RankEvent(
            quarter=quarter, request=request, kind="moved", old_position=i, new_position=i + 1
        )
        for i in range(1, count + 1)
    )


def test_it_lists_the_ranking_history_50_a_page(client, cast, quarter, board):
    add_moves(quarter, board["A"], 60)  # after the board's five additions
    client.force_login(cast[Role.PRODUCT_MANAGER])
    url = reverse("requests:ranking_history", args=[quarter.label])

    html = client.get(url).text
    assert html.count("<time ") == 50
    assert "moved 60 → 61" in html and "moved 10 → 11" not in html
    assert "Page 1 of 2" in html
    assert '<a href="?page=2" rel="next">' in html

    html = client.get(url, {"page": "2"}).text
    assert html.count("<time ") == 15
    assert "moved 10 → 11" in html and "added at 1" in html
    assert '<a href="?page=1" rel="prev">' in html


@pytest.mark.parametrize("number", ["abc", "999"])
def test_it_shows_a_history_page_for_any_page_number(client, cast, quarter, board, number):
    add_moves(quarter, board["A"], 60)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    url = reverse("requests:ranking_history", args=[quarter.label])
    response = client.get(url, {"page": number})
    assert response.status_code == 200
    assert "moved" in response.text


@pytest.mark.parametrize("count", [2, 60])
def test_it_lists_the_ranking_history_in_constant_queries(
    client, cast, quarter, board, django_assert_num_queries, count
):
    add_moves(quarter, board["A"], count)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    # session, user, the quarter, the events' count (pager), the page of events with their
    # requests and actors, unread notifications (header)
    with django_assert_num_queries(6):
        response = client.get(reverse("requests:ranking_history", args=[quarter.label]))
    assert response.text.count("<time ") == min(count + 5, 50)


def test_it_exports_the_ranking_as_csv(client, cast, quarter, board):
    board["B"].title = "=HYPERLINK(evil)"
    board["B"].save()
    client.force_login(cast[Role.PRODUCT_LEADER])
    response = client.get(reverse("commitments:board_export", args=[quarter.label]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "position",
        "request id",
        "title",
        "customers",
        "ARR at stake",
        "estimate",
        "cumulative points",
        "status",
        "criticality",
        "note",
    ]
    assert [row[2] for row in rows[1:]] == ["A", "'=HYPERLINK(evil)", "C", "D", "E"]
    assert rows[1][4] == "150000"
    # The status in the board's own words.
    assert [row[7] for row in rows[1:]] == [
        "proposed",
        "proposed",
        "no estimate",
        "below the line",
        "below the line",
    ]
    assert rows[1][8] == "Blocker"  # the blocker deal; the lost deal does not count
    assert rows[2][8] == ""  # no deal behind B
    assert rows[1][9] == "p"


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
    # change costs, live commitments, unread notifications (header); the filter bar: saved
    # views, rep and manager choices

    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.text.count('class="board-row') == count


def test_it_spends_the_budget_on_commitments_and_moves_the_cut_line(client, cast, quarter, board):
    from commitments.services import commitment_approve

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=board["B"])  # 20 points
    client.force_login(cast[Role.SALES_REP])
    html = page(client, quarter).text
    assert 'data-testid="remaining">20<' in html  # 40 − 20
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
