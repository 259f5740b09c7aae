"""Benchmark of the request form (GET /requests/new/ as a sales leader, who may link every open
deal) with 50 and with 5,000 open deals. Its time and size should be flat: the deals are found
by the form's deal picker as the user types, not listed in the page.

Called by `manage.py bench` inside a transaction it rolls back. Like the board's benchmark,
the page goes through Django's full handler (middleware, view, template) in-process.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import Role, User
from demo.bench_ranking import _median_ms
from feature_requests.forms.requests import deals_for
from feature_requests.models import Customer, Deal

SIZES = (50, 5000)
CUSTOMERS = 200  # the deals are spread over this many customers (fewer for a small size)


def _top_up(*, leader: User, rep: User, size: int) -> int:
    """Build open deals in bulk until the leader may link `size` of them (the database may
    hold some already); returns how many there are."""
    missing = size - deals_for(user=leader).count()
    if missing > 0:
        customers = Customer.objects.bulk_create(
            Customer(name=f"Bench form customer {size}-{n}", arr=100_000)
            for n in range(min(missing, CUSTOMERS))
        )
        Deal.objects.bulk_create(
            Deal(
                customer=customers[n % len(customers)],
                name=f"Bench form deal {n}",
                amount=10_000 + n,
                stage=Deal.Stage.EVALUATION,
                owner=rep,
            )
            for n in range(missing)
        )
    if connection.vendor == "postgresql":
        # Fresh rows have no planner statistics yet; a live database would have them.
        with connection.cursor() as cursor:
            for model in (Customer, Deal):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return deals_for(user=leader).count()


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    results: dict[str, float | int] = {}
    leader = User.objects.create_user(
        "bench.form.leader@example.invalid",
        None,
        full_name="Bench Form Leader",
        role=Role.SALES_LEADER,
    )
    rep = User.objects.create_user(
        "bench.form.rep@example.invalid",
        None,
        full_name="Bench Form Rep",
        role=Role.SALES_REP,
        manager=leader,
    )
    url = reverse("requests:request_create")
    # Bench requests come in over plain HTTP as 'testserver'; the settings may say otherwise.
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        client = Client()
        client.force_login(leader)
        for size in SIZES:
            deals = _top_up(leader=leader, rep=rep, size=size)
            client.get(url)  # warm caches: templates, URL resolver
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, response.status_code
            statements = len(queries)  # now: later requests reset the log it reads

            def get_form(client: Client = client) -> HttpResponseBase:
                return client.get(url)

            results[f"request_form_ms_deals_{size}"] = _median_ms(get_form, repeat)
            results[f"request_form_bytes_deals_{size}"] = len(response.content)
            say(
                f"request form with {deals:,} open deals: "
                f"{results[f'request_form_ms_deals_{size}']} ms, "
                f"{results[f'request_form_bytes_deals_{size}']:,} bytes, {statements} queries"
            )
    return results
