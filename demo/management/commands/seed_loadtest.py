"""`manage.py seed_loadtest`: a board big enough to load-test, on top of `seed_demo`.

Adds `--count` (default 500) ranked requests at the bottom of the current quarter's
ranking, each backed by one or two of the demo's deals, with made-up titles from a small
vocabulary so that a search word finds many of them.

Written in bulk, as `manage.py bench` builds its boards (demo/bench_ranking.py): rank keys
from the ranking's own `keys_between` and one "added" rank event per request (the ranking's
version, and the order the cut line's follower replays), but no status history and no
outbox events. Appending them one by one through `ranking_append` delivers an event per
request and takes half a minute; the board, its moves and the search read only what is
written here.

Run after `seed_demo`; `make loadtest` runs both on a fresh database. A second run adds
another `--count` requests (the titles repeat: nothing here is matched by title).
"""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.models import Role, User
from budgets.models import Quarter
from budgets.selectors import quarter_current
from feature_requests.models import Customer, Deal, FeatureRequest, RankEvent, RequestDeal
from feature_requests.ranking import keys_between, ranked

VERBS = ["Export", "Bulk edit", "Audit", "Sync", "Schedule", "Filter", "Archive", "Share"]
THINGS = [
    "invoices",
    "dashboards",
    "user roles",
    "webhooks",
    "reports",
    "API keys",
    "data exports",
    "workspaces",
    "alerts",
    "forecasts",
]
QUALIFIERS = ["per region", "for subsidiaries", "via SSO", "in the EU", "by team", "nightly"]
CRITICALITIES = list(RequestDeal.Criticality.values)


def loadtest_title(rng: random.Random, number: int) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(THINGS)} {rng.choice(QUALIFIERS)} (#{number})"


class Command(BaseCommand):
    help = "Add many ranked requests to the current quarter, for `make loadtest`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["count"]
        quarter = quarter_current()
        if quarter is None:
            raise CommandError("No current quarter: run `manage.py seed_demo` first.")
        reps = list(User.objects.filter(role=Role.SALES_REP))
        deals = list(Deal.objects.all())
        if not reps or not deals:
            raise CommandError("No demo reps or deals: run `manage.py seed_demo` first.")
        rng = random.Random(count)  # noqa: S311 - repeatable made-up data, not secrets
        with transaction.atomic():
            # Under the quarter's row lock, as every change of a ranking is.
            quarter = Quarter.locked(quarter.pk)
            before = list(ranked(quarter).values_list("rank_key", flat=True))
            last = before[-1] if before else None
            requests = FeatureRequest.objects.bulk_create(
                FeatureRequest(
                    title=loadtest_title(rng, number),
                    problem="Made up by `manage.py seed_loadtest` for the load test.",
                    submitted_by=rng.choice(reps),
                    quarter=quarter,
                    status=FeatureRequest.Status.RANKED,
                    rank_key=key,
                    estimate_points=rng.choice([None, 1, 2, 3, 5, 8, 13]),
                )
                for number, key in enumerate(keys_between(last, None, count), start=1)
            )
            RequestDeal.objects.bulk_create(
                RequestDeal(request=request, deal=deal, criticality=rng.choice(CRITICALITIES))
                for request in requests
                for deal in rng.sample(deals, min(len(deals), rng.choice([1, 2])))
            )
            RankEvent.objects.bulk_create(
                RankEvent(
                    quarter=quarter,
                    request=request,
                    kind=RankEvent.Kind.ADDED,
                    new_position=len(before) + number,
                    note="seed_loadtest",
                )
                for number, request in enumerate(requests, start=1)
            )
        if connection.vendor == "postgresql":
            # Fresh rows have no planner statistics yet; a live database would have them.
            with connection.cursor() as cursor:
                for model in (Customer, Deal, FeatureRequest, RequestDeal, RankEvent):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            f"{count} load-test requests added: {quarter.label} ranks {ranked(quarter).count()}."
        )
