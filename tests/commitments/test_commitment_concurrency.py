"""Two product leaders approving at once, on PostgreSQL: never over the budget without an override."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import Role
from budgets.models import CompanySettings
from commitments.models import Commitment, LedgerEntry
from commitments.selectors import budget_figures
from commitments.services import commitment_approve
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append


@pytest.mark.parametrize("attempt", range(3))
def test_it_commits_exactly_one_of_concurrent_approvals_that_together_exceed_the_budget(
    transactional_db, postgres, quarter, make_user, attempt, run_together
):
    # Budget 40: each request alone fits (25 points), any two together (50) do not. Six
    # product leaders approve six of them at the same moment; warm connections first so
    # that the approvals, not the connecting, race.
    CompanySettings.load()  # as in production, the settings row exists before anyone approves
    requests = []
    for title in ("One", "Two", "Three", "Four", "Five", "Six"):
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=make_user(Role.SALES_REP), estimate_points=25
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        requests.append(request)
    leaders = [make_user(Role.PRODUCT_LEADER) for _ in requests]

    def approve(request, leader):
        def job():
            connection.ensure_connection()
            return commitment_approve(actor=leader, request=request)

        return job

    results = run_together(*(approve(r, a) for r, a in zip(requests, leaders, strict=True)))
    committed = [result for result in results if isinstance(result, Commitment)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(committed) == 1 and len(refused) == 5, results
    assert all(
        "would leave the remaining budget at -10 points (now 15)" in r.messages[0] for r in refused
    )
    assert budget_figures(quarter=quarter).remaining == 15
    assert LedgerEntry.objects.filter(kind="commit").count() == 1
    assert Commitment.objects.count() == 1
