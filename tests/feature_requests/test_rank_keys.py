"""Rank keys stay short however the ranking is written: appends, moves into one busy gap,
carry-overs; keys of the old scheme are rewritten, in order, by the migration."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Role
from budgets.models import Quarter
from feature_requests import ranking
from feature_requests.models import FeatureRequest
from feature_requests.ranking import (
    DIGITS,
    MAX_KEY_LENGTH,
    is_key,
    key_between,
    keys_between,
    ranked,
    ranking_append,
    ranking_carry_over,
    ranking_move,
    ranking_version,
    room_at,
    spread_keys,
)

# Keys of any shape the scheme allows: an integer part (its head says how many digits
# follow), then a fraction that does not end in "0".
HEADS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@st.composite
def keys(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(HEADS))
    width = ord(head) - ord("a") + 1 if head >= "a" else ord("Z") - ord(head) + 1
    integer = head + draw(st.text(DIGITS, min_size=width, max_size=width))
    fraction = draw(st.text(DIGITS, max_size=6)).rstrip("0")
    key = integer + fraction
    return key if is_key(key) else integer + "1"


@settings(max_examples=500, database=None)
@given(keys(), keys())
def test_it_finds_a_key_strictly_between_any_two_keys(first, second):
    low, high = sorted([first, second])
    if low == high:
        return
    key = key_between(low, high)
    assert low < key < high
    assert is_key(key)
    assert key_between(None, low) < low and is_key(key_between(None, low))
    assert key_between(high, None) > high and is_key(key_between(high, None))


@settings(max_examples=200, database=None)
@given(keys(), keys(), st.integers(1, 300))
def test_it_spreads_any_number_of_keys_strictly_between_two(first, second, count):
    low, high = sorted([first, second])
    if low == high:
        return
    for between in (keys_between(low, high, count), keys_between(None, high, count)):
        assert len(between) == len(set(between)) == count
        assert between == sorted(between)
        assert between[-1] < high
        assert all(map(is_key, between))
    after = keys_between(low, None, count)
    assert after == sorted(after) and after[0] > low and len(set(after)) == count


def test_it_refuses_keys_of_the_old_scheme():
    for old in ["i", "k5", "zz", "1", ""]:
        assert not is_key(old)
        with pytest.raises(ValueError):
            key_between(old, None)


def test_it_keeps_keys_short_over_5000_appends(db, quarter, cast):
    rep = cast[Role.SALES_REP]
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Request {n}", problem="p", submitted_by=rep) for n in range(5000)
    )
    for request in requests:
        ranking_append(quarter=quarter, request=request, actor=None)
    keys = list(ranked(quarter).values_list("rank_key", flat=True))
    assert len(set(keys)) == 5000
    assert max(map(len, keys)) <= 5  # the old scheme reached 64 characters at about 1,150
    assert list(ranked(quarter).values_list("title", flat=True)) == [
        f"Request {n}" for n in range(5000)
    ]


def simulate_moves(board, moves, pick):
    """Random moves on a list of keys, placed the way ranking_move places them (`room_at`);
    returns the longest key written and the number of neighbours respaced."""
    rng = random.Random(9)
    keys = spread_keys(board)
    longest = respaced = 0
    for number in range(moves):
        moving, index = pick(rng, len(keys), number)
        keys.pop(moving)
        start, end, new = room_at(keys, index)
        keys[start:end] = new
        longest = max(longest, *map(len, new))
        respaced += end - start
    assert keys == sorted(keys) and len(set(keys)) == board
    assert all(map(is_key, keys))
    return longest, respaced


def test_it_keeps_keys_short_over_20000_random_moves_in_a_200_row_board():
    longest, respaced = simulate_moves(
        200, 20_000, lambda rng, size, _: (rng.randrange(size), rng.randint(0, size - 1))
    )
    assert longest <= MAX_KEY_LENGTH
    assert respaced == 0  # random gaps never get deep enough to need it


@pytest.mark.parametrize(
    "pick",
    [
        pytest.param(lambda rng, size, _: (size - 1, 1), id="last to second place"),
        pytest.param(lambda rng, size, _: (0, size - 2), id="first to second last"),
        pytest.param(lambda rng, size, n: (size - 1, 100 + n % 2), id="zigzag in the middle"),
    ],
)
def test_it_respaces_a_few_neighbours_when_moves_crowd_one_gap(pick):
    longest, respaced = simulate_moves(200, 20_000, pick)
    assert longest <= MAX_KEY_LENGTH
    # A rebalance of the whole board every ~120 moves would rewrite some 33,000 rows.
    assert respaced < 2_000


@pytest.fixture
def board(db, quarter, cast):
    rep = cast[Role.SALES_REP]
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"R{n:03}", problem="p", submitted_by=rep) for n in range(200)
    )
    for request in requests:
        ranking_append(quarter=quarter, request=request, actor=None)
    return [request.pk for request in requests]


def keys_by_id(quarter):
    return dict(ranked(quarter).values_list("id", "rank_key"))


def test_it_respaces_only_neighbours_when_a_move_needs_a_longer_key(board, quarter, cast):
    leader = cast[Role.SALES_LEADER]
    order = list(board)
    moves = 0
    while True:
        before = keys_by_id(quarter)
        moving = order.pop()  # the last request, again and again, right after the 100th
        ranking_move(
            actor=leader,
            quarter=quarter,
            request_id=moving,
            after_id=order[99],
            before_id=order[100],
            version=ranking_version(quarter),
        )
        order.insert(100, moving)
        moves += 1
        after = keys_by_id(quarter)
        changed = {pk for pk in after if after[pk] != before[pk]} - {moving}
        if changed:
            break
    assert moves > 100  # about six moves per character, from 3 to 24
    assert 0 < len(changed) <= 8
    assert list(ranked(quarter).values_list("id", flat=True)) == order
    assert max(map(len, after.values())) <= MAX_KEY_LENGTH


def test_it_keeps_the_order_over_random_and_crowded_moves_in_the_database(
    board, quarter, cast, monkeypatch
):
    # A tight bound makes respacing frequent, so that its writes are exercised for real.
    monkeypatch.setattr(ranking, "MAX_KEY_LENGTH", 8)
    leader = cast[Role.SALES_LEADER]
    rng = random.Random(5)
    order = list(board)
    for number in range(600):
        moving = order.pop(rng.randrange(len(order)) if number % 3 else -1)
        index = rng.randint(0, len(order)) if number % 3 else 100
        ranking_move(
            actor=leader,
            quarter=quarter,
            request_id=moving,
            after_id=order[index - 1] if index else None,
            before_id=order[index] if index < len(order) else None,
            version=ranking_version(quarter),
        )
        order.insert(index, moving)
    assert list(ranked(quarter).values_list("id", flat=True)) == order
    keys = list(ranked(quarter).values_list("rank_key", flat=True))
    assert max(map(len, keys)) <= 8
    assert all(map(is_key, keys))


def test_it_carries_over_to_a_long_ranking_with_short_keys(board, quarter, cast):
    following = Quarter.objects.create(
        label="2099-Q1",
        start=quarter.end + dt.timedelta(days=1),
        end=quarter.end + dt.timedelta(days=91),
        capacity_points=400,
    )
    rep = cast[Role.SALES_REP]
    for n in range(100):
        ranking_append(
            quarter=following,
            request=FeatureRequest.objects.create(title=f"F{n}", problem="p", submitted_by=rep),
            actor=None,
        )
    assert ranking_carry_over(quarter=quarter, today=quarter.end + dt.timedelta(days=1)) == 200
    titles = list(ranked(following).values_list("title", flat=True))
    assert titles == [f"F{n}" for n in range(100)] + [f"R{n:03}" for n in range(200)]
    keys = list(ranked(following).values_list("rank_key", flat=True))
    assert max(map(len, keys)) <= 4 and len(set(keys)) == 300


def test_it_respaces_keys_of_the_old_scheme_it_meets(db, quarter, cast):
    # Rows written with old keys after the migration (by hand, or by old code still running)
    # are respaced, in their order, by the next write that needs a key next to them.
    rep = cast[Role.SALES_REP]
    FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=key, problem="p", submitted_by=rep, quarter=quarter, status="ranked", rank_key=key
        )
        for key in ["k5", "i", "zz1", "a"]
    )
    ranking_append(
        quarter=quarter,
        request=FeatureRequest.objects.create(title="new", problem="p", submitted_by=rep),
        actor=None,
    )
    assert list(ranked(quarter).values_list("title", flat=True)) == ["a", "i", "k5", "zz1", "new"]
    assert all(map(is_key, ranked(quarter).values_list("rank_key", flat=True)))


def test_it_compares_keys_in_byte_order_on_postgresql_whatever_the_locale(db, postgres):
    # Under a locale's collation (en_US.utf8, the postgres image's default) "aa" sorts
    # before "aB", unlike in Python; a cluster made with the C locale would hide that from
    # the ordering tests, so the column's own collation is checked.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = 'rank_key'",
            [FeatureRequest._meta.db_table],
        )
        assert cursor.fetchone() == ("C",)


BEFORE = [("feature_requests", "0001_initial")]
OLD_KEY = re.compile(r"[0-9a-z]*[1-9a-z]")


@pytest.fixture
def old_keys(transactional_db):
    """The database as it was before the new keys: FeatureRequest as of 0001."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps.get_model("feature_requests", "FeatureRequest")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def test_it_migrates_old_keys_to_new_ones_in_the_same_order(old_keys, make_user):
    rep = make_user(Role.SALES_REP)
    first, second = (
        Quarter.objects.create(
            label=f"2090-Q{n}",
            start=dt.date(2090, 3 * n - 2, 1),
            end=dt.date(2090, 3 * n, 28),
            capacity_points=100,
        )
        for n in (1, 2)
    )
    # Old keys, some of which are also new keys ("a5", "b00"), inserted out of order.
    rankings = {
        first: ["zzzzz1", "a5", "1", "k5", "i", "b00", "a", "a51", "kz" + "z" * 60],
        second: ["a5", "i", "b"],
    }
    for quarter, ranking_keys in rankings.items():
        for key in ranking_keys:
            old_keys.objects.create(
                title=key,
                problem="p",
                submitted_by_id=rep.pk,
                quarter_id=quarter.pk,
                status="ranked",
                rank_key=key,
            )
    old_keys.objects.create(title="not ranked", problem="p", submitted_by_id=rep.pk)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    for quarter, ranking_keys in rankings.items():
        assert list(ranked(quarter).values_list("title", flat=True)) == sorted(ranking_keys)
        keys = list(ranked(quarter).values_list("rank_key", flat=True))
        assert all(map(is_key, keys)) and max(map(len, keys)) <= 3
    assert FeatureRequest.objects.get(title="not ranked").rank_key is None
    # The migrated ranking takes appends and moves.
    ranking_append(
        quarter=first,
        request=FeatureRequest.objects.create(title="new", problem="p", submitted_by=rep),
        actor=None,
    )
    ranking_move(
        actor=make_user(Role.SALES_LEADER),
        quarter=first,
        request_id=FeatureRequest.objects.get(title="new").pk,
        after_id=FeatureRequest.objects.get(title="1").pk,
        before_id=FeatureRequest.objects.get(title="a", quarter=first).pk,
        version=ranking_version(first),
    )
    expected = ["1", "new", *sorted(rankings[first])[1:]]
    assert list(ranked(first).values_list("title", flat=True)) == expected

    # And back: old keys again, in the same order.
    migrate(BEFORE)
    for quarter, titles in [(first, expected), (second, sorted(rankings[second]))]:
        rows = list(
            old_keys.objects.filter(quarter_id=quarter.pk, status="ranked").values_list(
                "title", "rank_key"
            )
        )
        assert [title for title, _ in sorted(rows, key=lambda row: row[1])] == titles
        assert all(OLD_KEY.fullmatch(key) for _, key in rows)
