"""The load test's arithmetic and its reading of the board (loadtest/run.py), and the seed it
runs on (`manage.py seed_loadtest`). `make loadtest` itself needs PostgreSQL, Redis and a
minute; it is run by hand, not here."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from commitments.cut_line import cut_line_follow
from feature_requests.models import Customer, Deal, FeatureRequest
from feature_requests.ranking import ranked, ranking_append, ranking_version
from loadtest.run import (
    BOARD,
    CONFLICT,
    DECISIONS,
    ENDPOINTS,
    ERROR,
    MOVE,
    OK,
    SEARCH,
    TOTAL,
    Sample,
    format_table,
    parse_board,
    percentile,
    summarize,
)


def test_it_takes_the_nearest_rank_percentile():
    assert percentile([15, 20, 35, 40, 50], 5) == 15
    assert percentile([15, 20, 35, 40, 50], 30) == 20
    assert percentile([15, 20, 35, 40, 50], 40) == 20
    assert percentile([50, 40, 35, 20, 15], 50) == 35  # unsorted input
    assert percentile([15, 20, 35, 40, 50], 100) == 50
    hundred = [float(n) for n in range(100, 0, -1)]
    assert [percentile(hundred, p) for p in (50, 95, 99)] == [50, 95, 99]
    assert percentile([7.5], 99) == 7.5
    assert percentile([], 50) is None


def test_it_counts_stale_moves_as_conflicts_not_errors():
    samples = [
        Sample(MOVE, 10, OK),
        Sample(MOVE, 30, CONFLICT),
        Sample(MOVE, 20, ERROR, "500 POST /board/2026-Q1/move/"),
        Sample(BOARD, 100, OK),
        Sample(SEARCH, 40, ERROR, "ConnectionError /search/"),
    ]
    summary = summarize(samples, seconds=2)

    assert summary[MOVE] == {
        "requests": 3,
        "errors": 1,
        "conflicts": 1,
        "req_per_s": 1.5,
        "p50_ms": 20,
        "p95_ms": 30,
        "p99_ms": 30,
    }
    assert summary[DECISIONS]["requests"] == 0
    assert summary[DECISIONS]["p50_ms"] is None
    assert summary[TOTAL]["requests"] == 5
    assert summary[TOTAL]["errors"] == 2
    assert summary[TOTAL]["conflicts"] == 1
    assert summary[TOTAL]["p99_ms"] == 100


def test_it_prints_one_line_per_endpoint_and_a_total():
    table = format_table(summarize([Sample(BOARD, 12.34, OK)], seconds=4))
    lines = table.splitlines()

    assert lines[0].split() == [
        "endpoint",
        "requests",
        "errors",
        "conflicts",
        "req/s",
        "p50",
        "ms",
        "p95",
        "ms",
        "p99",
        "ms",
    ]
    assert [line[:16].strip() for line in lines[1:]] == [*ENDPOINTS, TOTAL]
    assert lines[1].split()[2:] == ["1", "0", "0", "0.2", "12.3", "12.3", "12.3"]
    assert lines[2].split()[1:] == ["0", "0", "0", "0.0", "-", "-", "-"]


@pytest.fixture
def ranked_requests(cast, quarter):
    requests = []
    for title in ["First", "Second", "Third", "Fourth"]:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP]
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        requests.append(request)
    return requests


@pytest.mark.django_db
def test_it_reads_the_version_and_the_order_the_board_moves_with(
    client, cast, quarter, ranked_requests
):
    """What the virtual users read from the board, its move answer and a refused move's answer
    is what the server checks a move against."""
    first, second, third, fourth = ranked_requests
    client.force_login(cast[Role.SALES_LEADER])
    board = parse_board(client.get(reverse("commitments:board", args=[quarter.label])).text)

    assert board is not None
    assert board.version == ranking_version(quarter)
    assert board.ids == [first.pk, second.pk, third.pk, fourth.pk]

    move_url = reverse("commitments:board_move", args=[quarter.label])
    moved = client.post(
        move_url,
        {"request": fourth.pk, "after": first.pk, "before": second.pk, "version": board.version},
        headers={"HX-Request": "true"},
    )
    assert moved.status_code == 200
    assert 'id="board"' not in moved.text  # the changed rows only
    assert parse_board(moved.text).version == ranking_version(quarter) > board.version

    stale = client.post(
        move_url,
        {"request": third.pk, "after": "", "before": first.pk, "version": board.version},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    fresh = parse_board(stale.text)
    assert fresh.version == ranking_version(quarter)
    assert fresh.ids == [first.pk, fourth.pk, second.pk, third.pk]


@pytest.mark.django_db
def test_it_seeds_ranked_requests_below_the_existing_ranking(
    cast, quarter, ranked_requests, caplog
):
    customer = Customer.objects.create(name="Acme", arr=100_000)
    Deal.objects.create(
        customer=customer, name="Renewal", amount=50_000, owner=cast[Role.SALES_REP]
    )
    version = ranking_version(quarter)
    cut_line_follow(quarter_id=quarter.pk)  # the follower has seen the ranking so far
    out = StringIO()

    call_command("seed_loadtest", "--count=30", stdout=out)

    order = list(ranked(quarter))
    assert len(order) == 34
    assert order[:4] == ranked_requests
    assert all(request.deal_links.exists() for request in order[4:])
    assert f"{quarter.label} ranks 34" in out.getvalue()
    # A new version, and rank events that replay to the order the board shows.
    assert ranking_version(quarter) > version
    cut_line_follow(quarter_id=quarter.pk)
    assert "replayed order differed" not in caplog.text
