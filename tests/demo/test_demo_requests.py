from __future__ import annotations

from collections import Counter

import pytest

from budgets.selectors import quarter_current
from commitments.board import board_for
from feature_requests.models import FeatureRequest, RankEvent, StatusChange

pytestmark = pytest.mark.django_db


def test_it_seeds_requests_in_every_state_so_far(seed):
    seed()
    statuses = Counter(FeatureRequest.objects.values_list("status", flat=True))
    assert sum(statuses.values()) == 32
    assert statuses == {
        "ranked": 18,
        "submitted": 6,
        "declined_by_sales": 3,
        "merged": 3,
        "in_progress": 1,
        "shipped": 1,
    }
    assert StatusChange.objects.filter(to_status="merged").count() == 3
    assert FeatureRequest.objects.filter(status="merged", duplicate_of__isnull=True).count() == 0


def test_it_ranks_the_current_quarter_across_the_cut_line(seed):
    seed()
    board = board_for(quarter=quarter_current())
    assert len(board.rows) == 14
    assert board.above and board.below
    assert any(row["needs_estimate"] for row in board.above)
    assert any(row["needs_estimate"] for row in board.below)
    assert board.rows[0]["arr"] > 0
    assert board.committed_points == 3 and board.remaining == 37


def test_it_adds_nothing_on_a_second_run(seed):
    seed()
    counts = (
        FeatureRequest.objects.count(),
        RankEvent.objects.count(),
        StatusChange.objects.count(),
    )
    seed()
    assert (
        FeatureRequest.objects.count(),
        RankEvent.objects.count(),
        StatusChange.objects.count(),
    ) == counts
