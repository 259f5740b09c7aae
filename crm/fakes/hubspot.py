"""An in-memory HubSpot on 127.0.0.1, shaped after the CRM v3/v4 API documentation, for the
provider's tests and the sync benchmark.

It serves exactly the paths `hubspot-api-client` 12 sends:

- `POST /crm/v3/objects/{companies,deals,notes}/search`: filterGroups (OR of ANDs) with EQ,
  NEQ, GT, GTE, LT, LTE, CONTAINS_TOKEN, HAS_PROPERTY; sorts; properties; `limit` (≤ 200);
  `after` (an offset). Like HubSpot it refuses `after` at or past its result cap (10,000;
  `search_cap` lowers it for tests) with a 400.
- `GET /crm/v3/objects/{companies,deals}?archived=true&limit=&after=`: the archived records,
  each with `archivedAt`.
- `POST /crm/v4/associations/deals/companies/batch/read`: each deal's company; deals without
  one are reported in `errors` and the answer is a 207, as HubSpot does.
- `GET /crm/v3/owners/` (paged), `POST /crm/v3/objects/notes`, `PATCH /crm/v3/objects/deals/{id}`,
  `GET /account-info/v3/details`.

Every route wants `Authorization: Bearer <token>` (else 401 INVALID_AUTHENTICATION), and the
scope it needs must be in `scopes` (else 403 MISSING_SCOPES). Ids are numeric strings;
`hs_lastmodifieddate` strictly increases per record on every change.
"""

from __future__ import annotations

import bisect
import datetime as dt
import fnmatch
import functools
import html
import itertools
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.fakes.server import Answer, FakeServer, Request

KINDS = ("companies", "deals", "notes")
MODIFIED = "hs_lastmodifieddate"
DATETIME_PROPERTIES = {"hs_lastmodifieddate", "createdate", "closedate", "hs_timestamp"}
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "EQ": operator.eq,
    "NEQ": operator.ne,
    "GT": operator.gt,
    "GTE": operator.ge,
    "LT": operator.lt,
    "LTE": operator.le,
}
CLOSED_WON_STAGES = {"closedwon"}
CLOSED_LOST_STAGES = {"closedlost"}

SCOPE_COMPANIES_READ = "crm.objects.companies.read"
SCOPE_DEALS_READ = "crm.objects.deals.read"
SCOPE_DEALS_WRITE = "crm.objects.deals.write"
SCOPE_OWNERS_READ = "crm.objects.owners.read"
ALL_SCOPES = frozenset(
    {SCOPE_COMPANIES_READ, SCOPE_DEALS_READ, SCOPE_DEALS_WRITE, SCOPE_OWNERS_READ}
)
READ_SCOPE = {
    "companies": SCOPE_COMPANIES_READ,
    "deals": SCOPE_DEALS_READ,
    "notes": SCOPE_DEALS_READ,
}

NOTE_TO_DEAL = 214  # HubSpot-defined association type ids
DEAL_TO_COMPANY_PRIMARY = 5
DEAL_TO_COMPANY = 341


def iso(ms: int) -> str:
    """HubSpot's datetime format: ISO 8601 in UTC with milliseconds and a Z."""
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def to_ms(value: dt.datetime | dt.date | int | str) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)


@dataclass
class FakeRecord:
    id: str
    properties: dict[str, str | None]
    created_ms: int
    modified_ms: int
    archived_ms: int | None = None
    associations: list[dict[str, Any]] = field(default_factory=list)  # notes only

    def json(self, properties: list[str] | None = None) -> dict[str, Any]:
        shown = ["hs_object_id", "createdate", "hs_lastmodifieddate", *(properties or [])]
        answer: dict[str, Any] = {
            "id": self.id,
            "properties": {name: self.properties.get(name) for name in shown},
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.modified_ms),
            "archived": self.archived_ms is not None,
        }
        if self.archived_ms is not None:
            answer["archivedAt"] = iso(self.archived_ms)
        return answer


def _error(status: int, category: str, message: str, **extra: Any) -> Answer:
    return Answer(
        status,
        {
            "status": "error",
            "message": message,
            "correlationId": "00000000-0000-0000-0000-000000000000",
            "category": category,
            **extra,
        },
    )


def _number(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _by_id(record: FakeRecord) -> int:
    return int(record.id)


def _tokens(text: str) -> list[str]:
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [token.casefold() for token in text.split()]


class FakeHubSpot(FakeServer):
    arr_property = "annualrevenue"
    segment_property = "forcerank_segment"

    def __init__(
        self,
        *,
        token: str = "pat-na1-fake-token",  # noqa: S107 (a fake's, for tests)
        portal_id: int = 12345678,
        scopes: set[str] | frozenset[str] = ALL_SCOPES,
    ) -> None:
        super().__init__()
        self.token = token
        self.portal_id = portal_id
        self.scopes: set[str] = set(scopes)
        self.search_cap = 10_000  # HubSpot's: no search result past the 10,000th
        self.objects: dict[str, dict[str, FakeRecord]] = {kind: {} for kind in KINDS}
        self.archived: dict[str, dict[str, FakeRecord]] = {kind: {} for kind in KINDS}
        self.owners: dict[str, dict[str, Any]] = {}
        self.deal_company: dict[str, str] = {}
        self._ids = itertools.count(10_001)
        self._owner_ids = itertools.count(70_000_001)
        self._last_ms = 0
        self._writes = 0  # bumped by every change; the search index is rebuilt after one
        self._index: dict[str, tuple[int, list[int], list[FakeRecord]]] = {}
        self.routes.update(
            {
                ("GET", "/account-info/v3/details"): self._account,
                ("GET", "/crm/v3/owners"): self._owners,
                ("POST", "/crm/v4/associations/deals/companies/batch/read"): self._associations,
                ("POST", "/crm/v3/objects/notes"): self._create_note,
                ("PATCH", "/crm/v3/objects/deals/"): self._update_deal,
            }
        )
        for kind in KINDS:
            self.routes[("POST", f"/crm/v3/objects/{kind}/search")] = self._search_route(kind)
            if kind != "notes":
                self.routes[("GET", f"/crm/v3/objects/{kind}")] = self._list_route(kind)

    # Data for tests ---------------------------------------------------------------------

    def now_ms(self) -> int:
        """A clock that never repeats: each change gets a later millisecond than the last."""
        with self.lock:
            self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
            return self._last_ms

    def _new_id(self, wanted: str | int | None) -> str:
        return str(wanted) if wanted is not None else str(next(self._ids))

    def _add(
        self,
        kind: str,
        properties: dict[str, Any],
        id: str | int | None,
        modified: dt.datetime | int | None,
    ) -> str:
        with self.lock:
            record_id = self._new_id(id)
            ms = self.now_ms() if modified is None else to_ms(modified)
            props = {k: None if v is None else str(v) for k, v in properties.items()}
            props.update(hs_object_id=record_id, createdate=iso(ms), hs_lastmodifieddate=iso(ms))
            self.objects[kind][record_id] = FakeRecord(record_id, props, ms, ms)
            self._writes += 1
            return record_id

    def add_owner(self, email: str, first_name: str = "", last_name: str = "") -> str:
        with self.lock:
            owner_id = str(next(self._owner_ids))
            stamp = iso(self.now_ms())
            self.owners[owner_id] = {
                "id": owner_id,
                "email": email,
                "type": "PERSON",
                "firstName": first_name,
                "lastName": last_name,
                "userId": int(owner_id) - 60_000_000,
                "userIdIncludingInactive": int(owner_id) - 60_000_000,
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
                "teams": [],
            }
            return owner_id

    def owner_id(self, email: str) -> str:
        """The owner with this e-mail, added if there is none."""
        with self.lock:
            for owner in self.owners.values():
                if owner["email"] == email:
                    return str(owner["id"])
            return self.add_owner(email)

    def add_company(
        self,
        name: str,
        arr: int | str | None = None,
        segment: str | None = None,
        id: str | int | None = None,
        modified: dt.datetime | int | None = None,
        **props: Any,
    ) -> str:
        properties = {"name": name, "domain": None, **props}
        if arr is not None:
            properties[self.arr_property] = arr
        if segment is not None:
            properties[self.segment_property] = segment
        return self._add("companies", properties, id, modified)

    def _deal_properties(
        self,
        name: str,
        amount: int | str | None,
        stage: str,
        close_date: dt.date | None,
        owner_email: str | None,
    ) -> dict[str, Any]:
        return {
            "dealname": name,
            "amount": amount,
            "dealstage": stage,
            "pipeline": "default",
            "closedate": None if close_date is None else iso(to_ms(close_date)),
            "hubspot_owner_id": None if owner_email is None else self.owner_id(owner_email),
            "hs_is_closed": str(stage in CLOSED_WON_STAGES | CLOSED_LOST_STAGES).lower(),
            "hs_is_closed_won": str(stage in CLOSED_WON_STAGES).lower(),
        }

    def add_deal(
        self,
        name: str,
        company_id: str | None,
        amount: int | str | None,
        stage: str = "appointmentscheduled",
        close_date: dt.date | None = None,
        owner_email: str | None = None,
        id: str | int | None = None,
        modified: dt.datetime | int | None = None,
    ) -> str:
        with self.lock:
            properties = self._deal_properties(name, amount, stage, close_date, owner_email)
            deal_id = self._add("deals", properties, id, modified)
            if company_id is not None:
                self.deal_company[deal_id] = str(company_id)
            return deal_id

    def add_deals(
        self,
        n: int,
        company_id: str | None = None,
        amount: int | None = 10_000,
        stage: str = "appointmentscheduled",
        owner_email: str | None = None,
        name_prefix: str = "Deal",
    ) -> list[str]:
        """`n` deals at once (the benchmark seeds 20,000), each with its own modification
        time, oldest first."""
        with self.lock:
            base = self._deal_properties("", amount, stage, None, owner_email)
            start = self.now_ms()
            self._last_ms = start + n
            ids = []
            deals = self.objects["deals"]
            for number in range(n):
                deal_id = str(next(self._ids))
                ms = start + number
                stamp = iso(ms)
                props = dict(base)
                props.update(
                    dealname=f"{name_prefix} {number + 1}",
                    hs_object_id=deal_id,
                    createdate=stamp,
                    hs_lastmodifieddate=stamp,
                )
                deals[deal_id] = FakeRecord(deal_id, props, ms, ms)
                if company_id is not None:
                    self.deal_company[deal_id] = str(company_id)
                ids.append(deal_id)
            self._writes += 1
            return ids

    def update(self, kind: str, id: str, **props: Any) -> None:
        """Change properties (HubSpot names) and bump `hs_lastmodifieddate`."""
        with self.lock:
            record = self.objects[kind][id]
            for name, value in props.items():
                record.properties[name] = None if value is None else str(value)
            if kind == "deals" and "dealstage" in props:
                stage = str(props["dealstage"])
                closed = stage in CLOSED_WON_STAGES | CLOSED_LOST_STAGES
                record.properties["hs_is_closed"] = str(closed).lower()
                record.properties["hs_is_closed_won"] = str(stage in CLOSED_WON_STAGES).lower()
            self._touch(record)

    def _touch(self, record: FakeRecord) -> None:
        self._writes += 1
        record.modified_ms = max(self.now_ms(), record.modified_ms + 1)
        self._last_ms = max(self._last_ms, record.modified_ms)
        record.properties["hs_lastmodifieddate"] = iso(record.modified_ms)

    def archive(self, kind: str, id: str) -> None:
        with self.lock:
            record = self.objects[kind].pop(id)
            self._writes += 1
            record.archived_ms = self.now_ms()
            self.archived[kind][id] = record

    def merge(self, kind: str, keep_id: str, gone_id: str) -> None:
        """As HubSpot merges: `gone_id` disappears (it is not listed as archived), the survivor
        lists it in `hs_merged_object_ids` and is modified; a merged company's deals move."""
        with self.lock:
            keep = self.objects[kind][keep_id]
            gone = self.objects[kind].pop(gone_id)
            merged = [
                i for i in (keep.properties.get("hs_merged_object_ids") or "").split(";") if i
            ]
            merged += [gone_id] + [
                i for i in (gone.properties.get("hs_merged_object_ids") or "").split(";") if i
            ]
            keep.properties["hs_merged_object_ids"] = ";".join(merged)
            if kind == "companies":
                for deal_id, company_id in self.deal_company.items():
                    if company_id == gone_id:
                        self.deal_company[deal_id] = keep_id
            elif kind == "deals" and gone_id in self.deal_company:
                self.deal_company.setdefault(keep_id, self.deal_company.pop(gone_id))
            self._touch(keep)

    @property
    def notes(self) -> list[dict[str, Any]]:
        """The notes created, oldest first: id, properties and associations."""
        with self.lock:
            return [
                {"id": n.id, "properties": dict(n.properties), "associations": n.associations}
                for n in self.objects["notes"].values()
            ]

    def deal(self, id: str) -> dict[str, str | None]:
        with self.lock:
            return dict(self.objects["deals"][id].properties)

    def company(self, id: str) -> dict[str, str | None]:
        with self.lock:
            return dict(self.objects["companies"][id].properties)

    # Checks -----------------------------------------------------------------------------

    def _refused(self, request: Request, scope: str | None) -> Answer | None:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
        if scope is not None and scope not in self.scopes:
            return _error(
                403,
                "MISSING_SCOPES",
                "This app hasn't been granted all required scopes to make this call. Read "
                "more about required scopes here: https://developers.hubspot.com/scopes.",
                errors=[
                    {
                        "message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": [scope]},
                    }
                ],
            )
        return None

    # Routes -----------------------------------------------------------------------------

    def _account(self, request: Request) -> Answer:
        refused = self._refused(request, None)
        if refused:
            return refused
        return Answer(
            200,
            {
                "portalId": self.portal_id,
                "accountType": "STANDARD",
                "timeZone": "US/Eastern",
                "companyCurrency": "USD",
                "additionalCurrencies": [],
                "utcOffset": "-05:00",
                "utcOffsetMilliseconds": -18_000_000,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            },
        )

    def _search_route(self, kind: str) -> Any:
        def route(request: Request) -> Answer:
            refused = self._refused(request, READ_SCOPE[kind])
            if refused:
                return refused
            return self._search(kind, request)

        return route

    def _list_route(self, kind: str) -> Any:
        def route(request: Request) -> Answer:
            refused = self._refused(request, READ_SCOPE[kind])
            if refused:
                return refused
            return self._list(kind, request)

        return route

    def _search(self, kind: str, request: Request) -> Answer:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1")
        limit = int(body.get("limit") or 10)
        if limit > 200:
            return _error(400, "VALIDATION_ERROR", "limit must be at most 200")
        offset = int(body.get("after") or 0)
        if offset >= self.search_cap:
            return _error(
                400,
                "VALIDATION_ERROR",
                f"Search requests are limited to {self.search_cap} results; "
                f"after={offset} is past the end of the results.",
            )
        try:
            matches = self._compile(body.get("filterGroups") or [])  # validates them too
        except (ValueError, KeyError) as error:
            return _error(400, "VALIDATION_ERROR", f"Invalid filter: {error}")
        groups = body.get("filterGroups") or []
        candidates, in_order = self._candidates(kind, groups)
        only_bound = len(groups) == 1 and len(groups[0].get("filters", [])) == 1
        if in_order and only_bound and groups[0]["filters"][0]["operator"] in ("GTE", "GT"):
            found = candidates  # the index's bound is the whole filter
        else:
            found = [r for r in candidates if matches(r)]
        sorts = body.get("sorts") or []
        if in_order and sorts in (
            [MODIFIED],
            [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
        ):
            sorts = []  # the index's order already
        elif not sorts:
            found.sort(key=_by_id)
        for sort in reversed(sorts):
            if isinstance(sort, str):
                name, descending = sort.lstrip("-"), sort.startswith("-")
            else:
                name, descending = sort["propertyName"], sort.get("direction") == "DESCENDING"
            found.sort(key=functools.partial(self._sort_key, name=name), reverse=descending)
        shown = found[offset : offset + limit]
        answer: dict[str, Any] = {
            "total": len(found),
            "results": [r.json(body.get("properties")) for r in shown],
        }
        if offset + limit < len(found):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return Answer(200, answer)

    def _candidates(self, kind: str, groups: list[dict[str, Any]]) -> tuple[list[FakeRecord], bool]:
        """The records a search can match: when its one filter group bounds
        hs_lastmodifieddate from below, only those from there on, in (modified, id) order
        (True); else all of them (False). Keeps a search of 20,000 deals quick."""
        lowest = None
        for spec in groups[0].get("filters", []) if len(groups) == 1 else []:
            if spec.get("propertyName") == MODIFIED and spec.get("operator") in ("GTE", "GT", "EQ"):
                try:
                    bound = to_ms(str(spec.get("value")))
                except ValueError:
                    continue
                bound += 1 if spec["operator"] == "GT" else 0
                lowest = bound if lowest is None else max(lowest, bound)
        if lowest is None:
            return list(self.objects[kind].values()), False
        writes, keys, records = self._index.get(kind, (-1, [], []))
        if writes != self._writes:
            records = sorted(self.objects[kind].values(), key=lambda r: (r.modified_ms, int(r.id)))
            keys = [r.modified_ms for r in records]
            self._index[kind] = (self._writes, keys, records)
        return records[bisect.bisect_left(keys, lowest) :], True

    def _sort_key(self, record: FakeRecord, *, name: str) -> tuple[Any, ...]:
        value = self._value(record, name)
        return (value is None, value if value is not None else 0, int(record.id))

    def _value(self, record: FakeRecord, name: str) -> Any:
        raw = record.properties.get(name)
        if name == "hs_lastmodifieddate":
            return record.modified_ms
        if raw is None:
            return None
        if name in DATETIME_PROPERTIES:
            return to_ms(raw)
        number = _number(raw)
        return number if number is not None else raw.casefold()

    def _compile(self, groups: list[dict[str, Any]]) -> Callable[[FakeRecord], bool]:
        """The filterGroups as one test (an OR of ANDs); ValueError for what HubSpot refuses."""
        if not groups:
            return lambda record: True
        compiled = [[self._filter(spec) for spec in group.get("filters", [])] for group in groups]
        return lambda record: any(all(f(record) for f in group) for group in compiled)

    def _filter(self, spec: dict[str, Any]) -> Callable[[FakeRecord], bool]:
        name, op = spec["propertyName"], spec["operator"]

        def value(record: FakeRecord) -> Any:
            return self._value(record, name)

        if op == "HAS_PROPERTY":
            return lambda record: value(record) is not None
        if op == "NOT_HAS_PROPERTY":
            return lambda record: value(record) is None
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            pattern = str(spec.get("value", "")).casefold()
            wanted_found = op == "CONTAINS_TOKEN"

            def contains(record: FakeRecord) -> bool:
                text = record.properties.get(name) or ""
                found = any(fnmatch.fnmatchcase(t, pattern) for t in _tokens(text))
                return bool(found == wanted_found)

            return contains
        compare = COMPARISONS.get(op)
        if compare is None:
            raise ValueError(f"The fake does not know the operator {op}")
        wanted = self._operand(name, spec.get("value"))
        if op == "NEQ":
            return lambda record: bool(value(record) != wanted)

        def test(record: FakeRecord) -> bool:
            have = value(record)
            if have is None:
                return False
            try:
                return bool(compare(have, wanted))
            except TypeError:
                return False

        return test

    def _operand(self, name: str, raw: Any) -> Any:
        if raw is None:
            return None
        text = str(raw)
        if name in DATETIME_PROPERTIES:
            return to_ms(text)
        number = _number(text)
        return number if number is not None else text.casefold()

    def _list(self, kind: str, request: Request) -> Answer:
        archived = request.query.get("archived", ["false"])[0].lower() == "true"
        limit = min(int(request.query.get("limit", ["10"])[0]), 100)
        offset = int(request.query.get("after", ["0"])[0] or 0)
        source = self.archived[kind] if archived else self.objects[kind]
        properties = [p for v in request.query.get("properties", []) for p in v.split(",")]
        found = sorted(source.values(), key=lambda r: int(r.id))
        answer: dict[str, Any] = {
            "results": [r.json(properties) for r in found[offset : offset + limit]]
        }
        if offset + limit < len(found):
            after = str(offset + limit)
            answer["paging"] = {
                "next": {
                    "after": after,
                    "link": f"{self.url}/crm/v3/objects/{kind}?after={after}",
                }
            }
        return Answer(200, answer)

    def _associations(self, request: Request) -> Answer:
        refused = self._refused(request, SCOPE_DEALS_READ) or self._refused(
            request, SCOPE_COMPANIES_READ
        )
        if refused:
            return refused
        inputs = request.json().get("inputs", [])
        if len(inputs) > 1000:
            return _error(400, "VALIDATION_ERROR", "At most 1000 inputs per batch.")
        results, errors = [], []
        for item in inputs:
            deal_id = str(item["id"])
            company_id = self.deal_company.get(deal_id)
            if deal_id not in self.objects["deals"] or company_id is None:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                        "message": f"No company is associated with deal {deal_id}.",
                        "context": {"fromObjectId": [deal_id]},
                        "links": {},
                        "errors": [],
                    }
                )
                continue
            results.append(
                {
                    "from": {"id": deal_id},
                    "to": [
                        {
                            "toObjectId": int(company_id),
                            "associationTypes": [
                                {
                                    "category": "HUBSPOT_DEFINED",
                                    "typeId": DEAL_TO_COMPANY_PRIMARY,
                                    "label": "Primary",
                                },
                                {
                                    "category": "HUBSPOT_DEFINED",
                                    "typeId": DEAL_TO_COMPANY,
                                    "label": None,
                                },
                            ],
                        }
                    ],
                }
            )
        stamp = iso(self.now_ms())
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "requestedAt": stamp,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if errors:
            answer.update(errors=errors, numErrors=len(errors))
        return Answer(207 if errors else 200, answer)

    def _owners(self, request: Request) -> Answer:
        refused = self._refused(request, SCOPE_OWNERS_READ)
        if refused:
            return refused
        if request.path not in ("/crm/v3/owners", "/crm/v3/owners/"):
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        limit = min(int(request.query.get("limit", ["100"])[0]), 500)
        offset = int(request.query.get("after", ["0"])[0] or 0)
        owners = list(self.owners.values())
        answer: dict[str, Any] = {"results": owners[offset : offset + limit]}
        if offset + limit < len(owners):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return Answer(200, answer)

    def _create_note(self, request: Request) -> Answer:
        if request.path.rstrip("/") != "/crm/v3/objects/notes":
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        refused = self._refused(request, SCOPE_DEALS_WRITE)
        if refused:
            return refused
        body = request.json()
        properties = body.get("properties") or {}
        if not properties.get("hs_timestamp"):
            return _error(400, "VALIDATION_ERROR", "Property values were not valid: hs_timestamp")
        associations = body.get("associations") or []
        for association in associations:
            target = str(association["to"]["id"])
            types = [t.get("associationTypeId") for t in association.get("types", [])]
            if types != [NOTE_TO_DEAL] or target not in self.objects["deals"]:
                return _error(
                    400, "VALIDATION_ERROR", f"Invalid association to {target} of types {types}"
                )
        note_id = self._add("notes", properties, None, None)
        record = self.objects["notes"][note_id]
        record.associations = associations
        return Answer(201, record.json(list(properties)))

    def _update_deal(self, request: Request) -> Answer:
        refused = self._refused(request, SCOPE_DEALS_WRITE)
        if refused:
            return refused
        deal_id = request.path.rstrip("/").rsplit("/", 1)[-1]
        record = self.objects["deals"].get(deal_id)
        if record is None:
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        properties = request.json().get("properties") or {}
        for name, value in properties.items():
            record.properties[name] = None if value is None else str(value)
        self._touch(record)
        return Answer(200, record.json(list(properties)))
