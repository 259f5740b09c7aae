"""`manage.py bench [--json]`: measure the pages that must stay fast as lists grow, and the
rank keys that must stay short as a ranking is written.

Everything is built inside one transaction that is rolled back at the end, so the real
data is never touched (on any database: the embedded SQLite or PostgreSQL). Each app that
has something to measure contributes the keys of its `bench.run()`. The last line printed
is one JSON object with every figure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from demo import bench_api as api_bench
from demo import bench_budget as budget_bench
from demo import bench_crm as crm_bench
from demo import bench_ranking as ranking_bench
from demo import bench_requests as requests_bench
from demo import bench_review as review_bench
from demo import bench_search as search_bench


class Command(BaseCommand):
    help = (
        "Benchmark the board, moves, rank key lengths, the budget page, approvals and the "
        "weekly review, the API and the CRM sync (rolled back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print only the JSON line")
        parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure (median)")

    def handle(self, *args: Any, json: bool = False, repeat: int = 7, **options: Any) -> None:
        say: Callable[[str], None] = (lambda text: None) if json else self.stdout.write
        results: dict[str, float | int] = {}
        with transaction.atomic():
            results |= ranking_bench.run(repeat=repeat, say=say)
            results |= budget_bench.run(repeat=repeat, say=say)
            results |= review_bench.run(repeat=repeat, say=say)
            results |= requests_bench.run(repeat=repeat, say=say)
            results |= search_bench.run(repeat=repeat, say=say)
            results |= api_bench.run(repeat=repeat, say=say)
            results |= crm_bench.run(repeat=repeat, say=say)
            transaction.set_rollback(True)  # nothing the benchmark made survives it
        self.stdout.write(_json_dumps(results))


def _json_dumps(results: dict[str, float | int]) -> str:
    return json.dumps(results, sort_keys=True)
