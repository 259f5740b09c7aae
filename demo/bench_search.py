"""Benchmark of the search (feature_requests/search.py) over 20,000 requests, with customers and
deals: the time of one search for a few words with a typo, and how many queries it takes (one
per kind it groups: requests, customers, deals). On PostgreSQL each is answered from the
indexes of feature_requests/migrations/0004_search_indexes.py (`--verbosity 2`-style detail:
the EXPLAIN of the request query is printed). On SQLite it measures the "contains" fallback.

Called by `manage.py bench` inside a transaction it rolls back.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from demo.bench_ranking import _median_ms
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.search import _requests_pg, search

SIZE = 20_000
QUERY = "audit log expot"  # "expot": a typo the trigram match forgives
WORDS = [
    "audit",
    "log",
    "export",
    "import",
    "sso",
    "saml",
    "okta",
    "billing",
    "invoice",
    "report",
    "dashboard",
    "api",
    "webhook",
    "slack",
    "salesforce",
    "hubspot",
    "csv",
    "pdf",
    "bulk",
    "edit",
    "permission",
    "role",
    "team",
    "workspace",
    "sandbox",
    "retention",
    "archive",
    "search",
    "filter",
    "tag",
    "comment",
    "mention",
    "notification",
    "mobile",
    "offline",
    "sync",
    "calendar",
    "timezone",
    "currency",
    "tax",
    "discount",
    "approval",
    "workflow",
    "integration",
    "schedule",
    "backup",
]


def _made_up_words(rng: random.Random, count: int) -> list[str]:
    """A vocabulary as varied as real titles': pronounceable made-up words."""
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    return [
        "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        for _ in range(count)
    ]


def _build(rep: User) -> None:
    rng = random.Random(SIZE)  # noqa: S311 - repeatable made-up data, not secrets
    vocabulary = _made_up_words(rng, 5_000)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Bench search customer {n} {rng.choice(WORDS)}", arr=100_000)
        for n in range(500)
    )
    deals = Deal.objects.bulk_create(
        Deal(
            customer=customers[n % len(customers)],
            name=f"Bench search deal {n} {rng.choice(WORDS)}",
            amount=10_000 + n,
            owner=rep,
        )
        for n in range(2_000)
    )
    requests = FeatureRequest.objects.bulk_create(
        (
            FeatureRequest(
                # Two product words and two others, as in "Audit log export to S3".
                title=" ".join([*rng.sample(WORDS, 2), *rng.sample(vocabulary, 2)]).capitalize(),
                problem=" ".join(rng.choice(WORDS + vocabulary) for _ in range(40)),
                submitted_by=rep,
            )
            for _ in range(SIZE)
        ),
        batch_size=2_000,
    )
    RequestDeal.objects.bulk_create(
        (RequestDeal(request=request, deal=rng.choice(deals)) for request in requests),
        batch_size=2_000,
    )
    if connection.vendor == "postgresql":
        # Fresh rows have no planner statistics yet; a live database would have them.
        with connection.cursor() as cursor:
            for model in (Customer, Deal, FeatureRequest, RequestDeal):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def explain() -> str:
    """The plan of the request query (PostgreSQL), for the closing note."""
    if connection.vendor != "postgresql":
        return "(SQLite: the icontains fallback scans the table)"
    return _requests_pg(QUERY)[:10].explain()


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    rep = User.objects.create_user(
        "bench.search.rep@example.invalid", None, full_name="Bench Search Rep", role=Role.SALES_REP
    )
    _build(rep)
    search(user=rep, text=QUERY)  # warm up
    with CaptureQueriesContext(connection) as queries:
        found = search(user=rep, text=QUERY)
    results: dict[str, float | int] = {
        "search_ms_n20000": _median_ms(lambda: search(user=rep, text=QUERY), repeat),
        "search_queries": len(queries),
    }
    backend = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite fallback"
    say(
        f"search over {SIZE:,} requests ({backend}): {results['search_ms_n20000']} ms, "
        f"{results['search_queries']} queries, {found.requests.total:,} requests, "
        f"{found.customers.total} customers, {found.deals.total} deals matched"
    )
    say(explain())
    return results
