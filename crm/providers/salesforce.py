"""The Salesforce provider: accounts and opportunities in, completed Tasks and a summary field
out, through `simple-salesforce`.

Logging in uses simple-salesforce's own OAuth flows (client credentials, or the JWT bearer flow
with a private key); the REST calls are simple-salesforce's `query` / `SFType` methods. The
provider adds what the sync needs on top: key-set paging on `SystemModstamp` that resumes
exactly after a crash, deletions and merges from the recycle bin (`queryAll`), one relogin on an
expired session, and every failure translated into a `CrmError` an admin can act on.

For tests and local fakes, `api_url` points the unchanged client at another server: a transport
adapter mounted on "https://" rewrites the scheme, host and port of every request.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography.hazmat.primitives import serialization
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql
from simple_salesforce.login import SalesforceLogin

from crm.providers.base import (
    CLOSED_LOST,
    CLOSED_WON,
    DISCOVERY,
    EVALUATION,
    NEGOTIATION,
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

if TYPE_CHECKING:
    from crm.providers.base import Provider

T = TypeVar("T")

PAGE_SIZE = 200  # rows per SOQL page (a query with LIMIT ≤ 2000 never needs queryMore)
SUBJECT_MAX = 255  # Task.Subject
DESCRIPTION_MAX = 32_000  # Task.Description (a long text area)
SUMMARY_MAX = 255  # a text field on the opportunity

NOT_JSON = "Salesforce answered with something that is not the JSON its API documents."

# Salesforce record ids: 15 case-sensitive or 18 case-insensitive alphanumerics.
_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
# A field API name, or a relationship path to one ("Parent.ARR__c"); SOQL cannot quote names.
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")

# Error codes that mean "the credentials work, the integration user may not do this".
_SCOPE_CODES = {
    "INSUFFICIENT_ACCESS",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    "API_DISABLED_FOR_ORG",
    "API_CURRENTLY_DISABLED",
    "FUNCTIONALITY_NOT_ENABLED",
    "INVALID_TYPE",  # an object the user cannot see is "not supported" in SOQL
    "INVALID_FIELD",  # likewise a field hidden by field-level security, or a mistyped one
    "INVALID_FIELD_FOR_INSERT_UPDATE",
}

_COMPANY_FIELDS = ("Id", "Name", "SystemModstamp")
_DEAL_FIELDS = (
    "Id",
    "Name",
    "Amount",
    "StageName",
    "IsClosed",
    "IsWon",
    "CloseDate",
    "AccountId",
    "Owner.Email",
    "SystemModstamp",
)


class _Transport(HTTPAdapter):
    """Every request gets the provider's timeout; with `target` set, every request goes to that
    scheme://host:port instead, path and query kept (tests and local fakes)."""

    def __init__(self, *, timeout: float, target: str = "") -> None:
        super().__init__()
        self.timeout = timeout
        self.target = urlsplit(target) if target else None
        self.last_headers: dict[str, str] = {}

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        if self.target is not None and request.url:
            parts = urlsplit(request.url)
            request.url = urlunsplit(
                (self.target.scheme, self.target.netloc, parts.path, parts.query, "")
            )
        response = super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )
        self.last_headers = dict(response.headers)
        return response


@dataclass
class _Position:
    """Where paging stands; stored in the cursor as plain JSON."""

    phase: str = "changes"  # "changes" (query) or "deleted" (queryAll, IsDeleted = true)
    since: str | None = None  # SystemModstamp of the last changed row seen (SOQL literal)
    last_id: str | None = None  # its Id: rows with the same stamp resume after it
    deleted_since: str | None = None
    deleted_last_id: str | None = None

    @classmethod
    def from_cursor(cls, cursor: Cursor | None) -> _Position:
        if not cursor:
            return cls()
        phase = cursor.get("phase", "changes")
        if phase not in ("changes", "deleted"):
            raise CrmError(f"The saved Salesforce sync position is damaged (phase {phase!r}).")
        try:
            return cls(
                phase=phase,
                since=_stamp_literal(cursor.get("since")),
                last_id=_optional_str(cursor.get("last_id")),
                deleted_since=_stamp_literal(cursor.get("deleted_since")),
                deleted_last_id=_optional_str(cursor.get("deleted_last_id")),
            )
        except CrmBadAnswer as exc:
            raise CrmError("The saved Salesforce sync position is damaged.") from exc

    def to_cursor(self) -> Cursor:
        return {
            "phase": self.phase,
            "since": self.since,
            "last_id": self.last_id,
            "deleted_since": self.deleted_since,
            "deleted_last_id": self.deleted_last_id,
        }


# Salesforce's standard Opportunity stages (StageName) as Forcerank's.
DEFAULT_STAGE_MAP = {
    "Prospecting": DISCOVERY,
    "Qualification": DISCOVERY,
    "Needs Analysis": DISCOVERY,
    "Value Proposition": EVALUATION,
    "Id. Decision Makers": EVALUATION,
    "Perception Analysis": EVALUATION,
    "Proposal/Price Quote": NEGOTIATION,
    "Negotiation/Review": NEGOTIATION,
    "Closed Won": CLOSED_WON,
    "Closed Lost": CLOSED_LOST,
}


class SalesforceProvider:
    vendor = "salesforce"
    label = "Salesforce"
    default_stage_map: dict[str, str]

    def __init__(
        self,
        *,
        domain: str,
        client_id: str,
        client_secret: str = "",
        username: str = "",
        private_key: str = "",
        api_url: str = "",
        api_version: str = "62.0",
        timeout: float = 10.0,
        rate_limit_wait: float = 60.0,
    ) -> None:
        self.domain = domain.strip().removeprefix("https://").removesuffix("/")
        self.domain = self.domain.removesuffix(".salesforce.com")
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.private_key = private_key
        self.api_url = api_url.rstrip("/")
        self.api_version = api_version.removeprefix("v")
        self.timeout = timeout
        self.rate_limit_wait = rate_limit_wait
        self.base_url = self.api_url or f"https://{self.domain}.salesforce.com"
        self.default_stage_map = dict(DEFAULT_STAGE_MAP)  # a copy each: callers may edit
        self._client: Salesforce | None = None
        self._transport: _Transport | None = None

    # The Protocol ---------------------------------------------------------------------------

    def test_connection(self) -> str:
        client = self._connect()
        # Owner.Email: the sync reads deal owners too (User access).
        self._call(lambda sf: sf.query("SELECT Id, Owner.Email FROM Opportunity LIMIT 1"))
        self._call(lambda sf: sf.query("SELECT Id FROM Account LIMIT 1"))
        describe = self._call(lambda sf: _sobject(sf, "Task").describe())
        if not isinstance(describe, dict) or "createable" not in describe:
            raise CrmBadAnswer(NOT_JSON)
        if describe["createable"] is not True:
            raise CrmScopeError(
                "Salesforce lets this connection read accounts and opportunities but not create "
                "tasks: give the integration user the “Edit Tasks” permission."
            )
        who = f"the connected app {self.client_id[:8]}…" if self.client_secret else self.username
        return (
            f"Connected to Salesforce at {client.sf_instance} as {who}; it can read accounts "
            "and opportunities and create tasks."
        )

    def companies_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        fields = list(_COMPANY_FIELDS[:2])
        extra = [name for name in (mapping.arr_field, mapping.segment_field) if name]
        for name in extra:
            _check_field_name(name)
            if name not in fields and name != "SystemModstamp":
                fields.append(name)
        fields.append("SystemModstamp")

        def company(row: dict[str, Any]) -> CompanyRecord:
            return CompanyRecord(
                external_id=_text(row, "Id"),
                name=_optional_text(row, "Name") or "",
                arr=_whole(_path(row, mapping.arr_field)) if mapping.arr_field else None,
                segment=_segment(_path(row, mapping.segment_field))
                if mapping.segment_field
                else None,
                url=self._record_url("Account", _text(row, "Id")),
                modified_at=_parse_stamp(_text(row, "SystemModstamp")),
            )

        return self._page("Account", fields, company, cursor, merges=True)

    def deals_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        def deal(row: dict[str, Any]) -> DealRecord:
            owner = row.get("Owner")
            if owner is not None and not isinstance(owner, dict):
                raise CrmBadAnswer(NOT_JSON)
            close_date = _optional_text(row, "CloseDate")
            return DealRecord(
                external_id=_text(row, "Id"),
                company_id=_optional_text(row, "AccountId"),
                name=_optional_text(row, "Name") or "",
                amount=_whole(row.get("Amount")),
                stage=_optional_text(row, "StageName") or "",
                is_closed=_optional_bool(row, "IsClosed"),
                is_won=_optional_bool(row, "IsWon"),
                close_date=_parse_date(close_date) if close_date else None,
                owner_email=_optional_text(owner, "Email") if owner else None,
                url=self._record_url("Opportunity", _text(row, "Id")),
                modified_at=_parse_stamp(_text(row, "SystemModstamp")),
            )

        return self._page("Opportunity", list(_DEAL_FIELDS), deal, cursor, merges=False)

    def write_note(self, *, deal_id: str, marker: str, subject: str, body: str) -> str:
        _check_record_id(deal_id)
        # Description is a long text area, which SOQL cannot filter on: the marker goes into
        # the Subject (and, for people reading the task, at the end of the Description too).
        tag = f" [{marker}]"
        if len(tag) > SUBJECT_MAX or not marker:
            raise CrmError("A note marker must be 1 to 252 characters long to fit a Task subject.")
        full_subject = (subject[: max(0, SUBJECT_MAX - len(tag))] + tag)[:SUBJECT_MAX]
        soql = format_soql(
            "SELECT Id FROM Task WHERE WhatId = {} AND Subject LIKE '%[{:like}]%' LIMIT 1",
            deal_id,
            marker,
        )
        existing = _records(self._call(lambda sf: sf.query(soql)))
        if existing:
            return _text(existing[0], "Id")
        tail = "\n\n" + marker
        description = body[: max(0, DESCRIPTION_MAX - len(tail))] + tail
        task = {
            "WhatId": deal_id,
            "Subject": full_subject,
            "Description": description,
            "Status": "Completed",
            "ActivityDate": dt.date.today().isoformat(),
        }
        created = self._call(lambda sf: _sobject(sf, "Task").create(task))
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise CrmBadAnswer(NOT_JSON)
        return str(created["id"])

    def set_summary(self, *, deal_id: str, field_name: str, value: str) -> None:
        _check_record_id(deal_id)
        _check_field_name(field_name)
        self._call(
            lambda sf: _sobject(sf, "Opportunity").update(
                deal_id, {field_name: value[:SUMMARY_MAX]}
            )
        )

    # Paging ---------------------------------------------------------------------------------

    def _page(
        self,
        sobject: str,
        fields: list[str],
        to_record: Callable[[dict[str, Any]], Any],
        cursor: Cursor | None,
        *,
        merges: bool,
    ) -> Page:
        """Changed rows first (oldest first, key-set on SystemModstamp then Id), then, once they
        are exhausted, the recycle bin's rows the same way. Each page's cursor resumes exactly
        after its last row; the last page's cursor starts the next sync after both."""
        position = _Position.from_cursor(cursor)
        records: list[Any] = []
        if position.phase == "changes":
            # Field names are checked against _FIELD_NAME (SOQL cannot quote names).
            soql = format_soql("SELECT {:literal} FROM {:literal}", ", ".join(fields), sobject)
            soql += _after(position.since, position.last_id, prefix=" WHERE ")
            soql += f" ORDER BY SystemModstamp, Id LIMIT {PAGE_SIZE}"
            rows = _records(self._call(lambda sf: sf.query(soql)))
            with _parsing():
                records = [to_record(row) for row in rows]
            if rows:
                position.since = _stamp_literal(_text(rows[-1], "SystemModstamp"))
                position.last_id = _text(rows[-1], "Id")
            if len(rows) >= PAGE_SIZE:
                return Page(records=records, cursor=position.to_cursor(), has_more=True)
            position.phase = "deleted"

        selected = "Id, MasterRecordId, SystemModstamp" if merges else "Id, SystemModstamp"
        soql = format_soql(
            "SELECT {:literal} FROM {:literal} WHERE IsDeleted = true", selected, sobject
        )
        soql += _after(position.deleted_since, position.deleted_last_id, prefix=" AND ")
        soql += f" ORDER BY SystemModstamp, Id LIMIT {PAGE_SIZE}"
        rows = _records(self._call(lambda sf: sf.query(soql, include_deleted=True)))
        with _parsing():
            deleted = [
                Deleted(_text(row, "Id"), _optional_text(row, "MasterRecordId") if merges else None)
                for row in rows
            ]
        if rows:
            position.deleted_since = _stamp_literal(_text(rows[-1], "SystemModstamp"))
            position.deleted_last_id = _text(rows[-1], "Id")
        elif position.deleted_since is None and position.since is not None:
            # The recycle bin had nothing: later deletions are stamped no earlier than the
            # newest change seen (the same second included, hence Id > '').
            position.deleted_since, position.deleted_last_id = position.since, ""
        has_more = len(rows) >= PAGE_SIZE
        if not has_more:
            position.phase = "changes"
        return Page(
            records=records, deleted=deleted, cursor=position.to_cursor(), has_more=has_more
        )

    def _record_url(self, sobject: str, record_id: str) -> str:
        # The instance Salesforce named at login (never the rewritten api_url).
        instance = self._client.sf_instance if self._client else f"{self.domain}.salesforce.com"
        return f"https://{instance}/lightning/r/{sobject}/{record_id}/view"

    # Talking to Salesforce ------------------------------------------------------------------

    def _call(self, action: Callable[[Salesforce], T]) -> T:
        """Run one client call; on an expired session, log in again and retry once. Every
        failure comes out as a CrmError."""
        for attempt in (1, 2):
            client = self._connect()
            try:
                return action(client)
            except SalesforceExpiredSession as exc:
                self._client = None
                if attempt == 2:
                    raise CrmAuthError(
                        "Salesforce ended the session again right after a fresh login "
                        f"({_error_text(exc.content)}); reconnect Salesforce."
                    ) from exc
            except Exception as exc:
                raise self._translate(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self) -> Salesforce:
        """The cached client, logging in first if there is none."""
        if self._client is not None:
            return self._client
        session = requests.Session()
        if self.api_url:
            session.trust_env = False  # a local fake: no proxies from the environment
        transport = _Transport(timeout=self.timeout, target=self.api_url)
        session.mount("https://", transport)
        self._transport = transport
        credentials: dict[str, Any]
        if self.client_secret:
            if self.domain in ("login", "test", ""):
                raise CrmAuthError(
                    "Salesforce's client credentials flow needs your My Domain (such as "
                    "“acme.my”), not login or test."
                )
            credentials = {"consumer_key": self.client_id, "consumer_secret": self.client_secret}
        elif self.username and self.private_key:
            _check_private_key(self.private_key)
            credentials = {
                "username": self.username,
                "consumer_key": self.client_id,
                "privatekey": self.private_key,
            }
        else:
            raise CrmAuthError(
                "Salesforce needs the connected app's consumer secret, or a username and a "
                "private key for the JWT bearer flow."
            )
        try:
            session_id, instance = SalesforceLogin(
                session=session, domain=self.domain, sf_version=self.api_version, **credentials
            )
        except SalesforceAuthenticationFailed as exc:
            raise self._login_refused(exc) from exc
        except (AttributeError, TypeError) as exc:  # no access_token / instance_url
            raise CrmBadAnswer(NOT_JSON) from exc
        except Exception as exc:
            raise self._translate(exc) from exc
        if not isinstance(session_id, str) or not session_id or not instance:
            raise CrmBadAnswer(NOT_JSON)
        instance = str(instance).split("/")[0]
        self._client = Salesforce(
            session_id=session_id, instance=instance, session=session, version=self.api_version
        )
        return self._client

    def _login_refused(self, exc: SalesforceAuthenticationFailed) -> CrmError:
        code, description = exc.code, exc.auth_message
        if not isinstance(code, str):  # simple-salesforce passes the HTTP status: not JSON
            if isinstance(code, int) and code >= 500:
                return CrmBadAnswer(
                    f"Salesforce's login service failed (HTTP {code}); try again later."
                )
            return CrmBadAnswer(NOT_JSON)
        advice = {
            "invalid_client": "check the connected app's consumer key and secret.",
            "invalid_client_id": "check the connected app's consumer key.",
            "invalid_grant": (
                "check that the connected app allows this flow (a “Run As” user for client "
                "credentials; a pre-authorised user and the matching certificate for JWT)."
            ),
            "unsupported_grant_type": "enable the flow in the connected app's OAuth settings.",
        }.get(code, "check the connected app and its OAuth policies.")
        detail = f"{description} ({code})" if description else code
        return CrmAuthError(f"Salesforce refused the credentials: {detail}; {advice}")

    def _translate(self, exc: Exception) -> CrmError:
        host = urlsplit(self.base_url).netloc
        if isinstance(exc, CrmError):
            return exc
        if isinstance(exc, SalesforceAuthenticationFailed):
            return self._login_refused(exc)
        if isinstance(exc, SalesforceError):
            code, message = _error_detail(exc.content)
            said = f"{message} ({code})" if message else code or f"HTTP {exc.status}"
            if isinstance(exc, SalesforceRefusedRequest) and code == "REQUEST_LIMIT_EXCEEDED":
                return CrmRateLimited(
                    f"Salesforce's API request limit is used up ({message or code}); the sync "
                    "waits and tries again.",
                    retry_after=self._retry_after(),
                )
            if isinstance(exc, SalesforceRefusedRequest) or code in _SCOPE_CODES:
                return CrmScopeError(
                    f"Salesforce refused the request: {said}. Give the integration user read "
                    "access to accounts and opportunities, and the right to create tasks and "
                    "edit the summary field."
                )
            if isinstance(exc, SalesforceResourceNotFound):
                return CrmError(f"Salesforce has no such record: {said}.")
            if isinstance(exc, SalesforceMalformedRequest):
                return CrmError(f"Salesforce rejected the request: {said}.")
            if isinstance(exc, SalesforceGeneralError) and exc.status >= 500:
                return CrmBadAnswer(f"Salesforce failed (HTTP {exc.status}); try again later.")
            return CrmBadAnswer(f"Salesforce answered with an unexpected HTTP {exc.status}.")
        if isinstance(exc, requests.Timeout):
            return CrmUnreachable(
                f"Salesforce did not answer at {host} within {self.timeout:g} seconds."
            )
        if isinstance(exc, ValueError | KeyError | IndexError):  # JSON decoding, missing keys
            return CrmBadAnswer(NOT_JSON)
        if isinstance(exc, requests.RequestException):
            return CrmUnreachable(
                f"Salesforce did not answer at {host}: the connection failed. Check the "
                "domain and the network."
            )
        raise exc

    def _retry_after(self) -> float:
        headers = self._transport.last_headers if self._transport else {}
        value = {name.lower(): v for name, v in headers.items()}.get("retry-after")
        try:
            return max(0.0, float(value)) if value is not None else self.rate_limit_wait
        except ValueError:
            return self.rate_limit_wait


# Helpers ------------------------------------------------------------------------------------


class _parsing:
    """Turns a missing key or a wrongly typed value while reading rows into CrmBadAnswer."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is not None and isinstance(exc, KeyError | TypeError | ValueError):
            raise CrmBadAnswer(NOT_JSON) from exc


def _sobject(sf: Salesforce, name: str) -> SFType:
    handler = getattr(sf, name)
    assert isinstance(handler, SFType)
    return handler


def _after(since: str | None, last_id: str | None, *, prefix: str) -> str:
    """The key-set condition "after (since, last_id)", or nothing on a first run."""
    if since is None:
        return ""
    if last_id is None:
        return f"{prefix}SystemModstamp > {since}"
    condition = format_soql(
        "(SystemModstamp > {stamp:literal} OR (SystemModstamp = {stamp:literal} AND Id > {id}))",
        stamp=since,
        id=last_id,
    )
    return prefix + condition


def _records(answer: Any) -> list[dict[str, Any]]:
    if not isinstance(answer, dict) or not isinstance(answer.get("records"), list):
        raise CrmBadAnswer(NOT_JSON)
    rows: list[dict[str, Any]] = []
    for row in answer["records"]:
        if not isinstance(row, dict):
            raise CrmBadAnswer(NOT_JSON)
        rows.append(row)
    return rows


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        raise CrmBadAnswer(NOT_JSON)
    return value


def _optional_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise CrmBadAnswer(NOT_JSON)
    return value


def _optional_bool(row: dict[str, Any], key: str) -> bool | None:
    value = row.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise CrmBadAnswer(NOT_JSON)


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CrmError("The saved Salesforce sync position is damaged.")
    return value


def _path(row: dict[str, Any], name: str) -> Any:
    """A field's value, following relationship paths ("Parent.ARR__c")."""
    value: Any = row
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        # SOQL answers with the field names as the describe spells them; match case-blind.
        match = next((key for key in value if key.lower() == part.lower()), None)
        value = value.get(match) if match is not None else None
    return value


def _whole(value: Any) -> int | None:
    """A number field as whole currency units; None if empty or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return round(value)
    if isinstance(value, str) and value.strip():
        try:
            return round(float(value.replace(",", "")))
        except ValueError:
            return None
    return None


def _segment(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _parse_stamp(value: str) -> dt.datetime:
    """ "2026-11-30T10:00:00.000+0000" (what the REST API sends) as an aware datetime."""
    try:
        stamp = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError(f"no time zone in {value!r}")
    return stamp.astimezone(dt.UTC)


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _stamp_literal(value: Any) -> str | None:
    """A SOQL dateTime literal ("2026-11-30T10:00:00Z") for a stamp from an answer or a cursor.
    Salesforce keeps whole seconds only, so nothing is lost; parsing first means no text from a
    cursor ever reaches the query unchecked."""
    if value is None:
        return None
    try:
        stamp = _parse_stamp(str(value))
    except ValueError as exc:
        raise CrmBadAnswer(f"Salesforce sent an unreadable SystemModstamp: {value!r}.") from exc
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_record_id(value: str) -> None:
    if not _RECORD_ID.fullmatch(value):
        raise CrmError(f"{value!r} is not a Salesforce record id.")


def _check_field_name(value: str) -> None:
    if not _FIELD_NAME.fullmatch(value):
        raise CrmError(
            f"{value!r} is not a Salesforce field name (use the API name, such as ARR__c)."
        )


def _check_private_key(pem: str) -> None:
    try:
        serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise CrmAuthError(
            "The private key for Salesforce's JWT bearer flow is not an unencrypted PEM key."
        ) from exc
    except Exception as exc:  # cryptography's UnsupportedAlgorithm and the like
        raise CrmAuthError(
            "The private key for Salesforce's JWT bearer flow is of a kind Salesforce cannot use."
        ) from exc


def _error_detail(content: Any) -> tuple[str, str]:
    """(errorCode, message) from a REST error body: a list of {"errorCode", "message"}."""
    first = content[0] if isinstance(content, list) and content else content
    if isinstance(first, dict):
        code = first.get("errorCode") or first.get("error") or ""
        message = first.get("message") or first.get("error_description") or ""
        return str(code), str(message)
    if isinstance(content, bytes):
        content = content.decode(errors="replace")
    return "", str(content or "")[:200]


def _error_text(content: Any) -> str:
    code, message = _error_detail(content)
    return f"{message} ({code})" if code and message else code or message or "no detail"


if TYPE_CHECKING:
    _conforms: Provider = SalesforceProvider(domain="", client_id="")  # mypy checks the Protocol
