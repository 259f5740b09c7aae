"""What the sync and the write-back ask of a CRM, whichever it is.

A provider wraps the vendor's own client (`hubspot-api-client`, `simple-salesforce`) and speaks
in plain records: the sync never sees a vendor's JSON, and a provider never touches the
database. Every failure a user should hear about is a `CrmError` with a sentence for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

# Forcerank's deal stages, as `feature_requests.models.Deal.Stage` values (a provider maps
# its own stages onto these through the admin's stage mapping).
DISCOVERY, EVALUATION, NEGOTIATION = "discovery", "evaluation", "negotiation"
CLOSED_WON, CLOSED_LOST = "closed_won", "closed_lost"

Cursor = dict[str, Any]  # JSON: where the next page starts; opaque to everyone but the provider


@dataclass(frozen=True)
class Mapping:
    """The admin's field mapping, as the providers need it (`crm.models.CrmSettings`)."""

    arr_field: str  # the company/account field holding ARR; "" = leave ARR alone
    segment_field: str  # the company/account field holding the segment; "" = leave it alone
    summary_field: str  # the deal/opportunity field "Forcerank status" is written to; "" = none


@dataclass(frozen=True)
class CompanyRecord:
    external_id: str
    name: str
    arr: int | None  # None: the field is empty or not mapped (keep what Forcerank has)
    segment: str | None  # the CRM's raw value; the sync maps it to SMB / mid-market / enterprise
    url: str
    modified_at: dt.datetime


@dataclass(frozen=True)
class DealRecord:
    external_id: str
    company_id: str | None  # the CRM id of the deal's company/account
    name: str
    amount: int | None  # whole currency units; None: empty
    stage: str  # the CRM's own stage id or name, mapped by the admin's stage mapping
    is_closed: bool | None  # what the CRM says of the stage, when it says (fallback mapping)
    is_won: bool | None
    close_date: dt.date | None
    owner_email: str | None
    url: str
    modified_at: dt.datetime
    merged_from: tuple[str, ...] = ()  # ids of records merged into this one


@dataclass(frozen=True)
class Deleted:
    external_id: str
    merged_into: str | None = None  # the surviving record, when the deletion was a merge


@dataclass(frozen=True)
class Page:
    """One page of changes. `cursor` resumes after this page; the sync stores it in the same
    transaction as the page's records, so a crash repeats at most this page."""

    records: list[Any] = field(default_factory=list)  # CompanyRecord or DealRecord
    deleted: list[Deleted] = field(default_factory=list)
    cursor: Cursor = field(default_factory=dict)
    has_more: bool = False


class CrmError(Exception):
    """A failure with a sentence for the admin (`str(error)`)."""


class CrmAuthError(CrmError):
    """Bad or expired credentials (401, invalid_grant, INVALID_SESSION_ID)."""


class CrmScopeError(CrmError):
    """The credentials work but lack a scope or permission (HubSpot 403 MISSING_SCOPES)."""


class CrmUnreachable(CrmError):
    """No answer: DNS, refused connection, timeout."""


class CrmRateLimited(CrmError):
    """HubSpot 429, Salesforce REQUEST_LIMIT_EXCEEDED: wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CrmBadAnswer(CrmError):
    """A 5xx, or an answer that is not the JSON the API documents."""


class Provider(Protocol):
    vendor: str  # "hubspot" or "salesforce"
    label: str  # "HubSpot", "Salesforce"
    base_url: str  # where the client talks to (shown on the Integrations page)
    default_stage_map: dict[str, str]  # CRM stage → Forcerank stage, before the admin edits it

    def test_connection(self) -> str:
        """One sentence naming the account connected to; raises CrmError otherwise. Checks
        every scope the sync and the write-back need (read companies, deals, owners; write
        notes/tasks)."""
        ...

    def companies_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        """The next page of companies/accounts modified since `cursor` (None: from the
        start), oldest modification first, and those deleted or merged away."""
        ...

    def deals_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        """The same for deals/opportunities."""
        ...

    def write_note(self, *, deal_id: str, marker: str, subject: str, body: str) -> str:
        """Attach a note (HubSpot) or a completed Task (Salesforce) to the deal; the remote id.
        Idempotent by `marker`, a token written into the note: if a note with it is on the
        deal already (a retry after a lost answer), return that note's id, create nothing."""
        ...

    def set_summary(self, *, deal_id: str, field_name: str, value: str) -> None:
        """Write `value` to the deal's summary field (the admin's "Forcerank status")."""
        ...
