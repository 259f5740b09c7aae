"""Two sales leaders moving at once, on PostgreSQL: no lost or duplicated position, ever."""

from __future__ import annotations

import pytest

from accounts.models import Role
from feature_requests import ranking as feature_ranking
from feature_requests.models import FeatureRequest
from feature_requests.ranking import (
    RankingChanged,
    is_key,
    ranked,
    ranking_append,
    ranking_move,
    ranking_version,
)


@pytest.fixture
def ranking(transactional_db, postgres, quarter, make_user):
    rep = make_user(Role.SALES_REP)
    requests = []
    for number in range(1, 11):
        request = FeatureRequest.objects.create(title=f"R{number}", problem="p", submitted_by=rep)
        ranking_append(quarter=quarter, request=request, actor=None)
        requests.append(request)
    return requests


def test_it_applies_one_of_two_simultaneous_moves_and_refuses_the_stale_one(
    ranking, quarter, make_user, run_together
):
    first, second = make_user(Role.SALES_LEADER), make_user(Role.SALES_LEADER)
    version = ranking_version(quarter)
    r = {request.title: request.pk for request in ranking}

    def move(actor, request_id, after_id, before_id):
        return lambda: ranking_move(
            actor=actor,
            quarter=quarter,
            request_id=request_id,
            after_id=after_id,
            before_id=before_id,
            version=version,
        )

    results = run_together(
        move(first, r["R10"], None, r["R1"]),  # R10 to the top
        move(second, r["R9"], None, r["R1"]),  # R9 to the top, from the same board
    )
    refused = [result for result in results if isinstance(result, RankingChanged)]
    applied = [result for result in results if not isinstance(result, Exception)]
    assert len(refused) == 1 and len(applied) == 1, results
    titles = list(ranked(quarter).values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 10
    assert titles[0] == applied[0].request.title


def test_it_keeps_every_request_exactly_once_under_many_concurrent_moves(
    ranking, quarter, make_user, run_together, random_mover
):
    leaders = [make_user(Role.SALES_LEADER), make_user(Role.SALES_LEADER)]
    results = run_together(
        random_mover(quarter, leaders[0], seed=1, moves=15),
        random_mover(quarter, leaders[1], seed=2, moves=15),
    )
    assert results == [15, 15]
    keys = list(ranked(quarter).values_list("rank_key", flat=True))
    assert len(keys) == len(set(keys)) == 10
    assert sorted(ranked(quarter).values_list("title", flat=True)) == sorted(
        f"R{n}" for n in range(1, 11)
    )


def test_it_respaces_crowded_gaps_safely_while_others_move_and_append(
    ranking, quarter, make_user, run_together, random_mover, monkeypatch
):
    # A tight bound, so that the crowded gap is respaced many times while the other leader
    # moves at random and a rep's requests are accepted at the bottom.
    monkeypatch.setattr(feature_ranking, "MAX_KEY_LENGTH", 6)
    leaders = [make_user(Role.SALES_LEADER), make_user(Role.SALES_LEADER)]
    rep = make_user(Role.SALES_REP)
    anchor = ranking[4].pk  # R5: the crowder moves the last request right after it, again

    def crowder() -> int:
        applied = 0
        while applied < 120:
            version = ranking_version(quarter)
            order = list(ranked(quarter).values_list("id", flat=True))
            moving = order[-1] if order[-1] != anchor else order[0]
            order.remove(moving)
            place = order.index(anchor) + 1
            try:
                ranking_move(
                    actor=leaders[0],
                    quarter=quarter,
                    request_id=moving,
                    after_id=anchor,
                    before_id=order[place] if place < len(order) else None,
                    version=version,
                )
                applied += 1
            except RankingChanged:
                continue
        return applied

    def appender() -> int:
        for number in range(30):
            request = FeatureRequest.objects.create(
                title=f"New {number}", problem="p", submitted_by=rep
            )
            ranking_append(quarter=quarter, request=request, actor=None)
        return 30

    results = run_together(crowder, random_mover(quarter, leaders[1], seed=3, moves=30), appender)
    assert results == [120, 30, 30]
    rows = list(ranked(quarter).values_list("title", "rank_key"))
    keys = [key for _, key in rows]
    assert len(rows) == len(set(keys)) == 40
    assert all(is_key(key) and len(key) <= 6 for key in keys)
