"""Benchmark of the CRM sync against the local fake HubSpot on 127.0.0.1: 20,000 deals of 200
companies, through the real client over HTTP, into the database.

`crm_sync_ms_per_1000_deals`: the whole sync's time per thousand deals (fetching, mapping,
writing; the fake answers in well under a millisecond, so this is Forcerank's and the client's
own cost). `crm_sync_queries_per_page`: the queries of the busiest page of deals; the first and
last pages are reported beside it to show that a page costs the same wherever it is. Called by
`manage.py bench` inside a transaction it rolls back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from crm.fakes.hubspot import FakeHubSpot
from crm.models import SyncRun, Vendor
from crm.providers.base import Cursor, Mapping, Page
from crm.providers.hubspot import HubSpotProvider
from crm.sync import sync_run, sync_start

DEALS = 20_000
COMPANIES = 200


def _page_queries(captured: list[dict[str, str]]) -> list[int]:
    """Queries between one page's progress note and the next's: each page of the sync."""
    pages: list[int] = []
    for query in captured:
        sql = query["sql"]
        if sql.startswith('UPDATE "crm_syncrun" SET "progress"'):
            pages.append(0)
        elif pages:
            pages[-1] += 1
    return pages


def run(*, repeat: int, say: Callable[[str], None]) -> dict[str, float | int]:
    rep = User.objects.create_user(
        "bench.crm.rep@example.invalid", None, full_name="Bench CRM Rep", role=Role.SALES_REP
    )
    fake = FakeHubSpot()
    fake.start()
    try:
        companies = [fake.add_company(f"Bench CRM company {n}") for n in range(COMPANIES)]
        for n, company in enumerate(companies):
            fake.add_deals(
                DEALS // COMPANIES,
                company_id=company,
                owner_email=rep.email,
                name_prefix=f"Bench deal {n}",
            )
        provider = HubSpotProvider(access_token=fake.token, api_url=fake.url)
        sizes: list[int] = []  # records on each page of deals, in order
        fetch = provider.deals_page

        def deals_page(cursor: Cursor | None, mapping: Mapping) -> Page:
            page = fetch(cursor, mapping)
            sizes.append(len(page.records))
            return page

        provider.deals_page = deals_page  # type: ignore[method-assign]
        started, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
        clock = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            finished = sync_run(run_id=started.pk, provider=provider)
        seconds = time.perf_counter() - clock
    finally:
        fake.stop()
    assert finished.status == SyncRun.Status.SUCCEEDED, finished.message
    assert finished.created == DEALS + COMPANIES, finished.created
    # The sync's last pages are the deals'; the full ones (not the last, short page, nor the
    # empty check for deletions) are compared.
    deal_pages = [
        count
        for count, size in zip(
            _page_queries(queries.captured_queries)[-len(sizes) :], sizes, strict=True
        )
        if size == provider.page_size
    ]
    results: dict[str, float | int] = {
        "crm_sync_ms_per_1000_deals": round(seconds * 1000 / (DEALS / 1000), 1),
        "crm_sync_queries_per_page": max(deal_pages),
        "crm_sync_queries_first_page": deal_pages[0],
        "crm_sync_queries_last_page": deal_pages[-1],
    }
    say(
        f"CRM sync of {DEALS:,} deals ({finished.pages} pages): {seconds:.1f} s, "
        f"{results['crm_sync_ms_per_1000_deals']} ms per 1,000 deals; queries per page of deals "
        f"{results['crm_sync_queries_first_page']} (first full one) … "
        f"{results['crm_sync_queries_last_page']} (last full one), at most "
        f"{results['crm_sync_queries_per_page']}"
    )
    return results
