"""Benchmark of the budget page for a quarter of 2,000 ranked requests and ~50 commitments.

Called by `manage.py bench` inside a transaction it rolls back. Like the board's benchmark
(feature_requests/bench.py), the page goes through Django's full handler in-process.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from budgets.models import Quarter
from budgets.selectors import company_today
from commitments.models import Commitment, LedgerEntry, ProgressUpdate
from demo.bench_ranking import _build, _median_ms
from feature_requests.models import FeatureRequest

SIZE = 2000
COMMITMENTS = 50
DROPPED_EVERY = 5  # every fifth commitment was dropped, at a cost


def _spend(quarter: Quarter, product_leader: User, pm: User) -> None:
    """Commit ~50 of the quarter's estimated requests over its first weeks, with progress
    reports and some drops: what the budget page's burn-up and ledger read."""
    rng = random.Random(COMMITMENTS)  # noqa: S311 - repeatable made-up data, not secrets
    chosen = [
        (request_id, points)
        for request_id, points in FeatureRequest.objects.filter(
            quarter=quarter, estimate_points__isnull=False
        )
        .order_by("rank_key")
        .values_list("id", "estimate_points")[:COMMITMENTS]
        if points is not None  # always, by the filter: this tells the type checker
    ]
    started = timezone.make_aware(dt.datetime.combine(quarter.start, dt.time(10)))
    dropped_ids = {request_id for n, (request_id, _) in enumerate(chosen) if n % DROPPED_EVERY == 0}
    FeatureRequest.objects.filter(id__in=[request_id for request_id, _ in chosen]).update(
        status=FeatureRequest.Status.IN_PROGRESS, rank_key=None
    )
    FeatureRequest.objects.filter(id__in=dropped_ids).update(status=FeatureRequest.Status.DROPPED)
    commitments = Commitment.objects.bulk_create(
        Commitment(
            quarter=quarter,
            request_id=request_id,
            points=points,
            points_done=points // 2,
            approved_by=product_leader,
            approved_at=started + dt.timedelta(days=n % 21),
            dropped_at=started + dt.timedelta(days=30 + n % 14)
            if request_id in dropped_ids
            else None,
            dropped_by=product_leader if request_id in dropped_ids else None,
        )
        for n, (request_id, points) in enumerate(chosen)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            commitment=commitment,
            actor=pm,
            status=FeatureRequest.Status.IN_PROGRESS,
            points_done=done,
            at=commitment.approved_at + dt.timedelta(days=days),
        )
        for commitment in commitments
        for days, done in ((7, commitment.points // 4), (14, commitment.points // 2))
    )
    entries = []
    for commitment in commitments:
        entries.append(
            LedgerEntry(
                quarter=quarter,
                kind=LedgerEntry.Kind.COMMIT,
                request_id=commitment.request_id,
                commitment=commitment,
                points=commitment.points,
                actor=product_leader,
                at=commitment.approved_at,
            )
        )
        if commitment.dropped_at is not None:
            sunk, penalty = commitment.points_done, rng.randint(1, 3)
            entries.append(
                LedgerEntry(
                    quarter=quarter,
                    kind=LedgerEntry.Kind.DROP,
                    request_id=commitment.request_id,
                    commitment=commitment,
                    points=commitment.points,
                    sunk_points=sunk,
                    penalty_points=penalty,
                    cost=sunk + penalty,
                    reason="A customer's priorities changed.",
                    actor=product_leader,
                    at=commitment.dropped_at,
                )
            )
    LedgerEntry.objects.bulk_create(entries)


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    product_leader = User.objects.create_user(
        "bench.budget.product@example.invalid",
        None,
        full_name="Bench Product Leader",
        role=Role.PRODUCT_LEADER,
    )
    pm = User.objects.create_user(
        "bench.budget.pm@example.invalid", None, full_name="Bench PM", role=Role.PRODUCT_MANAGER
    )
    leader = User.objects.create_user(
        "bench.budget.leader@example.invalid",
        None,
        full_name="Bench Sales Leader",
        role=Role.SALES_LEADER,
    )
    rep = User.objects.create_user(
        "bench.budget.rep@example.invalid",
        None,
        full_name="Bench Sales Rep",
        role=Role.SALES_REP,
        manager=leader,
    )
    last_year = Quarter.objects.order_by("-end").values_list("end__year", flat=True).first() or 2026
    # Far beyond the years the board's benchmark takes (+100, +200), whichever runs first: this
    # quarter's dates move to today below, so the board's would not see this year as taken.
    quarter = _build(SIZE, last_year + 1000, leader, rep)
    # Move the throwaway quarter around today, half-way through, so that the page draws a
    # burn-up of past weeks as it would mid-quarter (a far-future quarter plots nothing).
    today = company_today()
    quarter.start, quarter.end = today - dt.timedelta(days=45), today + dt.timedelta(days=45)
    quarter.planning_lock_date = quarter.start + dt.timedelta(days=14)
    quarter.save(update_fields=["start", "end", "planning_lock_date"])
    _spend(quarter, product_leader, pm)

    # Bench requests come in over plain HTTP as 'testserver'; the settings may say otherwise.
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        client = Client()
        client.force_login(leader)
        url = reverse("commitments:budget", args=[quarter.label])
        client.get(url)  # warm caches: templates, URL resolver
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        results[f"budget_page_queries_n{SIZE}"] = len(queries)
        results[f"budget_page_ms_n{SIZE}"] = _median_ms(lambda: client.get(url), repeat)

        # Approvals: the product leader commits ranked, estimated requests one after another,
        # each a POST from the decision queue with the estimate it showed.
        deciding = Client()
        deciding.force_login(product_leader)
        candidates = iter(
            FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)
            .exclude(estimate_points=None)
            .order_by("rank_key")
            .values_list("id", "estimate_points")[: repeat + 1]
        )

        def approve() -> None:
            request_id, points = next(candidates)
            response = deciding.post(
                reverse("commitments:request_approve", args=[request_id]),
                {"expected_points": points},
            )
            assert response.status_code == 302, response.content[:300]

        with CaptureQueriesContext(connection) as queries:
            approve()
        results["approve_queries"] = len(queries)
        results["approve_ms"] = _median_ms(approve, repeat)
    say(
        f"approve: {results['approve_ms']} ms in {results['approve_queries']} queries "
        f"(one POST from the decision queue, redirect not followed)"
    )
    say(
        f"budget page, n={SIZE} ranked and {COMMITMENTS} commitments: "
        f"{results[f'budget_page_ms_n{SIZE}']} ms in {results[f'budget_page_queries_n{SIZE}']} queries"
    )
    return results
