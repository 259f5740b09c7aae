"""Fractional keys and ranking moves: strict order, one row written, stale boards refused."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.ranking import (
    DIGITS,
    MAX_KEY_LENGTH,
    RankingChanged,
    RankingError,
    is_key,
    key_between,
    ranked,
    ranking_append,
    ranking_move,
    ranking_version,
    spread_keys,
)


def test_it_finds_a_key_strictly_between_any_two():
    rng = random.Random(7)
    keys = [key_between(None, None)]
    for _ in range(3000):
        index = rng.randint(0, len(keys))
        low = keys[index - 1] if index else None
        high = keys[index] if index < len(keys) else None
        key = key_between(low, high)
        assert (low is None or low < key) and (high is None or key < high)
        assert is_key(key)
        keys.insert(index, key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_it_refuses_a_backwards_gap():
    with pytest.raises(ValueError):
        key_between("b", "a")


def test_it_keeps_keys_short_at_the_ends():
    # Halving the gap would add a digit every six moves; stepping the integer part adds one
    # per power of 62.
    key = key_between(None, None)
    for _ in range(5000):
        key = key_between(None, key)  # "to top", again and again
    assert len(key) <= 4
    key = key_between(None, None)
    for _ in range(5000):
        key = key_between(key, None)  # appended at the bottom
    assert len(key) <= 4


@pytest.mark.parametrize("count", [1, 2, 35, 2000])
def test_it_spreads_keys_evenly(count):
    keys = spread_keys(count)
    assert keys == sorted(keys)
    assert len(set(keys)) == count
    assert max(map(len, keys)) <= 4
    assert all(map(is_key, keys))


def ranking_titles(quarter) -> list[str]:
    return list(ranked(quarter).values_list("title", flat=True))


@pytest.fixture
def ranking(db, quarter, cast):
    """Requests A to E ranked in that order."""
    rep = cast[Role.SALES_REP]
    requests = {}
    for title in "ABCDE":
        request = FeatureRequest.objects.create(title=title, problem="p", submitted_by=rep)
        ranking_append(quarter=quarter, request=request, actor=None)
        requests[title] = request
    return requests


def move(quarter, leader, request, after=None, before=None, version=None):
    return ranking_move(
        actor=leader,
        quarter=quarter,
        request_id=request.pk,
        after_id=after.pk if after else None,
        before_id=before.pk if before else None,
        version=ranking_version(quarter) if version is None else version,
    )


def test_it_appends_at_the_bottom(ranking, quarter):
    assert ranking_titles(quarter) == list("ABCDE")
    assert RankEvent.objects.filter(kind="added").count() == 5


def test_it_moves_a_request_between_its_new_neighbours(ranking, quarter, leader):
    result = move(quarter, leader, ranking["E"], after=ranking["A"], before=ranking["B"])
    assert ranking_titles(quarter) == list("AEBCD")
    assert (result.old_position, result.new_position) == (5, 2)
    event = RankEvent.objects.get(kind="moved")
    assert (event.actor, event.old_position, event.new_position) == (leader, 5, 2)
    assert result.version == event.pk == ranking_version(quarter)


def test_it_moves_to_the_top_and_the_bottom(ranking, quarter, leader):
    move(quarter, leader, ranking["C"], before=ranking["A"])
    assert ranking_titles(quarter) == list("CABDE")
    move(quarter, leader, ranking["A"], after=ranking["E"])
    assert ranking_titles(quarter) == list("CBDEA")


def test_it_writes_only_the_moved_row_its_rank_event_and_the_outbox_event(ranking, quarter, leader):
    version = ranking_version(quarter)
    with CaptureQueriesContext(connection) as queries:
        move(
            quarter, leader, ranking["D"], after=ranking["A"], before=ranking["B"], version=version
        )
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert len(writes) == 3
    assert writes[0].startswith('UPDATE "feature_requests_featurerequest"')
    assert writes[1].startswith('INSERT INTO "feature_requests_rankevent"')
    assert writes[2].startswith('INSERT INTO "events_event"')


def test_it_refuses_a_move_from_a_stale_board(ranking, quarter, leader):
    stale = ranking_version(quarter)
    move(quarter, leader, ranking["E"], before=ranking["A"])
    with pytest.raises(RankingChanged, match="The ranking changed"):
        move(quarter, leader, ranking["D"], before=ranking["A"], version=stale)
    assert ranking_titles(quarter) == list("EABCD")


@pytest.mark.parametrize(
    ("moving", "after", "before", "message"),
    [
        ("E", "A", "C", "not neighbours"),
        ("E", "C", "B", "not neighbours"),
        ("E", "E", None, "its own neighbour"),
    ],
)
def test_it_refuses_neighbours_that_are_not_neighbours(
    ranking, quarter, leader, moving, after, before, message
):
    with pytest.raises(RankingError, match=message):
        move(
            quarter,
            leader,
            ranking[moving],
            after=ranking[after],
            before=ranking[before] if before else None,
        )
    assert ranking_titles(quarter) == list("ABCDE")


def test_it_refuses_requests_of_another_quarter(ranking, quarter, leader, cast):
    import datetime as dt

    from budgets.models import Quarter

    other_quarter = Quarter.objects.create(
        label="2031-Q1", start=dt.date(2031, 1, 1), end=dt.date(2031, 3, 31), capacity_points=100
    )
    stranger = FeatureRequest.objects.create(
        title="X", problem="p", submitted_by=cast[Role.SALES_REP]
    )
    ranking_append(quarter=other_quarter, request=stranger, actor=None)
    with pytest.raises(RankingError, match="not in this quarter's ranking"):
        move(quarter, leader, stranger, before=ranking["A"])
    with pytest.raises(RankingError, match="neighbour named in the move is not"):
        move(quarter, leader, ranking["A"], after=stranger)
    assert ranking_titles(quarter) == list("ABCDE")


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_lets_only_sales_leaders_move(ranking, quarter, cast, role):
    with pytest.raises(PermissionDenied):
        move(quarter, cast[role], ranking["E"], before=ranking["A"])
    assert ranking_titles(quarter) == list("ABCDE")


def test_it_respaces_when_keys_grow_long(ranking, quarter, leader):
    # Moving requests into the same narrow gap again and again lengthens the keys there,
    # until neighbours are respaced to short keys, keeping the order.
    expected = ranking_titles(quarter)
    for _ in range(400):
        order = list(ranked(quarter))
        a, b = order[0], order[1]
        last = order[-1]
        move(quarter, leader, last, after=a, before=b)
        expected.insert(1, expected.pop())
        assert ranking_titles(quarter) == expected
    keys = list(ranked(quarter).values_list("rank_key", flat=True))
    assert max(map(len, keys)) <= MAX_KEY_LENGTH
    assert len(set(keys)) == len(keys)
    assert RankEvent.objects.filter(kind="moved").count() == 400


def test_it_orders_keys_the_same_in_the_database_as_in_python(db, quarter, cast):
    # Upper and lower case: only byte order (PostgreSQL's "C" collation) sorts "Z" before "a"
    # and "B" before "a" as Python does; a locale's collation would not.
    rng = random.Random(3)
    keys = set()
    while len(keys) < 300:
        key = "".join(rng.choice(DIGITS) for _ in range(rng.randint(1, 8)))
        keys.add(key)
    keys |= {"aZ", "aa", "aB", "ab", "Zz", "a0", "A0", "a"}
    rep = cast[Role.SALES_REP]
    FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=key, problem="p", submitted_by=rep, quarter=quarter, status="ranked", rank_key=key
        )
        for key in keys
    )
    assert ranking_titles(quarter) == sorted(keys)
    assert list(ranked(quarter).filter(rank_key__lt="aa").values_list("title", flat=True)) == [
        key for key in sorted(keys) if key < "aa"
    ]
