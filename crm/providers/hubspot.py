"""HubSpot through the official `hubspot-api-client`: companies and deals by the CRM search
API, their deletions and merges, deal→company links by the associations v4 API, owners'
e-mails, and notes and a summary property written back on deals.

Paging. A search page is asked for as "modified at or after `since`, oldest first", and the
cursor then moves `since` to the last record's modification time, remembering the ids already
returned at that millisecond (`seen`) so they are not returned twice. This keyset paging never
uses the search's `after` offset, so it cannot run into HubSpot's 10,000-results-per-query cap,
and a record modified between two pages is found again later instead of shifting an unseen
record out of reach (which offset paging does). When a whole page shares one millisecond
(an import), that millisecond is walked by `hs_object_id` before moving on. After the
changes come the archived records ("deleted" phase); the cursor of the last page is where the
next sync starts.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import hubspot  # type: ignore[import-untyped]
import urllib3
from hubspot.crm.associations.v4 import (  # type: ignore[import-untyped]
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.companies import (  # type: ignore[import-untyped]
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
)
from hubspot.crm.deals import SimplePublicObjectInput  # type: ignore[import-untyped]
from hubspot.crm.objects.notes import (  # type: ignore[import-untyped]
    SimplePublicObjectInputForCreate,
)
from urllib3.util.retry import Retry

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

COMPANY_PROPERTIES = ["name", "hs_lastmodifieddate", "hs_merged_object_ids"]
DEAL_PROPERTIES = [
    "dealname",
    "amount",
    "dealstage",
    "closedate",
    "hubspot_owner_id",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_lastmodifieddate",
    "hs_merged_object_ids",
]
MODIFIED = "hs_lastmodifieddate"
SEARCH_LIMIT = 200  # HubSpot's most per search page
LIST_LIMIT = 100  # ... per page of a list (archived records)
OWNERS_LIMIT = 500
NOTE_TO_DEAL = 214  # HubSpot-defined association type: note → deal
DEAL_TO_COMPANY_PRIMARY = 5  # deal → its primary company
MARKER = re.compile(r"[A-Za-z0-9_-]+")
BAD_ANSWER = "HubSpot answered with something that is not the JSON its API documents."
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


def _datetime(value: Any) -> dt.datetime | None:
    """HubSpot's datetimes: ISO 8601 strings (`2024-05-01T10:00:00.123Z`), epoch milliseconds,
    or what the client already parsed."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value.isdigit():
        moment = EPOCH + dt.timedelta(milliseconds=int(value))
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CrmBadAnswer(BAD_ANSWER) from None
    else:
        raise CrmBadAnswer(BAD_ANSWER)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _whole(value: str | None) -> int | None:
    """A decimal string as whole currency units; None when empty or not a number."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(Decimal(str(value).strip()).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return None


def _flag(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    return True if text == "true" else False if text == "false" else None


def _ids(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _is_api_exception(error: BaseException) -> bool:
    # Each API package of the client has its own ApiException class, none shared.
    return any(cls.__name__ == "ApiException" for cls in type(error).__mro__)


# The stages of HubSpot's default sales pipeline (`dealstage` ids) as Forcerank's.
DEFAULT_STAGE_MAP = {
    "appointmentscheduled": DISCOVERY,
    "qualifiedtobuy": DISCOVERY,
    "presentationscheduled": EVALUATION,
    "decisionmakerboughtin": EVALUATION,
    "contractsent": NEGOTIATION,
    "closedwon": CLOSED_WON,
    "closedlost": CLOSED_LOST,
}


class HubSpotProvider:
    vendor = "hubspot"
    label = "HubSpot"
    default_stage_map = DEFAULT_STAGE_MAP

    def __init__(
        self,
        *,
        access_token: str,
        api_url: str = "https://api.hubapi.com",
        portal_id: str = "",
        timeout: float = 10.0,
        page_size: int = 100,
    ) -> None:
        self.base_url = api_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.portal_id = str(portal_id or "")
        self.ui_domain = "app.hubspot.com"
        self.timeout = timeout
        self.page_size = max(1, min(page_size, SEARCH_LIMIT))
        # `host` reaches every generated API's Configuration (the discovery layer sets each
        # config key on it). Retry(0): no retries in urllib3, the sync does its own backoff.
        self.client = hubspot.Client.create(
            access_token=access_token, host=self.base_url, retry=Retry(total=0)
        )
        self._owners: dict[str, str] | None = None  # owner id → e-mail
        self._owners_missing: set[str] = set()  # not there even after a refetch

    # The client's APIs: each property access of the client builds a new ApiClient and
    # connection pool, so each is built once here.

    @cached_property
    def _companies(self) -> Any:
        return self.client.crm.companies

    @cached_property
    def _company_search(self) -> Any:
        return self._companies.search_api

    @cached_property
    def _company_basic(self) -> Any:
        return self._companies.basic_api

    @cached_property
    def _deal_search(self) -> Any:
        return self.client.crm.deals.search_api

    @cached_property
    def _deal_basic(self) -> Any:
        return self.client.crm.deals.basic_api

    @cached_property
    def _associations(self) -> Any:
        return self.client.crm.associations.v4.batch_api

    @cached_property
    def _owners_api(self) -> Any:
        return self.client.crm.owners.owners_api

    @cached_property
    def _note_search(self) -> Any:
        return self.client.crm.objects.notes.search_api

    @cached_property
    def _note_basic(self) -> Any:
        return self.client.crm.objects.notes.basic_api

    # Errors -----------------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Every request goes through here: HubSpot's failures become CrmErrors."""
        try:
            answer = method(*args, _request_timeout=self.timeout, **kwargs)
        except CrmError:
            raise
        except urllib3.exceptions.HTTPError as error:
            raise CrmUnreachable(self._unreachable(error)) from error
        except Exception as error:
            if _is_api_exception(error):
                raise self._translate(error) from error
            if isinstance(error, ValueError | TypeError | AttributeError | KeyError):
                raise CrmBadAnswer(BAD_ANSWER) from error
            raise
        if answer is None:  # a status the client has no type for (e.g. 204 for 200)
            raise CrmBadAnswer(BAD_ANSWER)
        return answer

    def _unreachable(self, error: urllib3.exceptions.HTTPError) -> str:
        cause: BaseException = error
        if isinstance(error, urllib3.exceptions.MaxRetryError) and error.reason is not None:
            cause = error.reason
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            why = cause._message.split(": ", 1)[-1] if hasattr(cause, "_message") else str(cause)
            reason = f"no connection ({why})"
        elif isinstance(cause, urllib3.exceptions.TimeoutError):
            reason = f"no answer within {self.timeout:g} s"
        else:
            reason = str(cause) or type(cause).__name__
        return f"HubSpot did not answer at {self.host}: {reason}."

    def _translate(self, error: Any) -> CrmError:
        status = int(getattr(error, "status", 0) or 0)
        body = getattr(error, "body", None)
        try:
            payload = json.loads(body) if body else {}
        except (TypeError, ValueError):
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        message = str(payload.get("message") or getattr(error, "reason", "") or "").strip()
        if status == 0:
            return CrmUnreachable(f"HubSpot did not answer at {self.host}: {message or error}.")
        if status == 401:
            return CrmAuthError(
                "HubSpot refused the access token (401): check HUBSPOT_ACCESS_TOKEN."
            )
        if status == 403:
            scopes: list[str] = []
            for detail in payload.get("errors") or []:
                context = detail.get("context") if isinstance(detail, dict) else None
                for scope in (context or {}).get("requiredGranularScopes") or []:
                    if scope not in scopes:
                        scopes.append(str(scope))
            if payload.get("category") == "MISSING_SCOPES":
                missing = ", ".join(scopes) if scopes else message
                return CrmScopeError(
                    f"HubSpot's access token lacks the scope {missing}: add it to the private "
                    "app in HubSpot (Settings → Integrations → Private apps) and try again."
                )
            return CrmScopeError(f"HubSpot refused the request (403): {message or 'forbidden'}")
        if status == 429:
            headers = getattr(error, "headers", None) or {}
            try:
                retry_after = float(str(headers.get("Retry-After") or "10"))
            except ValueError:
                retry_after = 10.0
            return CrmRateLimited(
                f"HubSpot's rate limit was reached (429); trying again in {retry_after:g} s.",
                retry_after=retry_after,
            )
        if status >= 500:
            return CrmBadAnswer(f"HubSpot failed to answer ({status}); try again later.")
        return CrmError(f"HubSpot refused the request ({status}): {message or 'no reason given'}")

    # Connection -------------------------------------------------------------------------

    def account_details(self) -> dict[str, Any]:
        """`GET /account-info/v3/details`, through a generated ApiClient: `client.api_request`
        uses `requests` against `config["base_url"]` (not `host`), with no timeout, and does
        not raise on an error status."""
        details = self._call(
            self._owners_api.api_client.call_api,
            "/account-info/v3/details",
            "GET",
            header_params={"Accept": "application/json"},
            response_types_map={200: "object"},
            auth_settings=["oauth2"],
            _return_http_data_only=True,
        )
        if not isinstance(details, dict) or details.get("portalId") in (None, ""):
            raise CrmBadAnswer(BAD_ANSWER)
        self.portal_id = str(details["portalId"])
        ui_domain = details.get("uiDomain")
        if isinstance(ui_domain, str) and ui_domain:
            self.ui_domain = ui_domain
        return details

    def test_connection(self) -> str:
        self.account_details()
        probe = PublicObjectSearchRequest(limit=1, properties=["hs_object_id"])
        self._call(self._company_search.do_search, public_object_search_request=probe)
        self._call(self._deal_search.do_search, public_object_search_request=probe)
        self._call(self._owners_api.get_page, limit=1)
        self._call(self._note_search.do_search, public_object_search_request=probe)
        return (
            f"Connected to HubSpot account {self.portal_id} ({self.host}); it can read "
            "companies, deals and owners and write notes."
        )

    # Reading ----------------------------------------------------------------------------

    def companies_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        properties = list(COMPANY_PROPERTIES)
        for name in (mapping.arr_field, mapping.segment_field):
            if name and name not in properties:
                properties.append(name)
        return self._page(
            "companies", self._company_search, self._company_basic, cursor, properties, mapping
        )

    def deals_page(self, cursor: Cursor | None, mapping: Mapping) -> Page:
        return self._page(
            "deals", self._deal_search, self._deal_basic, cursor, DEAL_PROPERTIES, mapping
        )

    def _page(
        self,
        kind: str,
        search: Any,
        basic: Any,
        cursor: Cursor | None,
        properties: list[str],
        mapping: Mapping,
    ) -> Page:
        state = _start(cursor)
        with _odd_answers():
            if state["phase"] == "deleted":
                return self._deleted_page(basic, state)
            return self._changes_page(kind, search, state, properties, mapping)

    def _changes_page(
        self,
        kind: str,
        search: Any,
        state: dict[str, Any],
        properties: list[str],
        mapping: Mapping,
    ) -> Page:
        since: int = state["since"]
        seen = set(state["seen"])
        tie_after: str | None = state["tie_after"]
        limit = self.page_size
        if tie_after is None:  # modified at or after `since`, oldest first
            filters = [Filter(property_name=MODIFIED, operator="GTE", value=str(since))]
            sort = MODIFIED
            # The ids seen at `since` come first again: ask for that many more.
            limit = min(SEARCH_LIMIT, self.page_size + len(seen))
        else:  # the rest of the millisecond `since`, by id
            filters = [
                Filter(property_name=MODIFIED, operator="EQ", value=str(since)),
                Filter(property_name="hs_object_id", operator="GT", value=tie_after),
            ]
            sort = "hs_object_id"
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)],
            sorts=[{"propertyName": sort, "direction": "ASCENDING"}],
            properties=properties,
            limit=limit,
        )
        answer = self._call(search.do_search, public_object_search_request=request)
        results = answer.results
        if not isinstance(results, list):
            raise CrmBadAnswer(BAD_ANSWER)
        timed = [(self._modified(r), r) for r in results]
        fresh = [(at, r) for at, r in timed if not (_ms(at) == since and str(r.id) in seen)]
        more = _next_after(answer) is not None

        if not more:
            if tie_after is not None:  # done with this millisecond; on to later ones
                state.update(since=since + 1, seen=[], tie_after=None)
            elif timed:
                newest = max(_ms(at) for at, _ in timed)
                ids = {str(r.id) for at, r in timed if _ms(at) == newest}
                state.update(since=newest, seen=sorted(ids | seen if newest == since else ids))
                state.update(phase="deleted")
            else:
                state.update(phase="deleted")
        elif tie_after is not None:
            state["tie_after"] = str(results[-1].id)
        else:
            last = _ms(timed[-1][0])
            if last > since:
                state.update(
                    since=last, seen=sorted(str(r.id) for at, r in timed if _ms(at) == last)
                )
            else:  # a whole page in one millisecond: walk it by id
                state.update(seen=sorted(seen | {str(r.id) for _, r in timed}), tie_after="0")

        records: list[Any] = []
        deleted: list[Deleted] = []
        if kind == "companies":
            for at, r in fresh:
                records.append(self._company(r, at, mapping))
                merged = _ids(_properties(r).get("hs_merged_object_ids"))
                deleted += [Deleted(old, merged_into=str(r.id)) for old in merged]
        else:
            companies = self._deal_companies([str(r.id) for _, r in fresh])
            owner_ids = {str(_properties(r).get("hubspot_owner_id") or "") for _, r in fresh}
            owners = self._owner_emails(owner_ids - {""})
            records = [self._deal(r, at, companies, owners) for at, r in fresh]
        return Page(records=records, deleted=deleted, cursor=state, has_more=True)

    def _deleted_page(self, basic: Any, state: dict[str, Any]) -> Page:
        answer = self._call(
            basic.get_page,
            archived=True,
            limit=min(self.page_size, LIST_LIMIT),
            after=state["deleted_after"],
            properties=["hs_object_id"],
        )
        results = answer.results
        if not isinstance(results, list):
            raise CrmBadAnswer(BAD_ANSWER)
        since: int = state["deleted_since"]
        seen = set(state["deleted_seen"])
        newest: int = state["deleted_newest"]
        newest_ids = set(state["deleted_newest_seen"])
        deleted = []
        for record in results:
            at = _datetime(getattr(record, "archived_at", None))
            if at is None:
                continue
            ms = _ms(at)
            if ms < since or (ms == since and str(record.id) in seen):
                continue
            deleted.append(Deleted(str(record.id)))
            if ms > newest:
                newest, newest_ids = ms, {str(record.id)}
            elif ms == newest:
                newest_ids.add(str(record.id))
        after = _next_after(answer)
        state.update(deleted_newest=newest, deleted_newest_seen=sorted(newest_ids))
        if after is not None:
            state["deleted_after"] = after
            return Page(deleted=deleted, cursor=state, has_more=True)
        final = {
            "phase": "changes",
            "since": state["since"],
            "seen": state["seen"],
            "tie_after": None,
            "deleted_since": newest,
            "deleted_seen": sorted(newest_ids),
            "deleted_after": None,
            "deleted_newest": newest,
            "deleted_newest_seen": sorted(newest_ids),
        }
        return Page(deleted=deleted, cursor=final, has_more=False)

    def _modified(self, record: Any) -> dt.datetime:
        moment = _datetime(_properties(record).get(MODIFIED)) or _datetime(
            getattr(record, "updated_at", None)
        )
        if moment is None or getattr(record, "id", None) in (None, ""):
            raise CrmBadAnswer(BAD_ANSWER)
        return moment

    def _url(self, object_type: str, record_id: str) -> str:
        if not self.portal_id:
            return ""
        return (
            f"https://{self.ui_domain}/contacts/{self.portal_id}/record/{object_type}/{record_id}"
        )

    def _company(self, record: Any, modified: dt.datetime, mapping: Mapping) -> CompanyRecord:
        props = _properties(record)
        segment = props.get(mapping.segment_field) if mapping.segment_field else None
        return CompanyRecord(
            external_id=str(record.id),
            name=(props.get("name") or "").strip(),
            arr=_whole(props.get(mapping.arr_field)) if mapping.arr_field else None,
            segment=segment if segment else None,
            url=self._url("0-2", str(record.id)),
            modified_at=modified,
        )

    def _deal(
        self,
        record: Any,
        modified: dt.datetime,
        companies: dict[str, str],
        owners: dict[str, str],
    ) -> DealRecord:
        props = _properties(record)
        close = _datetime(props.get("closedate"))
        return DealRecord(
            external_id=str(record.id),
            company_id=companies.get(str(record.id)),
            name=(props.get("dealname") or "").strip(),
            amount=_whole(props.get("amount")),
            stage=props.get("dealstage") or "",
            is_closed=_flag(props.get("hs_is_closed")),
            is_won=_flag(props.get("hs_is_closed_won")),
            close_date=close.astimezone(dt.UTC).date() if close else None,
            owner_email=owners.get(props.get("hubspot_owner_id") or ""),
            url=self._url("0-3", str(record.id)),
            modified_at=modified,
            merged_from=tuple(_ids(props.get("hs_merged_object_ids"))),
        )

    def _deal_companies(self, deal_ids: list[str]) -> dict[str, str]:
        """Each deal's company (its primary one, else the first): one batch call."""
        if not deal_ids:
            return {}
        batch = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=deal_id) for deal_id in deal_ids]
        )
        answer = self._call(
            self._associations.get_page,
            from_object_type="deals",
            to_object_type="companies",
            batch_input_public_fetch_associations_batch_request=batch,
        )
        results = answer.results
        if not isinstance(results, list):
            raise CrmBadAnswer(BAD_ANSWER)
        companies: dict[str, str] = {}
        for result in results:
            targets = list(result.to or [])
            if not targets:
                continue
            primary = [
                t
                for t in targets
                if any(
                    spec.type_id == DEAL_TO_COMPANY_PRIMARY for spec in t.association_types or []
                )
            ]
            companies[str(result._from.id)] = str((primary or targets)[0].to_object_id)
        return companies

    def _owner_emails(self, owner_ids: set[str]) -> dict[str, str]:
        """Owners' e-mails, all fetched once per provider; an unknown owner refetches once."""
        if not owner_ids:
            return self._owners or {}
        if self._owners is None or (owner_ids - set(self._owners) - self._owners_missing):
            self._owners = self._fetch_owners()
            self._owners_missing |= owner_ids - set(self._owners)
        return self._owners

    def _fetch_owners(self) -> dict[str, str]:
        owners: dict[str, str] = {}
        after: str | None = None
        while True:
            answer = self._call(self._owners_api.get_page, limit=OWNERS_LIMIT, after=after)
            if not isinstance(answer.results, list):
                raise CrmBadAnswer(BAD_ANSWER)
            for owner in answer.results:
                if not getattr(owner, "id", None):
                    raise CrmBadAnswer(BAD_ANSWER)
                if owner.email:
                    owners[str(owner.id)] = str(owner.email)
            after = _next_after(answer)
            if after is None:
                return owners

    # Writing ----------------------------------------------------------------------------

    def write_note(self, *, deal_id: str, marker: str, subject: str, body: str) -> str:
        if not MARKER.fullmatch(marker):
            raise ValueError(f"A note marker must be one search token ([A-Za-z0-9_-]+): {marker!r}")
        search = PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[
                        Filter(
                            property_name="hs_note_body", operator="CONTAINS_TOKEN", value=marker
                        )
                    ]
                )
            ],
            properties=["hs_note_body"],
            limit=10,
        )
        found = self._call(self._note_search.do_search, public_object_search_request=search)
        with _odd_answers():
            for note in found.results or []:
                if marker in (_properties(note).get("hs_note_body") or ""):
                    return str(note.id)
        text = html.escape(body).replace("\r\n", "\n").replace("\n", "<br>")
        note_body = f"<p><strong>{html.escape(subject)}</strong></p><p>{text}</p><p>{marker}</p>"
        now = dt.datetime.now(dt.UTC)
        note = SimplePublicObjectInputForCreate(
            properties={
                "hs_note_body": note_body,
                "hs_timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{now.microsecond // 1000:03d}Z",
            },
            associations=[
                {
                    "to": {"id": deal_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_DEAL,
                        }
                    ],
                }
            ],
        )
        created = self._call(self._note_basic.create, simple_public_object_input_for_create=note)
        if not getattr(created, "id", None):
            raise CrmBadAnswer(BAD_ANSWER)
        return str(created.id)

    def set_summary(self, *, deal_id: str, field_name: str, value: str) -> None:
        if not field_name:
            return
        self._call(
            self._deal_basic.update,
            deal_id,
            simple_public_object_input=SimplePublicObjectInput(properties={field_name: value}),
        )


@contextmanager
def _odd_answers() -> Iterator[None]:
    """Reading an answer of odd types (the client builds models from nearly anything)."""
    try:
        yield
    except (AttributeError, TypeError, ValueError, KeyError) as error:
        raise CrmBadAnswer(BAD_ANSWER) from error


def _start(cursor: Cursor | None) -> dict[str, Any]:
    """A cursor's state with every key present (None: a first sync, from the beginning)."""
    state: dict[str, Any] = {
        "phase": "changes",
        "since": 0,
        "seen": [],
        "tie_after": None,
        "deleted_since": 0,
        "deleted_seen": [],
        "deleted_after": None,
    }
    state.update(cursor or {})
    state.setdefault("deleted_newest", state["deleted_since"])
    state.setdefault("deleted_newest_seen", list(state["deleted_seen"]))
    return state


def _properties(record: Any) -> dict[str, Any]:
    props = getattr(record, "properties", None)
    if not isinstance(props, dict):
        raise CrmBadAnswer(BAD_ANSWER)
    return props


def _next_after(answer: Any) -> str | None:
    paging = getattr(answer, "paging", None)
    following = getattr(paging, "next", None) if paging is not None else None
    after = getattr(following, "after", None) if following is not None else None
    return str(after) if after else None
