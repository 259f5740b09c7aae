"""Benchmark of generating a weekly review: a quarter of 2,000 ranked requests with 10,000
rank events since last week's review. Called by `manage.py bench` inside a rolled-back
transaction."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from budgets.models import CompanySettings, Quarter
from demo.bench_ranking import _build, _median_ms
from feature_requests.models import FeatureRequest, RankEvent
from reviews.models import WeeklyReview
from reviews.services import week_start_for
from reviews.snapshot import Snapshot, review_build

SIZE = 2000
EVENTS = 10_000


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    rng = random.Random(5)  # noqa: S311 - repeatable made-up data
    leader = User.objects.create_user(
        "bench.review.leader@example.invalid",
        None,
        full_name="Bench Review Leader",
        role=Role.SALES_LEADER,
    )
    rep = User.objects.create_user(
        "bench.review.rep@example.invalid",
        None,
        full_name="Bench Review Rep",
        role=Role.SALES_REP,
        manager=leader,
    )
    last_year = Quarter.objects.order_by("-end").values_list("end__year", flat=True).first() or 2026
    quarter = _build(SIZE, last_year + 2000, leader, rep)
    ids = list(
        FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)
        .order_by("rank_key")
        .values_list("id", flat=True)
    )
    week = week_start_for(quarter.start + dt.timedelta(days=21))
    shuffled = ids[:]
    rng.shuffle(shuffled)
    previous = WeeklyReview.objects.create(
        quarter=quarter,
        week_start=week - dt.timedelta(days=7),
        status=WeeklyReview.Status.READY,
        data={"ranking": shuffled, "last_rank_event_id": 0},
    )
    RankEvent.objects.bulk_create(
        RankEvent(
            quarter=quarter,
            request_id=rng.choice(ids),
            actor=leader,
            kind=RankEvent.Kind.MOVED,
            old_position=rng.randint(1, SIZE),
            new_position=rng.randint(1, SIZE),
        )
        for _ in range(EVENTS)
    )
    CompanySettings.load()

    def build() -> Snapshot:
        return review_build(quarter=quarter, week_start=week, previous=previous)

    with CaptureQueriesContext(connection) as queries:
        data = build()
    results = {
        f"review_queries_n{SIZE}": len(queries),
        f"review_ms_n{SIZE}": _median_ms(build, repeat),
    }
    say(
        f"review, n={SIZE} ranked and {EVENTS:,} rank events: {results[f'review_ms_n{SIZE}']} ms in "
        f"{results[f'review_queries_n{SIZE}']} queries ({len(data['ranking_changes']['moved'])} moves reported)"
    )
    return results
