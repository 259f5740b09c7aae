"""A board is one snapshot: its rows and its ranking version always come from one moment, so
a move made from a board that changed meanwhile is refused as stale (409), never as "not
neighbours" (400). PostgreSQL, where readers and writers really interleave."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from commitments.board import board_for
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.ranking import ranked, ranking_append, ranking_move, ranking_version


@pytest.fixture
def ranking(transactional_db, postgres, quarter, cast):
    for number in range(1, 6):
        request = FeatureRequest.objects.create(
            title=f"R{number}", problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=3
        )
        ranking_append(quarter=quarter, request=request, actor=None)
    return list(ranked(quarter).values_list("id", flat=True))


def replayed_order(quarter, version: int) -> list[int]:
    """The ranking as it was at `version`, from its rank events."""
    order: list[int] = []
    for kind, request_id, position in (
        RankEvent.objects.filter(quarter=quarter, id__lte=version)
        .order_by("id")
        .values_list("kind", "request_id", "new_position")
    ):
        if request_id in order:
            order.remove(request_id)
        if kind in ("added", "moved"):
            order.insert(position - 1, request_id)
    return order


def test_a_move_committed_while_the_board_is_read_is_in_neither_its_rows_nor_its_version(
    quarter, ranking, cast
):
    leader = cast[Role.SALES_LEADER]
    first, *_, last = ranking
    version_before = ranking_version(quarter)

    def move_last_to_the_top() -> None:
        try:
            ranking_move(
                actor=leader,
                quarter=quarter,
                request_id=last,
                after_id=None,
                before_id=first,
                version=version_before,
            )
        finally:
            connections.close_all()

    moved = threading.Event()

    def another_leader_moves_after_the_rows(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not moved.is_set() and 'ORDER BY "feature_requests_featurerequest"."rank_key"' in sql:
            moved.set()
            other = threading.Thread(target=move_last_to_the_top)
            other.start()
            other.join(timeout=30)
        return result

    with connection.execute_wrapper(another_leader_moves_after_the_rows):
        board = board_for(quarter=quarter)

    assert moved.is_set()
    assert ranking_version(quarter) > version_before  # the other leader's move committed
    assert [row["id"] for row in board.rows] == ranking == replayed_order(quarter, board.version)
    assert board.version == version_before

    # A move made from that board is refused as stale, with the fresh board.
    client = Client()
    client.force_login(leader)
    response = client.post(
        reverse("commitments:board_move", args=[quarter.label]),
        {"request": ranking[1], "after": "", "before": first, "version": board.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "The ranking changed since you loaded it" in response.text


def test_boards_read_during_concurrent_moves_always_match_their_version(
    quarter, ranking, make_user, run_together, random_mover
):
    leaders = [make_user(Role.SALES_LEADER) for _ in range(2)]
    boards: list[tuple[int, list[int]]] = []

    def reader() -> int:
        for _ in range(60):
            board = board_for(quarter=quarter)
            boards.append((board.version, [row["id"] for row in board.rows]))
        return len(boards)

    results = run_together(
        random_mover(quarter, leaders[0], seed=1, moves=25),
        random_mover(quarter, leaders[1], seed=2, moves=25),
        reader,
    )
    assert results == [25, 25, 60]
    assert len({version for version, _ in boards}) > 1  # the moves happened while reading
    for version, rows in boards:
        assert rows == replayed_order(quarter, version), version
