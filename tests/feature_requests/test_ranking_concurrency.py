"""Two sales leaders moving at once, on PostgreSQL: no lost or duplicated position, ever."""

from __future__ import annotations

import pytest

from accounts.models import Role
from feature_requests.models import FeatureRequest
from feature_requests.ranking import (
    RankingChanged,
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
