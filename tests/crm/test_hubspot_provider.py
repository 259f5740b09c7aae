"""The HubSpot provider against the in-memory HubSpot, over real HTTP on 127.0.0.1, through the
official client: paging and cursors, deletions and merges, owners and companies of deals,
the write-back, and every failure translated into a CrmError."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from crm.fakes.hubspot import SCOPE_DEALS_READ, SCOPE_OWNERS_READ, FakeHubSpot
from crm.providers.base import (
    CLOSED_WON,
    CrmAuthError,
    CrmBadAnswer,
    CrmRateLimited,
    CrmScopeError,
    CrmUnreachable,
    Cursor,
    Deleted,
    Mapping,
    Page,
)
from crm.providers.hubspot import HubSpotProvider

MAPPING = Mapping(
    arr_field=FakeHubSpot.arr_property,
    segment_field=FakeHubSpot.segment_property,
    summary_field="forcerank_status",
)
NO_MAPPING = Mapping(arr_field="", segment_field="", summary_field="")


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    server = FakeHubSpot()
    server.start()
    yield server
    server.stop()


def provider_for(fake: FakeHubSpot, **options: Any) -> HubSpotProvider:
    options.setdefault("access_token", fake.token)
    options.setdefault("timeout", 5.0)
    return HubSpotProvider(api_url=fake.url, **options)


def run(
    fetch: Callable[[Cursor | None, Mapping], Page],
    cursor: Cursor | None = None,
    mapping: Mapping = MAPPING,
    between: Callable[[int], None] | None = None,
) -> tuple[list[Any], list[Deleted], Cursor, int]:
    """A whole stream, as the sync runs it: pages until `has_more` is False, the cursor saved
    as JSON in between. `between(n)` runs after page n."""
    records: list[Any] = []
    deleted: list[Deleted] = []
    pages = 0
    while True:
        page = fetch(cursor, mapping)
        pages += 1
        records += page.records
        deleted += page.deleted
        cursor = json.loads(json.dumps(page.cursor))
        if between is not None:
            between(pages)
        if not page.has_more:
            assert cursor is not None
            return records, deleted, cursor, pages
        assert pages < 1000, "the provider does not finish"


def ids(records: list[Any]) -> list[str]:
    return [r.external_id for r in records]


# Paging -------------------------------------------------------------------------------


def test_companies_page_by_page_resume_exactly(fake: FakeHubSpot) -> None:
    made = [fake.add_company(f"Company {n}", arr=n * 1000) for n in range(7)]
    provider = provider_for(fake, page_size=2)

    records, deleted, _, pages = run(provider.companies_page)

    assert ids(records) == made  # oldest modification first, each once
    assert deleted == []
    assert pages == 5  # four pages of changes, then the (empty) archived list
    assert len(fake.requests_to("/crm/v3/objects/companies/search")) == 4
    first = records[0]
    assert first.name == "Company 0" and first.arr == 0 and first.segment is None


def test_a_record_modified_between_pages_is_seen_again_and_none_is_lost(
    fake: FakeHubSpot,
) -> None:
    made = [fake.add_company(f"Company {n}") for n in range(9)]
    provider = provider_for(fake, page_size=3)

    def modify(page: int) -> None:
        if page == 1:  # after the first page: one already read, one not yet read
            fake.update("companies", made[0], name="Company 0, renamed")
            fake.update("companies", made[4], name="Company 4, renamed")

    records, _, _, _ = run(provider.companies_page, between=modify)

    seen = ids(records)
    assert set(seen) == set(made)  # none lost (offset paging would lose one here)
    assert seen.count(made[0]) == 2  # read on page 1, and again once modified
    assert seen.count(made[4]) == 1  # not read before its change: read once, changed
    assert [r.name for r in records if r.external_id == made[0]][-1] == "Company 0, renamed"
    assert len(seen) == len(made) + 1


def test_a_cursor_resumes_in_a_new_provider_where_the_last_page_ended(fake: FakeHubSpot) -> None:
    made = [fake.add_company(f"Company {n}") for n in range(6)]
    first = provider_for(fake, page_size=2).companies_page(None, MAPPING)
    cursor = json.loads(json.dumps(first.cursor))

    records, _, _, _ = run(provider_for(fake, page_size=2).companies_page, cursor)

    assert ids(first.records) == made[:2]
    assert ids(records) == made[2:]


def test_a_second_run_returns_only_what_changed(fake: FakeHubSpot) -> None:
    made = [fake.add_company(f"Company {n}") for n in range(5)]
    provider = provider_for(fake, page_size=2)
    _, _, cursor, _ = run(provider.companies_page)

    unchanged, _, cursor, _ = run(provider.companies_page, cursor)
    fake.update("companies", made[1], annualrevenue="250000.49")
    added = fake.add_company("Newcomer")
    changed, _, _, _ = run(provider.companies_page, cursor)

    assert unchanged == []
    assert ids(changed) == [made[1], added]
    assert changed[0].arr == 250000


def test_more_records_in_one_millisecond_than_the_search_cap(fake: FakeHubSpot) -> None:
    """An import stamps many records with one modification time: the provider walks that
    millisecond by id, never asking for a search result past the cap (HubSpot: 10,000)."""
    fake.search_cap = 50
    same = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    made = [fake.add_company(f"Imported {n}", modified=same) for n in range(120)]
    later = fake.add_company("Later")
    provider = provider_for(fake, page_size=20)

    records, _, cursor, _ = run(provider.companies_page)

    assert sorted(ids(records)) == sorted([*made, later])  # each exactly once
    bodies = [r.json() for r in fake.requests_to("/crm/v3/objects/companies/search")]
    assert all(int(b.get("after") or 0) < fake.search_cap for b in bodies)
    assert run(provider.companies_page, cursor)[0] == []


def test_more_changes_than_the_search_cap(fake: FakeHubSpot) -> None:
    fake.search_cap = 40
    made = [fake.add_company(f"Company {n}") for n in range(130)]
    provider = provider_for(fake, page_size=15)

    records, _, _, _ = run(provider.companies_page)

    assert ids(records) == made


def test_the_fake_refuses_a_search_past_its_cap_like_hubspot(fake: FakeHubSpot) -> None:
    fake.search_cap = 10
    host, port = fake.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        for after, status in (("5", 200), ("10", 400)):
            connection.request(
                "POST",
                "/crm/v3/objects/companies/search",
                body=json.dumps({"after": after, "limit": 5}),
                headers={"Authorization": f"Bearer {fake.token}"},
            )
            answer = connection.getresponse()
            answer.read()
            assert answer.status == status
    finally:
        connection.close()


# Deletions and merges -----------------------------------------------------------------


def test_archived_companies_and_deals_come_as_deleted_once(fake: FakeHubSpot) -> None:
    companies = [fake.add_company(f"Company {n}") for n in range(3)]
    deal = fake.add_deal("Deal", companies[0], 100)
    provider = provider_for(fake, page_size=2)
    fake.archive("companies", companies[1])
    _, deleted, cursor, _ = run(provider.companies_page)
    assert deleted == [Deleted(companies[1])]

    fake.archive("companies", companies[2])
    fake.archive("deals", deal)
    records, deleted, _, _ = run(provider.companies_page, cursor)
    _, deleted_deals, _, _ = run(provider.deals_page)

    assert records == []
    assert deleted == [Deleted(companies[2])]  # the one archived before is not repeated
    assert deleted_deals == [Deleted(deal)]


def test_archived_records_are_listed_page_by_page(fake: FakeHubSpot) -> None:
    gone = [fake.add_company(f"Gone {n}") for n in range(5)]
    for company_id in gone:
        fake.archive("companies", company_id)
    provider = provider_for(fake, page_size=2)

    _, deleted, _, pages = run(provider.companies_page)

    assert deleted == [Deleted(i) for i in gone]
    assert pages == 1 + 3  # an empty page of changes, then three of archived companies


def test_merged_companies_and_deals(fake: FakeHubSpot) -> None:
    keep, gone = fake.add_company("Acme"), fake.add_company("Acme Inc")
    kept_deal = fake.add_deal("Renewal", keep, 100)
    merged_deal = fake.add_deal("Renewal (dup)", gone, 100)
    provider = provider_for(fake)
    _, _, companies_cursor, _ = run(provider.companies_page)
    _, _, deals_cursor, _ = run(provider.deals_page)

    fake.merge("companies", keep, gone)
    fake.merge("deals", kept_deal, merged_deal)
    companies, deleted, _, _ = run(provider.companies_page, companies_cursor)
    deals, deleted_deals, _, _ = run(provider.deals_page, deals_cursor)

    assert ids(companies) == [keep]
    assert deleted == [Deleted(gone, merged_into=keep)]
    assert ids(deals) == [kept_deal]
    assert deals[0].merged_from == (merged_deal,)
    assert deals[0].company_id == keep
    assert deleted_deals == []


# Deals --------------------------------------------------------------------------------


def test_deal_fields(fake: FakeHubSpot) -> None:
    company = fake.add_company("Acme")
    won = fake.add_deal(
        "Big one",
        company,
        "12500.50",
        stage="closedwon",
        close_date=dt.date(2025, 6, 30),
        owner_email="ann@example.com",
    )
    alone = fake.add_deal("No company", None, None)
    provider = provider_for(fake, portal_id="777")

    deals, _, _, _ = run(provider.deals_page)

    first, second = deals
    assert first.external_id == won
    assert first.company_id == company
    assert first.name == "Big one"
    assert first.amount == 12501
    assert first.stage == "closedwon"
    assert provider.default_stage_map[first.stage] == CLOSED_WON
    assert (first.is_closed, first.is_won) == (True, True)
    assert first.close_date == dt.date(2025, 6, 30)
    assert first.owner_email == "ann@example.com"
    assert first.url == f"https://app.hubspot.com/contacts/777/record/0-3/{won}"
    assert first.modified_at.tzinfo is not None
    assert second.external_id == alone
    assert second.company_id is None
    assert second.amount is None and second.close_date is None and second.owner_email is None
    assert (second.is_closed, second.is_won) == (False, False)


def test_companies_and_owners_cost_a_constant_number_of_calls_per_page(
    fake: FakeHubSpot,
) -> None:
    companies = [fake.add_company(f"Company {n}") for n in range(3)]
    for n in range(12):
        fake.add_deal(f"Deal {n}", companies[n % 3], 100, owner_email=f"rep{n % 5}@example.com")
    provider = provider_for(fake, page_size=4)

    deals, _, cursor, pages = run(provider.deals_page)

    assert len(deals) == 12
    assert [d.company_id for d in deals] == [companies[n % 3] for n in range(12)]
    assert [d.owner_email for d in deals] == [f"rep{n % 5}@example.com" for n in range(12)]
    assert len(fake.requests_to("/crm/v3/objects/deals/search")) == 3
    assert len(fake.requests_to("/crm/v4/associations/deals/companies/batch/read")) == 3
    assert len(fake.requests_to("/crm/v3/owners")) == 1  # all owners, once per provider
    assert pages == 4

    # A new owner is a miss: the owners are fetched again, once.
    fake.add_deal("Late", companies[0], 100, owner_email="newcomer@example.com")
    late, _, cursor, _ = run(provider.deals_page, cursor)
    assert [d.owner_email for d in late] == ["newcomer@example.com"]
    assert len(fake.requests_to("/crm/v3/owners")) == 2

    # An owner HubSpot no longer lists: one refetch, then no more for that owner.
    gone = fake.add_deal("Orphan", companies[0], 100, owner_email="gone@example.com")
    del fake.owners[fake.deal(gone)["hubspot_owner_id"] or ""]
    orphan, _, cursor, _ = run(provider.deals_page, cursor)
    fake.update("deals", gone, amount=200)
    again, _, _, _ = run(provider.deals_page, cursor)
    assert [d.owner_email for d in orphan + again] == [None, None]
    assert len(fake.requests_to("/crm/v3/owners")) == 3


# Write-back ---------------------------------------------------------------------------


def test_write_note_is_idempotent_by_marker(fake: FakeHubSpot) -> None:
    deal = fake.add_deal("Deal", None, 100)
    provider = provider_for(fake)

    first = provider.write_note(
        deal_id=deal, marker="forcerank-e12-d3", subject="SSO <SAML>", body="Line 1\nA & B"
    )
    second = provider.write_note(
        deal_id=deal, marker="forcerank-e12-d3", subject="SSO <SAML>", body="Line 1\nA & B"
    )

    assert first == second
    assert len(fake.notes) == 1
    note = fake.notes[0]
    assert note["id"] == first
    assert note["properties"]["hs_note_body"] == (
        "<p><strong>SSO &lt;SAML&gt;</strong></p><p>Line 1<br>A &amp; B</p><p>forcerank-e12-d3</p>"
    )
    assert note["properties"]["hs_timestamp"]
    assert note["associations"] == [
        {
            "to": {"id": deal},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}],
        }
    ]
    assert len(fake.requests_to("/crm/v3/objects/notes", method="POST")) == 1 + 2  # 2 searches

    other = provider.write_note(deal_id=deal, marker="forcerank-e12-d4", subject="S", body="B")
    assert other != first and len(fake.notes) == 2


def test_write_note_wants_a_one_token_marker(fake: FakeHubSpot) -> None:
    with pytest.raises(ValueError, match="one search token"):
        provider_for(fake).write_note(deal_id="1", marker="two tokens", subject="S", body="B")
    assert fake.requests == []


def test_set_summary_writes_the_deal_property(fake: FakeHubSpot) -> None:
    deal = fake.add_deal("Deal", None, 100)

    provider_for(fake).set_summary(
        deal_id=deal, field_name="forcerank_status", value="2 requests, 1 committed"
    )

    assert fake.deal(deal)["forcerank_status"] == "2 requests, 1 committed"
    assert [r.method for r in fake.requests_to(f"/crm/v3/objects/deals/{deal}")] == ["PATCH"]


# Connection ---------------------------------------------------------------------------


def test_test_connection_names_the_account_and_learns_the_portal_id(fake: FakeHubSpot) -> None:
    company = fake.add_company("Acme")
    provider = provider_for(fake)
    assert run(provider.companies_page)[0][0].url == ""  # no portal id yet

    message = provider.test_connection()

    host = fake.url.removeprefix("http://")
    assert message == (
        f"Connected to HubSpot account 12345678 ({host}); it can read companies, deals and "
        "owners and write notes."
    )
    assert provider.portal_id == "12345678"
    assert [r.path for r in fake.requests[-5:]] == [
        "/account-info/v3/details",
        "/crm/v3/objects/companies/search",
        "/crm/v3/objects/deals/search",
        "/crm/v3/owners/",
        "/crm/v3/objects/notes/search",
    ]
    record = run(provider.companies_page)[0][0]
    assert record.url == f"https://app.hubspot.com/contacts/12345678/record/0-2/{company}"


def test_test_connection_names_a_missing_scope(fake: FakeHubSpot) -> None:
    fake.scopes.discard(SCOPE_OWNERS_READ)

    with pytest.raises(CrmScopeError, match=r"crm\.objects\.owners\.read"):
        provider_for(fake).test_connection()


# Failures -----------------------------------------------------------------------------


def test_a_refused_token(fake: FakeHubSpot) -> None:
    with pytest.raises(CrmAuthError) as error:
        provider_for(fake, access_token="pat-na1-wrong").companies_page(None, MAPPING)
    assert str(error.value) == (
        "HubSpot refused the access token (401): check HUBSPOT_ACCESS_TOKEN."
    )


def test_a_missing_scope(fake: FakeHubSpot) -> None:
    fake.scopes.discard(SCOPE_DEALS_READ)

    with pytest.raises(CrmScopeError, match=r"lacks the scope crm\.objects\.deals\.read"):
        provider_for(fake).deals_page(None, MAPPING)


def test_rate_limited_with_retry_after(fake: FakeHubSpot) -> None:
    fake.fail(
        "/crm/v3/objects/deals/search", 429, {"status": "error"}, headers={"Retry-After": "3"}
    )
    provider = provider_for(fake)

    with pytest.raises(CrmRateLimited) as error:
        provider.deals_page(None, MAPPING)

    assert error.value.retry_after == 3
    assert len(fake.requests_to("/crm/v3/objects/deals/search")) == 1  # no retry of its own
    assert provider.deals_page(None, MAPPING).has_more  # the next try goes through


def test_rate_limited_without_retry_after_waits_ten_seconds(fake: FakeHubSpot) -> None:
    fake.fail("/crm/v3/owners", 429, {"status": "error", "category": "RATE_LIMITS"})
    with pytest.raises(CrmRateLimited) as error:
        provider_for(fake).test_connection()
    assert error.value.retry_after == 10


def test_a_server_error(fake: FakeHubSpot) -> None:
    fake.fail("/crm/v3/objects/companies/search", 500, {"status": "error", "message": "oops"})
    with pytest.raises(CrmBadAnswer, match="500"):
        provider_for(fake).companies_page(None, MAPPING)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/crm/v3/objects/companies/search", b"{not json"),
        ("/crm/v3/objects/companies/search", b"[1, 2]"),
        ("/crm/v3/objects/companies/search", b'{"total": 1, "results": [{"id": "1"}]}'),
        ("/crm/v4/associations/deals/companies/batch/read", b"{not json"),
        ("/crm/v3/owners", b'{"results": "nobody"}'),
    ],
)
def test_an_answer_that_is_not_hubspots_json(fake: FakeHubSpot, path: str, body: bytes) -> None:
    fake.add_deal("Deal", fake.add_company("Acme"), 100, owner_email="ann@example.com")
    fake.fail(path, 200, body)
    provider = provider_for(fake)

    with pytest.raises(CrmBadAnswer) as error:
        run(provider.companies_page)
        run(provider.deals_page)

    assert str(error.value) == (
        "HubSpot answered with something that is not the JSON its API documents."
    )


def test_an_unreachable_hubspot() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the provider calls it
    provider = HubSpotProvider(access_token="pat", api_url=f"http://127.0.0.1:{port}", timeout=2)

    with pytest.raises(CrmUnreachable) as error:
        provider.companies_page(None, NO_MAPPING)

    assert str(error.value).startswith(f"HubSpot did not answer at 127.0.0.1:{port}: ")


def test_the_account_details_of_an_unreachable_hubspot() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = HubSpotProvider(access_token="pat", api_url=f"http://127.0.0.1:{port}", timeout=2)

    with pytest.raises(CrmUnreachable):
        provider.test_connection()
