"""Random sequences of ranking writes on PostgreSQL keep every quarter's order strict and its
keys unique, well formed and short: appends, moves (random, and crowded into one gap),
removals, deferrals to a later quarter and carry-overs, checked against a Python list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Role
from budgets.models import Quarter
from feature_requests import ranking
from feature_requests.models import FeatureRequest
from feature_requests.ranking import (
    is_key,
    ranked,
    ranking_append,
    ranking_carry_over,
    ranking_move,
    ranking_remove,
    ranking_version,
)

QUARTERS = 3
picks = st.integers(min_value=0, max_value=10**6)
quarters = st.integers(min_value=0, max_value=QUARTERS - 1)


def make_machine(*, leader, rep, quarter_rows, bound):
    class Ranking(RuleBasedStateMachine):
        """Each example runs in a savepoint that its teardown rolls back."""

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.order: list[list[int]] = [[] for _ in quarter_rows]
            self.made = 0

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def new_request(self) -> FeatureRequest:
            self.made += 1
            return FeatureRequest.objects.create(
                title=f"R{self.made}", problem="p", submitted_by=rep
            )

        def having(self, start: int, rows: int, quarters: range = range(QUARTERS)) -> int:
            """The first quarter from `start` on (round the list) with at least `rows` rows."""
            for offset in range(QUARTERS):
                quarter = (start + offset) % QUARTERS
                if quarter in quarters and len(self.order[quarter]) >= rows:
                    return quarter
            raise AssertionError("the rule's precondition promised one")

        def move(self, quarter: int, moving: int, index: int) -> None:
            order = self.order[quarter]
            order.remove(moving)
            ranking_move(
                actor=leader,
                quarter=quarter_rows[quarter],
                request_id=moving,
                after_id=order[index - 1] if index else None,
                before_id=order[index] if index < len(order) else None,
                version=ranking_version(quarter_rows[quarter]),
            )
            order.insert(index, moving)

        @rule(quarter=quarters, count=st.integers(1, 8))
        def append(self, quarter, count):
            for _ in range(count):
                request = self.new_request()
                ranking_append(quarter=quarter_rows[quarter], request=request, actor=None)
                self.order[quarter].append(request.pk)

        @precondition(lambda self: any(len(order) >= 2 for order in self.order))
        @rule(quarter=quarters, moving=picks, place=picks)
        def move_anywhere(self, quarter, moving, place):
            quarter = self.having(quarter, 2)
            order = self.order[quarter]
            self.move(quarter, order[moving % len(order)], place % len(order))

        @precondition(lambda self: any(len(order) >= 3 for order in self.order))
        @rule(quarter=quarters, place=picks, moves=st.integers(5, 30), from_top=st.booleans())
        def crowd_one_gap(self, quarter, place, moves, from_top):
            """Move the first (or last) request into the same spot again and again: the keys
            there deepen until neighbours must be respaced."""
            quarter = self.having(quarter, 3)
            order = self.order[quarter]
            index = 1 + place % (len(order) - 2)
            for _ in range(moves):
                self.move(quarter, order[0] if from_top else order[-1], index)

        @precondition(lambda self: any(self.order))
        @rule(quarter=quarters, pick=picks)
        def remove(self, quarter, pick):
            quarter = self.having(quarter, 1)
            order = self.order[quarter]
            request = FeatureRequest.objects.get(pk=order.pop(pick % len(order)))
            ranking_remove(request=request, actor=None, new_status=FeatureRequest.Status.DECLINED)

        @precondition(lambda self: any(self.order[:-1]))
        @rule(quarter=quarters, pick=picks, later=picks)
        def defer(self, quarter, pick, later):
            quarter = self.having(quarter, 1, range(QUARTERS - 1))
            to = quarter + 1 + later % (QUARTERS - 1 - quarter)
            order = self.order[quarter]
            request = FeatureRequest.objects.get(pk=order.pop(pick % len(order)))
            ranking_remove(request=request, actor=None, new_status=FeatureRequest.Status.DEFERRED)
            ranking_append(quarter=quarter_rows[to], request=request, actor=None)
            self.order[to].append(request.pk)

        @rule(quarter=st.integers(0, QUARTERS - 2))
        def carry_over(self, quarter):
            ended = quarter_rows[quarter]
            carried = ranking_carry_over(quarter=ended, today=ended.end + dt.timedelta(days=1))
            assert carried == len(self.order[quarter])
            self.order[quarter + 1] += self.order[quarter]
            self.order[quarter] = []

        @invariant()
        def the_order_is_the_models_with_short_unique_keys(self):
            for quarter, expected in zip(quarter_rows, self.order, strict=True):
                rows = list(ranked(quarter).values_list("id", "rank_key"))
                assert [pk for pk, _ in rows] == expected
                keys = [key for _, key in rows]
                assert len(set(keys)) == len(keys)
                assert all(is_key(key) and len(key) <= bound for key in keys), keys

    return Ranking


@pytest.fixture
def quarter_rows(db):
    return [
        Quarter.objects.create(
            label=f"2091-Q{n}",
            start=dt.date(2091, 3 * n - 2, 1),
            end=dt.date(2091, 3 * n, 28),
            capacity_points=400,
        )
        for n in range(1, QUARTERS + 1)
    ]


# A tight bound: crowded gaps need respacing after some twenty moves instead of some 130, so
# that the examples respace often (windows and whole quarters). The code reads the bound
# at each write; the real one is exercised at scale in test_rank_keys.py.
BOUND = 6


def test_it_keeps_every_ranking_strict_and_its_keys_short(
    postgres, quarter_rows, make_user, monkeypatch
):
    monkeypatch.setattr(ranking, "MAX_KEY_LENGTH", BOUND)
    machine = make_machine(
        leader=make_user(Role.SALES_LEADER),
        rep=make_user(Role.SALES_REP),
        quarter_rows=quarter_rows,
        bound=BOUND,
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=50,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
