"""Benchmark of the REST API's board (`GET /api/v1/quarters/<label>/board/`) at 100 and 2,000
ranked requests: its queries (the same at both sizes) and its time, with an API key.

Called by `manage.py bench` inside a transaction it rolls back; the boards are built as the
ranking's benchmark builds them. Times are server-side, through Django's whole handler.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Role, User
from api.services import api_key_create
from budgets.models import Quarter
from demo.bench_ranking import SIZES, _build, _median_ms


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    leader = User.objects.create_user(
        "bench.api.leader@example.invalid", None, full_name="Bench API", role=Role.SALES_LEADER
    )
    rep = User.objects.create_user(
        "bench.api.rep@example.invalid",
        None,
        full_name="Bench API Rep",
        role=Role.SALES_REP,
        manager=leader,
    )
    _, key = api_key_create(actor=leader, name="bench")
    headers = {"Authorization": f"Bearer {key}"}
    last_year = Quarter.objects.order_by("-end").values_list("end__year", flat=True).first() or 2026
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for offset, size in enumerate(SIZES, start=1):
            quarter = _build(size, last_year + 10 * offset, leader, rep)
            client = Client()
            url = f"/api/v1/quarters/{quarter.label}/board/"
            client.get(url, headers=headers)  # warm caches; the key's last use is written
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, headers=headers)
            assert response.status_code == 200, response.status_code
            results[f"api_board_queries_n{size}"] = len(queries)

            def get_board(url: str = url, client: Client = client) -> HttpResponseBase:
                return client.get(url, headers=headers)

            if size == max(SIZES):
                results[f"api_board_ms_n{size}"] = _median_ms(get_board, repeat)
            say(f"API board n={size}: {len(queries)} queries, {len(response.content):,} bytes")
    cache.clear()  # the benchmark's requests do not count against anyone's rate limit
    return results
