"""Fixtures shared by the commitments tests."""

from __future__ import annotations

import pytest

from accounts.models import Role
from budgets.models import Quarter
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append


@pytest.fixture
def rank(cast, quarter):
    """Rank a new request at the bottom of the quarter (budget 40), or of `into`, with an
    estimate of `points` (None: not estimated yet)."""

    def make(title: str, points: int | None, *, into: Quarter | None = None) -> FeatureRequest:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=points
        )
        ranking_append(quarter=into or quarter, request=request, actor=None)
        return request

    return make
