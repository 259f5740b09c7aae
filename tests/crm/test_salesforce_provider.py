"""The Salesforce provider against the fake Salesforce, over real HTTP on 127.0.0.1.

simple-salesforce runs unchanged: the provider's transport adapter sends its
https://acme.my.salesforce.com requests to the fake. No database, no internet.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crm.fakes.salesforce import FakeSalesforce
from crm.fakes.server import Answer, Request
from crm.providers.base import (
    CompanyRecord,
    CrmAuthError,
    CrmBadAnswer,
    CrmError,
    CrmRateLimited,
    CrmScopeError,
    CrmUnreachable,
    Cursor,
    DealRecord,
    Deleted,
    Mapping,
    Page,
)
from crm.providers.salesforce import NOT_JSON, SalesforceProvider

MAPPING = Mapping(arr_field="ARR__c", segment_field="Segment__c", summary_field="")
NO_MAPPING = Mapping(arr_field="", segment_field="", summary_field="")
T0 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce()
    server.start()
    yield server
    server.stop()


def make_provider(fake: FakeSalesforce, **overrides: Any) -> SalesforceProvider:
    options: dict[str, Any] = {
        "domain": "acme.my",
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "api_url": fake.url,
        "timeout": 5.0,
        **overrides,
    }
    return SalesforceProvider(**options)


@pytest.fixture
def provider(fake: FakeSalesforce) -> SalesforceProvider:
    return make_provider(fake)


def drain(
    fetch: Callable[[Cursor | None, Mapping], Page], cursor: Cursor | None, mapping: Mapping
) -> tuple[list[Page], Cursor]:
    pages: list[Page] = []
    while True:
        page = fetch(cursor, mapping)
        pages.append(page)
        cursor = page.cursor
        if not page.has_more:
            return pages, cursor
        assert len(pages) < 50, "paging does not end"


def queries(fake: FakeSalesforce, endpoint: str = "query") -> list[str]:
    return [r.query["q"][0] for r in fake.requests if r.path.rstrip("/").endswith(f"/{endpoint}")]


def rsa_pem() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Logging in ---------------------------------------------------------------------------------


def test_client_credentials_login_and_test_connection(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.add_account(name="Acme")

    message = provider.test_connection()

    assert message == (
        "Connected to Salesforce at acme.my.salesforce.com as the connected app 3MVG9fak…; "
        "it can read accounts and opportunities and create tasks."
    )
    assert fake.logins == ["client_credentials"]
    (login,) = fake.requests_to("/services/oauth2/token")
    assert login.headers["authorization"].startswith("Basic ")
    assert queries(fake) == [
        "SELECT Id, Owner.Email FROM Opportunity LIMIT 1",
        "SELECT Id FROM Account LIMIT 1",
    ]
    assert fake.requests_to("/services/data/v62.0/sobjects/Task/describe", "GET")
    assert provider.base_url == fake.url


def test_logs_in_lazily_and_once(fake: FakeSalesforce) -> None:
    provider = make_provider(fake)
    assert fake.requests == []
    provider.companies_page(None, NO_MAPPING)
    provider.deals_page(None, NO_MAPPING)
    assert fake.logins == ["client_credentials"]


def test_base_url_without_api_url() -> None:
    provider = SalesforceProvider(domain="acme.my", client_id="x", client_secret="y")
    assert provider.base_url == "https://acme.my.salesforce.com"


def test_jwt_bearer_login() -> None:
    private, public = rsa_pem()
    fake = FakeSalesforce(jwt_public_key=public)
    fake.start()
    try:
        provider = SalesforceProvider(
            domain="acme.my",
            client_id=fake.client_id,
            username=fake.username,
            private_key=private,
            api_url=fake.url,
        )
        message = provider.test_connection()
        assert "as integration@acme.example;" in message
        assert fake.logins == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]

        other_private, _ = rsa_pem()  # not the key whose certificate Salesforce has
        stranger = SalesforceProvider(
            domain="acme.my",
            client_id=fake.client_id,
            username=fake.username,
            private_key=other_private,
            api_url=fake.url,
        )
        with pytest.raises(CrmAuthError, match=r"refused the credentials: invalid assertion"):
            stranger.test_connection()
    finally:
        fake.stop()


def test_jwt_with_a_broken_private_key_says_so(fake: FakeSalesforce) -> None:
    provider = make_provider(
        fake, client_secret="", username=fake.username, private_key="not a key"
    )
    with pytest.raises(CrmAuthError, match="not an unencrypted PEM key"):
        provider.test_connection()
    assert fake.requests == []


def test_wrong_secret_is_an_auth_error(fake: FakeSalesforce) -> None:
    provider = make_provider(fake, client_secret="wrong")
    with pytest.raises(CrmAuthError) as caught:
        provider.test_connection()
    assert str(caught.value).startswith(
        "Salesforce refused the credentials: invalid client credentials (invalid_client); "
        "check the connected app's consumer key and secret."
    )
    assert fake.logins == []


def test_token_endpoint_401_is_an_auth_error(fake: FakeSalesforce, provider: Any) -> None:
    fake.fail(
        "/services/oauth2/token",
        401,
        {"error": "invalid_grant", "error_description": "expired access/refresh token"},
    )
    with pytest.raises(CrmAuthError, match="expired access/refresh token \\(invalid_grant\\)"):
        provider.companies_page(None, NO_MAPPING)


def test_missing_credentials_are_an_auth_error(fake: FakeSalesforce) -> None:
    provider = make_provider(fake, client_secret="")
    with pytest.raises(CrmAuthError, match="consumer secret, or a username and a private key"):
        provider.test_connection()


def test_expired_session_logs_in_again_transparently(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    account = fake.add_account(name="Acme")
    provider.companies_page(None, NO_MAPPING)
    fake.expire_tokens()

    page = provider.companies_page(None, NO_MAPPING)

    assert [r.external_id for r in page.records] == [account]
    assert len(fake.logins) == 2
    # First page: query + queryAll; second: the refused query, then query + queryAll again.
    assert len(fake.requests_to("/services/data/")) == 5
    tokens = [r.headers["authorization"] for r in fake.requests_to("/services/data/")]
    assert tokens[2] == tokens[0] != tokens[3] == tokens[4]


def test_session_refused_again_after_relogin_is_an_auth_error(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.fail("/services/data/", 401, SESSION_EXPIRED, times=10)
    with pytest.raises(CrmAuthError, match="ended the session again"):
        provider.companies_page(None, NO_MAPPING)
    assert len(fake.logins) == 2  # one relogin, one retry, no loop
    assert len(fake.requests_to("/services/data/")) == 2


# Paging -------------------------------------------------------------------------------------


def test_companies_page_reads_the_mapped_fields(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    account = fake.add_account(name="Acme", arr=120000.6, segment="Enterprise", modified=T0)
    bare = fake.add_account(name="Bare", modified=T0 + dt.timedelta(seconds=1))

    page = provider.companies_page(None, MAPPING)

    assert page.records == [
        CompanyRecord(
            external_id=account,
            name="Acme",
            arr=120001,
            segment="Enterprise",
            url=f"https://acme.my.salesforce.com/lightning/r/Account/{account}/view",
            modified_at=T0,
        ),
        CompanyRecord(
            external_id=bare,
            name="Bare",
            arr=None,
            segment=None,
            url=f"https://acme.my.salesforce.com/lightning/r/Account/{bare}/view",
            modified_at=T0 + dt.timedelta(seconds=1),
        ),
    ]
    assert page.has_more is False
    assert queries(fake)[0] == (
        "SELECT Id, Name, ARR__c, Segment__c, SystemModstamp FROM Account "
        "ORDER BY SystemModstamp, Id LIMIT 200"
    )
    unmapped = provider.companies_page(None, NO_MAPPING)
    assert [r.arr for r in unmapped.records] == [None, None]
    assert [r.segment for r in unmapped.records] == [None, None]
    assert queries(fake)[-1].startswith("SELECT Id, Name, SystemModstamp FROM Account ")


def test_paging_resumes_exactly_across_pages_with_shared_stamps(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    # 450 accounts, 7 to a second: runs of equal SystemModstamp straddle both page ends.
    ids = [
        fake.add_account(name=f"Account {n}", modified=T0 + dt.timedelta(seconds=n // 7))
        for n in range(450)
    ]

    pages, _ = drain(provider.companies_page, None, NO_MAPPING)

    assert [len(page.records) for page in pages] == [200, 200, 50]
    assert [page.has_more for page in pages] == [True, True, False]
    seen = [record.external_id for page in pages for record in page.records]
    assert seen == ids  # oldest first, no duplicate, no gap
    stamps = [record.modified_at for page in pages for record in page.records]
    assert stamps == sorted(stamps)
    assert pages[0].records[-1].modified_at == pages[1].records[0].modified_at  # a shared stamp

    # A crash after page 1: another provider resumes from the stored cursor, exactly.
    restarted = make_provider(fake)
    again = restarted.companies_page(pages[0].cursor, NO_MAPPING)
    assert [r.external_id for r in again.records] == ids[200:400]
    assert queries(fake)[-1] == (
        "SELECT Id, Name, SystemModstamp FROM Account WHERE (SystemModstamp > "  # noqa: S608
        "2026-11-30T10:00:28Z OR (SystemModstamp = 2026-11-30T10:00:28Z AND Id > "
        f"'{ids[199]}')) ORDER BY SystemModstamp, Id LIMIT 200"
    )


def test_second_run_returns_only_what_changed(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    ids = [fake.add_account(name=f"A{n}", modified=T0) for n in range(5)]
    _, cursor = drain(provider.companies_page, None, MAPPING)

    assert drain(provider.companies_page, cursor, MAPPING)[0][0].records == []

    fake.update(ids[3], Name="A3 renamed", ARR__c=5000)
    fake.update(ids[1], Segment__c="SMB")
    new = fake.add_account(name="New")
    pages, cursor = drain(provider.companies_page, cursor, MAPPING)

    records = [record for page in pages for record in page.records]
    assert [(r.external_id, r.name, r.arr, r.segment) for r in records] == [
        (ids[3], "A3 renamed", 5000, None),
        (ids[1], "A1", None, "SMB"),
        (new, "New", None, None),
    ]
    assert drain(provider.companies_page, cursor, MAPPING)[0][0].records == []


def test_deletions_and_merges_come_out_as_deleted(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    winner = fake.add_account(name="Acme Inc")
    loser = fake.add_account(name="ACME")
    gone = fake.add_account(name="Gone")
    _, cursor = drain(provider.companies_page, None, NO_MAPPING)

    fake.merge(winner, loser)
    fake.delete(gone)
    pages, cursor = drain(provider.companies_page, cursor, NO_MAPPING)

    assert [r.external_id for page in pages for r in page.records] == [winner]
    assert [d for page in pages for d in page.deleted] == [
        Deleted(loser, merged_into=winner),
        Deleted(gone, merged_into=None),
    ]
    deleted_query = queries(fake, "queryAll")[-1]
    assert deleted_query.startswith(
        "SELECT Id, MasterRecordId, SystemModstamp FROM Account WHERE IsDeleted = true AND "
    )
    # Reported once: the next run starts after them.
    nothing = drain(provider.companies_page, cursor, NO_MAPPING)[0]
    assert [d for page in nothing for d in page.deleted] == []


def test_deleted_phase_pages_too(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    ids = [fake.add_account(name=f"A{n}", modified=T0) for n in range(230)]
    _, cursor = drain(provider.companies_page, None, NO_MAPPING)
    for account in ids:
        fake.delete(account, modified=T0 + dt.timedelta(hours=1))  # all one stamp

    pages, _ = drain(provider.companies_page, cursor, NO_MAPPING)

    assert [len(page.deleted) for page in pages] == [200, 30]
    assert [page.cursor["phase"] for page in pages] == ["deleted", "changes"]
    assert [d.external_id for page in pages for d in page.deleted] == ids


def test_deals_page(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    account = fake.add_account(name="Acme")
    open_deal = fake.add_opportunity(
        account_id=account,
        name="Acme renewal",
        amount=48999.5,
        stage="Negotiation/Review",
        close_date=dt.date(2026, 12, 31),
        owner_email="ae@acme.example",
        modified=T0,
    )
    won = fake.add_opportunity(
        account_id=None,
        name="Orphan",
        amount=None,
        stage="Closed Won",
        close_date=None,
        modified=T0 + dt.timedelta(seconds=5),
    )

    page = provider.deals_page(None, MAPPING)

    assert page.records == [
        DealRecord(
            external_id=open_deal,
            company_id=account,
            name="Acme renewal",
            amount=49000,
            stage="Negotiation/Review",
            is_closed=False,
            is_won=False,
            close_date=dt.date(2026, 12, 31),
            owner_email="ae@acme.example",
            url=f"https://acme.my.salesforce.com/lightning/r/Opportunity/{open_deal}/view",
            modified_at=T0,
        ),
        DealRecord(
            external_id=won,
            company_id=None,
            name="Orphan",
            amount=None,
            stage="Closed Won",
            is_closed=True,
            is_won=True,
            close_date=None,
            owner_email="owner@acme.example",
            url=f"https://acme.my.salesforce.com/lightning/r/Opportunity/{won}/view",
            modified_at=T0 + dt.timedelta(seconds=5),
        ),
    ]
    assert queries(fake)[0].startswith(
        "SELECT Id, Name, Amount, StageName, IsClosed, IsWon, CloseDate, AccountId, "
        "Owner.Email, SystemModstamp FROM Opportunity"
    )

    fake.delete(won)
    later = provider.deals_page(page.cursor, MAPPING)
    assert later.records == []
    assert later.deleted == [Deleted(won)]
    assert "MasterRecordId" not in queries(fake, "queryAll")[-1]


def test_default_stage_map_covers_the_standard_stages(provider: SalesforceProvider) -> None:
    assert provider.default_stage_map["Prospecting"] == "discovery"
    assert provider.default_stage_map["Perception Analysis"] == "evaluation"
    assert provider.default_stage_map["Proposal/Price Quote"] == "negotiation"
    assert provider.default_stage_map["Closed Won"] == "closed_won"
    assert provider.default_stage_map["Closed Lost"] == "closed_lost"
    assert len(provider.default_stage_map) == 10


# Failures -----------------------------------------------------------------------------------


def test_insufficient_access_is_a_scope_error(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.set_access(readable={"Account", "Task"})
    with pytest.raises(CrmScopeError, match="insufficient access rights on object Opportunity"):
        provider.deals_page(None, NO_MAPPING)
    with pytest.raises(CrmScopeError):
        provider.test_connection()


def test_task_not_createable_fails_the_connection_test(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.set_access(task_createable=False)
    with pytest.raises(CrmScopeError, match="not create tasks"):
        provider.test_connection()


def test_api_disabled_is_a_scope_error(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    fake.set_access(api_enabled=False)
    with pytest.raises(CrmScopeError, match="API_DISABLED_FOR_ORG"):
        provider.companies_page(None, NO_MAPPING)


def test_unknown_mapped_field_is_a_scope_error(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.add_account(name="Acme")
    mapping = Mapping(arr_field="Annual_ARR__c", segment_field="", summary_field="")
    with pytest.raises(CrmScopeError, match="No such column 'Annual_ARR__c'"):
        provider.companies_page(None, mapping)


def test_request_limit_is_rate_limited(fake: FakeSalesforce) -> None:
    limit = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    fake.fail("/services/data/", 403, limit)
    with pytest.raises(CrmRateLimited) as caught:
        make_provider(fake).companies_page(None, NO_MAPPING)
    assert caught.value.retry_after == 60
    assert "request limit is used up" in str(caught.value)

    fake.fail("/services/data/", 403, limit)
    with pytest.raises(CrmRateLimited) as caught:
        make_provider(fake, rate_limit_wait=5).companies_page(None, NO_MAPPING)
    assert caught.value.retry_after == 5

    fake.fail("/services/data/", 403, limit, headers={"Retry-After": "12"})
    with pytest.raises(CrmRateLimited) as caught:
        make_provider(fake).companies_page(None, NO_MAPPING)
    assert caught.value.retry_after == 12


def test_server_error_is_a_bad_answer(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    fake.fail("/services/data/", 500, [{"message": "boom", "errorCode": "UNKNOWN_EXCEPTION"}])
    with pytest.raises(CrmBadAnswer, match=r"Salesforce failed \(HTTP 500\)"):
        provider.companies_page(None, NO_MAPPING)


def test_malformed_json_is_a_bad_answer(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    fake.fail("/services/data/", 200, b"<html>")
    with pytest.raises(CrmBadAnswer) as caught:
        provider.companies_page(None, NO_MAPPING)
    assert str(caught.value) == NOT_JSON


def test_malformed_login_answer_is_a_bad_answer(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.fail("/services/oauth2/token", 200, b"<html>")
    with pytest.raises(CrmBadAnswer, match="not the JSON"):
        provider.companies_page(None, NO_MAPPING)


def test_records_missing_keys_are_a_bad_answer(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.fail("/services/data/", 200, {"totalSize": 1, "done": True, "records": [{"Name": "x"}]})
    with pytest.raises(CrmBadAnswer, match="not the JSON"):
        provider.companies_page(None, NO_MAPPING)


def test_unreachable_is_unreachable() -> None:
    port = closed_port()
    provider = SalesforceProvider(
        domain="acme.my",
        client_id="x",
        client_secret="y",
        api_url=f"http://127.0.0.1:{port}",
        timeout=2,
    )
    with pytest.raises(CrmUnreachable, match=f"did not answer at 127.0.0.1:{port}"):
        provider.test_connection()


def test_slow_answer_times_out(fake: FakeSalesforce) -> None:
    def slow(request: Request) -> Answer:
        time.sleep(1.5)
        return Answer(200, {})

    fake.routes[("POST", "/services/oauth2/token")] = slow
    provider = make_provider(fake, timeout=0.3)
    with pytest.raises(CrmUnreachable, match=r"within 0\.3 seconds"):
        provider.test_connection()


# Writing back -------------------------------------------------------------------------------


def test_write_note_is_idempotent_by_marker(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    deal = fake.add_opportunity(account_id=None, name="Deal")

    first = provider.write_note(
        deal_id=deal, marker="fr-note-42", subject="Forcerank: SSO committed", body="Committed."
    )
    second = provider.write_note(
        deal_id=deal, marker="fr-note-42", subject="Forcerank: SSO committed", body="Committed."
    )

    assert first == second
    assert len(fake.tasks) == 1
    task = fake.tasks[0]
    assert task["Id"] == first and first.startswith("00T")
    assert task["WhatId"] == deal
    assert task["Subject"] == "Forcerank: SSO committed [fr-note-42]"
    assert task["Description"] == "Committed.\n\nfr-note-42"
    assert task["Status"] == "Completed"
    assert task["ActivityDate"] == dt.date.today().isoformat()
    assert len(fake.requests_to("/services/data/v62.0/sobjects/Task", "POST")) == 1

    other = provider.write_note(deal_id=deal, marker="fr-note-43", subject="Again", body="")
    assert other != first
    assert len(fake.tasks) == 2


def test_write_note_truncates_the_subject_but_keeps_the_marker(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    deal = fake.add_opportunity(account_id=None, name="Deal")
    provider.write_note(deal_id=deal, marker="fr-7", subject="S" * 400, body="b")
    provider.write_note(deal_id=deal, marker="fr-7", subject="S" * 400, body="b")
    (task,) = fake.tasks
    assert len(task["Subject"]) == 255
    assert task["Subject"].endswith("S [fr-7]")


def test_set_summary_updates_the_field(fake: FakeSalesforce, provider: SalesforceProvider) -> None:
    deal = fake.add_opportunity(account_id=None, name="Deal")
    provider.set_summary(deal_id=deal, field_name="Forcerank_Status__c", value="2 committed")
    assert fake.opportunity(deal)["Forcerank_Status__c"] == "2 committed"

    provider.set_summary(deal_id=deal, field_name="Forcerank_Status__c", value="x" * 300)
    assert fake.opportunity(deal)["Forcerank_Status__c"] == "x" * 255
    (patch, _) = fake.requests_to(f"/services/data/v62.0/sobjects/Opportunity/{deal}", "PATCH")
    assert patch.json() == {"Forcerank_Status__c": "2 committed"}


def test_set_summary_on_a_missing_field_or_deal(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    deal = fake.add_opportunity(account_id=None, name="Deal")
    with pytest.raises(CrmScopeError, match="No such column 'Nope__c'"):
        provider.set_summary(deal_id=deal, field_name="Nope__c", value="v")
    with pytest.raises(CrmError, match="no such record"):
        provider.set_summary(
            deal_id="006Fk9999999999999", field_name="Forcerank_Status__c", value="v"
        )


def test_soql_injection_in_the_marker_is_quoted(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    deal = fake.add_opportunity(account_id=None, name="Deal")
    other = fake.add_opportunity(account_id=None, name="Other deal")
    victim = provider.write_note(deal_id=other, marker="m1", subject="Note", body="")

    # Unquoted, this would read "... Subject LIKE '%[x%' OR Subject LIKE '%]%'" and find the
    # other deal's task.
    sneaky = "x%' OR Subject LIKE '%"
    created = provider.write_note(deal_id=deal, marker=sneaky, subject="Note", body="")

    assert created != victim
    assert len(fake.tasks) == 2
    assert fake.tasks[1]["WhatId"] == deal
    sent = queries(fake)[-1]
    assert sent == (
        f"SELECT Id FROM Task WHERE WhatId = '{deal}' AND "  # noqa: S608
        "Subject LIKE '%[x\\%\\' OR Subject LIKE \\'\\%]%' LIMIT 1"
    )
    # And it is found again by that same marker.
    assert provider.write_note(deal_id=deal, marker=sneaky, subject="Note", body="") == created


def test_soql_injection_in_a_cursor_is_quoted(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    fake.add_account(name="Old", modified=T0)
    newer = fake.add_account(name="Newer", modified=T0 + dt.timedelta(seconds=1))
    cursor = {
        "phase": "changes",
        "since": "2026-11-30T10:00:00.000+0000",
        "last_id": "zzz' OR Name != '",
    }
    page = provider.companies_page(cursor, NO_MAPPING)
    assert [r.external_id for r in page.records] == [newer]
    assert "Id > 'zzz\\' OR Name != \\''" in queries(fake)[0]

    with pytest.raises(CrmError, match="damaged"):
        provider.companies_page({"since": "1 OR Id != null"}, NO_MAPPING)


def test_ids_and_field_names_are_checked_before_any_request(
    fake: FakeSalesforce, provider: SalesforceProvider
) -> None:
    with pytest.raises(CrmError, match="not a Salesforce record id"):
        provider.write_note(deal_id="006' OR Id != '", marker="m", subject="s", body="b")
    with pytest.raises(CrmError, match="not a Salesforce record id"):
        provider.set_summary(deal_id="../../sobjects/User", field_name="F__c", value="v")
    with pytest.raises(CrmError, match="not a Salesforce field name"):
        provider.companies_page(None, Mapping("ARR__c FROM User --", "", ""))
    assert fake.requests == []
