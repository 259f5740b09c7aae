"""Three sales leaders moving at once on PostgreSQL: product leaders hear of every crossing of
the cut line exactly once, as a replay of the committed rank events finds them."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from accounts.models import Notification, Role
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.ranking import (
    ranked,
    ranking_append,
)

# Budget 40 (the quarter fixture). The estimates add up to 82, so about half is above the line.
ESTIMATES = [8, 5, 12, 3, 9, 6, None, 10, 4, 7, 11, 2, 5]
CROSSED = re.compile(r"^“(?P<title>.+)” crossed above the cut line of .+ at #(?P<position>\d+) ")


@pytest.fixture
def product_leader(transactional_db, make_user):
    return make_user(Role.PRODUCT_LEADER)


@pytest.fixture
def ranking(transactional_db, postgres, quarter, make_user, product_leader):
    rep = make_user(Role.SALES_REP)
    for number, estimate in enumerate(ESTIMATES, start=1):
        request = FeatureRequest.objects.create(
            title=f"R{number}", problem="p", submitted_by=rep, estimate_points=estimate
        )
        ranking_append(quarter=quarter, request=request, actor=None)
    return quarter


def replayed_crossings(quarter) -> tuple[list[int], Counter]:
    """Replay the quarter's rank events from the start, placing the cut line after each."""
    estimates = dict(FeatureRequest.objects.values_list("id", "estimate_points"))
    titles = dict(FeatureRequest.objects.values_list("id", "title"))
    budget = quarter.sales_budget
    order: list[int] = []
    proposed: set[int] = set()
    crossings: Counter = Counter()
    for event in RankEvent.objects.filter(quarter=quarter).order_by("id"):
        if event.request_id in order:
            order.remove(event.request_id)
        if event.kind in ("added", "moved"):
            order.insert(event.new_position - 1, event.request_id)
        total, now = 0, set()
        for position, pk in enumerate(order, start=1):
            total += estimates[pk] or 0
            if total > budget:
                break
            if estimates[pk] is not None:
                now.add(pk)
                if pk not in proposed:
                    crossings[(titles[pk], position)] += 1
        proposed = now
    return order, crossings


def test_three_leaders_moving_at_once_get_each_crossing_told_once(
    ranking, product_leader, make_user, run_together, random_mover, deliver_events
):
    quarter = ranking
    leaders = [make_user(Role.SALES_LEADER) for _ in range(3)]

    jobs = [
        random_mover(quarter, leader, seed=seed, moves=20) for seed, leader in enumerate(leaders)
    ]
    assert run_together(*jobs) == [20] * 3
    deliver_events()  # whatever the commits' own deliveries left behind (nothing, normally)

    order, expected = replayed_crossings(quarter)
    assert order == list(ranked(quarter).values_list("id", flat=True))
    told = Counter(
        (match["title"], int(match["position"]))
        for match in (
            CROSSED.match(message)
            for message in Notification.objects.filter(user=product_leader).values_list(
                "message", flat=True
            )
        )
        if match
    )
    assert sum(expected.values()) > 10  # the moves did lift requests across the line
    assert told == expected
