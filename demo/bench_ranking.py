"""Benchmark of the ranking board and of one move, at 100 and 2,000 ranked requests, and of
how long rank keys get over many appends and moves.

Called by `manage.py bench` inside a transaction it rolls back. Times are server-side:
the request goes through Django's full handler (middleware, view, template) in-process.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import TypedDict
from urllib.parse import quote

from django.db import connection
from django.http.response import HttpResponseBase
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import Quarter
from commitments.board import BoardRow, board_for
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.ranking import (
    ranked,
    ranking_append,
    ranking_move,
    ranking_version,
    spread_keys,
)

SIZES = (100, 2000)
KEY_APPENDS = 5000  # appends to one quarter, as triage accepts, deferrals and carry-overs do
KEY_BOARD, KEY_MOVES = 200, 20_000  # random moves in a board of this size

# The framework's floor: the same rows and columns as the board, from memory, no queries.
FLOOR_TEMPLATE = Template(
    "<table><thead><tr><th>#</th><th>Request</th><th>Customers</th><th>ARR at stake</th>"
    "<th>Estimate</th><th>Cumulative</th><th>Status</th></tr></thead><tbody>"
    "{% for row in rows %}<tr><td>{{ row.position }}</td><td>{{ row.title }}</td>"
    "<td>{{ row.customers }}</td><td>{{ row.arr }}</td><td>{{ row.estimate }}</td>"
    "<td>{{ row.cumulative }}</td><td>{{ row.status }}</td></tr>{% endfor %}</tbody></table>"
)


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


def _build(size: int, year: int, leader: User, rep: User) -> Quarter:
    """A quarter far in the future with `size` ranked requests, each backed by one or two deals."""
    rng = random.Random(size)  # noqa: S311 - repeatable made-up data, not secrets
    quarter = Quarter.objects.create(
        label=f"{year}-Q1",
        start=dt.date(year, 1, 1),
        end=dt.date(year, 3, 31),
        capacity_points=size * 10,
        sales_share_percent=10,
    )
    customers = Customer.objects.bulk_create(
        Customer(name=f"Bench {year} customer {n}", arr=rng.randint(10, 900) * 1000)
        for n in range(40)
    )
    deals = Deal.objects.bulk_create(
        Deal(
            customer=customers[n % len(customers)],
            name=f"Deal {n}",
            amount=rng.randint(5, 300) * 1000,
            stage=rng.choice(list(Deal.Stage.values)),
            owner=rep,
        )
        for n in range(max(size // 2, 10))
    )
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=f"Bench request {n}: export audit logs to the customer's SIEM",
            problem="A benchmark request.",
            submitted_by=rep,
            quarter=quarter,
            status=FeatureRequest.Status.RANKED,
            rank_key=key,
            estimate_points=rng.choice([None, 2, 3, 5, 8, 13]),
        )
        for n, key in enumerate(spread_keys(size))
    )
    links = []
    for request in requests:
        for deal in rng.sample(deals, rng.choice([1, 2])):
            links.append(RequestDeal(request=request, deal=deal))
    RequestDeal.objects.bulk_create(links)
    if connection.vendor == "postgresql":
        # Fresh rows have no planner statistics yet; a live database would have them.
        with connection.cursor() as cursor:
            for model in (Customer, Deal, FeatureRequest, RequestDeal):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return quarter


def _key_quarter(year: int, number: int) -> Quarter:
    return Quarter.objects.create(
        label=f"{year}-Q{number}",
        start=dt.date(year, 3 * number - 2, 1),
        end=dt.date(year, 3 * number, 28),
        capacity_points=100,
    )


def _append(quarter: Quarter, rep: User, count: int) -> None:
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(
            title=f"Key bench request {n}", problem="A benchmark request.", submitted_by=rep
        )
        for n in range(count)
    )
    for request in requests:
        ranking_append(quarter=quarter, request=request, actor=None)


def _longest_key(quarter: Quarter) -> int:
    return max(len(key or "") for key in ranked(quarter).values_list("rank_key", flat=True))


def key_lengths(*, year: int, leader: User, rep: User) -> dict[str, int]:
    """The longest rank key after KEY_APPENDS appends to one quarter, and the longest written
    during KEY_MOVES random moves in a board of KEY_BOARD, through the ranking's services."""
    appended = _key_quarter(year, 1)
    _append(appended, rep, KEY_APPENDS)

    board = _key_quarter(year, 2)
    _append(board, rep, KEY_BOARD)
    rng = random.Random(KEY_MOVES)  # noqa: S311 - repeatable made-up moves, not secrets
    order = list(ranked(board).values_list("id", flat=True))
    version = ranking_version(board)
    longest = 0
    for _ in range(KEY_MOVES):
        moving = order.pop(rng.randrange(len(order)))
        index = rng.randint(0, len(order))
        move = ranking_move(
            actor=leader,
            quarter=board,
            request_id=moving,
            after_id=order[index - 1] if index else None,
            before_id=order[index] if index < len(order) else None,
            version=version,
        )
        order.insert(index, moving)
        version = move.version
        longest = max(longest, len(move.request.rank_key or ""))
    return {
        f"key_len_max_appends_{KEY_APPENDS}": _longest_key(appended),
        f"key_len_max_moves_{KEY_MOVES}": max(longest, _longest_key(board)),
    }


class FloorRow(TypedDict):
    position: int
    title: str
    customers: str
    arr: str
    estimate: int | None
    cumulative: int
    status: str


def _floor_rows(board_rows: list[BoardRow]) -> list[FloorRow]:
    return [
        {
            "position": row["position"],
            "title": row["title"],
            "customers": row["customers"],
            "arr": row["arr_label"],
            "estimate": row["estimate"],
            "cumulative": row["cumulative"],
            "status": row["status_label"],
        }
        for row in board_rows
    ]


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    leader = User.objects.create_user(
        "bench.leader@example.invalid", None, full_name="Bench Leader", role=Role.SALES_LEADER
    )
    rep = User.objects.create_user(
        "bench.rep@example.invalid",
        None,
        full_name="Bench Rep",
        role=Role.SALES_REP,
        manager=leader,
    )
    last_year = Quarter.objects.order_by("-end").values_list("end__year", flat=True).first() or 2026
    # Bench requests come in over plain HTTP as 'testserver'; the settings may say otherwise.
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for offset, size in enumerate(SIZES, start=1):
            quarter = _build(size, last_year + 100 * offset, leader, rep)
            client = Client()
            client.force_login(leader)
            board_url = reverse("commitments:board", args=[quarter.label])
            move_url = reverse("commitments:board_move", args=[quarter.label])
            client.get(board_url)  # warm caches: templates, URL resolver

            with CaptureQueriesContext(connection) as queries:
                response = client.get(board_url)
            assert response.status_code == 200, response.status_code
            results[f"board_queries_n{size}"] = len(queries)

            def get_board(url: str = board_url, client: Client = client) -> HttpResponseBase:
                return client.get(url)

            results[f"board_ms_n{size}"] = _median_ms(get_board, repeat)

            # The same board filtered by one customer (of 40): the rows it keeps, in place.
            filtered_url = (
                f"{board_url}?customer={quote(f'Bench {last_year + 100 * offset} customer 7')}"
            )
            with CaptureQueriesContext(connection) as queries:
                response = client.get(filtered_url)
            assert response.status_code == 200, response.status_code
            assert b"ranked requests match these filters" in response.content
            results[f"board_filtered_queries_n{size}"] = len(queries)
            results[f"board_filtered_bytes_n{size}"] = len(response.content)

            def get_filtered(url: str = filtered_url, client: Client = client) -> HttpResponseBase:
                return client.get(url)

            results[f"board_filtered_ms_n{size}"] = _median_ms(get_filtered, repeat)

            rows = _floor_rows(board_for(quarter=quarter).rows)

            def render_floor(rows: list[FloorRow] = rows) -> str:
                return FLOOR_TEMPLATE.render(Context({"rows": rows}))

            results[f"floor_ms_n{size}"] = _median_ms(render_floor, repeat)

            # One move: the 10th request to 2nd place, then back, and so on.
            order = list(
                FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)
                .order_by("rank_key")
                .values_list("id", flat=True)[:11]
            )

            def move(
                forward: bool,
                order: list[int] = order,
                quarter: Quarter = quarter,
                url: str = move_url,
                client: Client = client,
            ) -> int:
                """Move and return the answer's size in bytes."""
                moving = order[9]
                after, before = (order[0], order[1]) if forward else (order[8], order[10])
                data = {
                    "request": moving,
                    "after": after,
                    "before": before,
                    "version": ranking_version(quarter),
                }
                response = client.post(url, data, headers={"HX-Request": "true"})
                assert response.status_code == 200, response.content[:300]
                return len(response.content)

            with CaptureQueriesContext(connection) as queries:
                # What a move sends back: the rows it changed, not the board.
                results[f"move_bytes_n{size}"] = move(True)
            statements = [query["sql"].lstrip().split(None, 1)[0].upper() for query in queries]
            results[f"move_queries_n{size}"] = len(queries)
            # Each write statement of a move touches one row (UPDATE … WHERE id = …, INSERT of one row).
            results[f"move_writes_n{size}"] = sum(
                1 for verb in statements if verb in ("INSERT", "UPDATE", "DELETE")
            )
            flips = iter([False, True] * repeat)

            def move_again(flips: Iterator[bool] = flips) -> None:
                move(next(flips))

            results[f"move_ms_n{size}"] = _median_ms(move_again, repeat)
            say(
                f"n={size}: board {results[f'board_ms_n{size}']} ms in {results[f'board_queries_n{size}']} queries "
                f"(floor {results[f'floor_ms_n{size}']} ms); move {results[f'move_ms_n{size}']} ms, "
                f"{results[f'move_queries_n{size}']} queries, {results[f'move_writes_n{size}']} rows written, "
                f"{results[f'move_bytes_n{size}']:,} bytes; filtered board "
                f"{results[f'board_filtered_ms_n{size}']} ms in "
                f"{results[f'board_filtered_queries_n{size}']} queries"
            )
    lengths = key_lengths(year=last_year + 100 * (len(SIZES) + 1), leader=leader, rep=rep)
    say(
        f"longest rank key: {lengths[f'key_len_max_appends_{KEY_APPENDS}']} after {KEY_APPENDS:,} "
        f"appends, {lengths[f'key_len_max_moves_{KEY_MOVES}']} over {KEY_MOVES:,} random moves "
        f"in a board of {KEY_BOARD}"
    )
    return results | lengths
