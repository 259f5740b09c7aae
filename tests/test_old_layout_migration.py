"""A database made before commitments and reviews left the budgets app migrates with its rows.

The models moved with SeparateDatabaseAndState and kept their tables (budgets_commitment,
budgets_weeklyreview, …): this builds a database on the old layout with the migrations of
that time, fills it, migrates to today's layout and reads the rows back through the new apps.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

OLD_LAYOUT = [
    ("accounts", "0002_notification"),
    ("budgets", "0004_weekly_reviews"),
    ("feature_requests", "0001_initial"),
    ("commitments", None),
    ("reviews", None),
    ("events", None),
]


@pytest.fixture
def old_layout(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(OLD_LAYOUT)
    yield executor.loader.project_state([node for node in OLD_LAYOUT if node[1]]).apps
    # Leave the database as every other test expects it: at today's layout.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_it_keeps_commitments_reviews_and_their_history(old_layout):
    apps = old_layout
    user_model = apps.get_model("accounts", "User")
    leader = user_model.objects.create(
        email="vp.product@example.com", full_name="Vic", role="product_leader"
    )
    rep_manager = user_model.objects.create(
        email="vp.sales@example.com", full_name="Val", role="sales_leader"
    )
    rep = user_model.objects.create(
        email="rep@example.com", full_name="Ray", role="sales_rep", manager=rep_manager
    )
    quarter = apps.get_model("budgets", "Quarter").objects.create(
        label="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        capacity_points=400,
        planning_lock_date=dt.date(2026, 10, 15),
    )
    request_model = apps.get_model("feature_requests", "FeatureRequest")
    committed = request_model.objects.create(
        title="SSO",
        problem="p",
        submitted_by=rep,
        quarter=quarter,
        status="committed",
        estimate_points=8,
    )
    ranked = request_model.objects.create(
        title="Audit log",
        problem="p",
        submitted_by=rep,
        quarter=quarter,
        status="ranked",
        rank_key="i",
        estimate_points=30,
    )
    apps.get_model("feature_requests", "RankEvent").objects.create(
        quarter=quarter, request=ranked, kind="added", new_position=1
    )
    commitment = apps.get_model("budgets", "Commitment").objects.create(
        quarter=quarter, request=committed, points=8, points_done=3, approved_by=leader
    )
    apps.get_model("budgets", "ProgressUpdate").objects.create(
        commitment=commitment, actor=leader, status="in_progress", points_done=3
    )
    apps.get_model("budgets", "LedgerEntry").objects.create(
        quarter=quarter,
        kind="commit",
        request=committed,
        commitment=commitment,
        points=8,
        actor=leader,
    )
    swap = apps.get_model("budgets", "SwapProposal").objects.create(
        quarter=quarter,
        drop=commitment,
        commit=ranked,
        reason="Bigger deal",
        proposed_by=rep_manager,
    )
    review = apps.get_model("budgets", "WeeklyReview").objects.create(
        quarter=quarter, week_start=dt.date(2026, 11, 30), status="ready", data={"budget": {"x": 1}}
    )
    apps.get_model("budgets", "ReviewNote").objects.create(
        review=review, item_key="budget", item_title="Budget", section="budget", text="Keep 10%"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from commitments.models import (
        Commitment,
        CutLineWatch,
        LedgerEntry,
        ProgressUpdate,
        SwapProposal,
    )
    from commitments.selectors import budget_figures
    from reviews.models import ReviewNote, WeeklyReview

    moved = Commitment.objects.get()
    assert (moved.pk, moved.request.title, moved.points, moved.points_done) == (
        commitment.pk,
        "SSO",
        8,
        3,
    )
    assert ProgressUpdate.objects.get().commitment == moved
    assert LedgerEntry.objects.get().commitment == moved
    assert SwapProposal.objects.get().pk == swap.pk
    assert budget_figures(quarter=moved.quarter).remaining == 40 - 8
    kept = WeeklyReview.objects.get()
    assert (kept.pk, kept.data) == (review.pk, {"budget": {"x": 1}})
    assert ReviewNote.objects.get().review == kept
    # The cut line of a quarter that existed starts from where it stood: nobody is told again.
    watch = CutLineWatch.objects.get()
    assert (watch.order, watch.proposed) == ([ranked.pk], None)
