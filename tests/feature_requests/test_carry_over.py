"""When a quarter ends, its ranking carries over to the bottom of the next quarter's."""

from __future__ import annotations

import datetime as dt

import pytest

from budgets.models import Quarter
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.ranking import ranked, ranking_append, ranking_carry_over_ended

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 4)


@pytest.fixture
def quarters():
    ended = Quarter.objects.create(
        label="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), capacity_points=100
    )
    following = Quarter.objects.create(
        label="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), capacity_points=100
    )
    return ended, following


def rank_new_requests(quarter, rep, *titles):
    for title in titles:
        ranking_append(
            quarter=quarter,
            request=FeatureRequest.objects.create(title=title, problem="p", submitted_by=rep),
            actor=None,
        )


def test_it_moves_an_ended_quarters_ranking_to_the_bottom_of_the_next(quarters, rep):
    ended, following = quarters
    rank_new_requests(ended, rep, "A", "B", "C")
    rank_new_requests(following, rep, "X", "Y")
    FeatureRequest.objects.filter(title="B").update(status="committed", rank_key=None)  # not ranked

    assert ranking_carry_over_ended(today=TODAY) == 2
    assert list(ranked(following).values_list("title", flat=True)) == ["X", "Y", "A", "C"]
    assert list(ranked(ended)) == []
    assert set(
        FeatureRequest.objects.filter(carried_over=True).values_list("title", flat=True)
    ) == {"A", "C"}
    added = RankEvent.objects.filter(quarter=following, note="carried over from 2026-Q4")
    assert sorted(added.values_list("new_position", flat=True)) == [3, 4]
    # Nothing left to move the second time.
    assert ranking_carry_over_ended(today=TODAY) == 0
    assert ranked(following).count() == 4


def test_it_waits_for_the_quarter_to_end_and_for_a_next_quarter(rep):
    ended = Quarter.objects.create(
        label="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), capacity_points=100
    )
    rank_new_requests(ended, rep, "A")
    assert ranking_carry_over_ended(today=dt.date(2026, 12, 31)) == 0  # the last day still counts
    assert ranking_carry_over_ended(today=TODAY) == 0  # no next quarter to carry it to yet
    later = Quarter.objects.create(
        label="2027-Q2", start=dt.date(2027, 4, 1), end=dt.date(2027, 6, 30), capacity_points=100
    )
    assert ranking_carry_over_ended(today=TODAY) == 1
    assert list(ranked(later).values_list("title", flat=True)) == ["A"]
