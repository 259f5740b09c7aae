"""An in-memory Salesforce org on 127.0.0.1, for tests and local development of the sync.

Shaped after Salesforce's REST API documentation: the OAuth 2.0 token endpoint (client
credentials and JWT bearer), `query` / `queryAll` with SOQL, and the sObject create, update and
describe resources, with Salesforce's status codes and error bodies
(`[{"message": ..., "errorCode": ...}]`).

The SOQL evaluator is deliberately narrow: one object, no sub-queries, no aggregates, no date
functions or date literals like TODAY; `SELECT fields` (a relationship field only as
`Owner.Email`), `FROM`, `WHERE` with AND / OR / NOT / parentheses, `= != <> < > <= >= LIKE`
on strings, numbers, booleans, null and dateTime literals, `ORDER BY` (ASC/DESC, NULLS FIRST)
and `LIMIT`. That covers every query the provider sends; anything else is a 400
MALFORMED_QUERY, as Salesforce would answer a query it cannot parse. String `=` is exact (real
SOQL is case-blind except for Ids); `LIKE` is case-blind, as in Salesforce.

SystemModstamp keeps whole seconds, as Salesforce does, so records often share one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import jwt

from crm.fakes.server import Answer, FakeServer, Request

BATCH = 2000  # rows per query answer before `nextRecordsUrl`, as in Salesforce

_PREFIXES = {"Account": "001", "Opportunity": "006", "Task": "00T", "User": "005"}

# Fields every object has, and each object's own (Salesforce's API names, canonical case).
_COMMON = ("Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate")
_SCHEMA: dict[str, tuple[str, ...]] = {
    "Account": ("Name", "MasterRecordId", "ARR__c", "Segment__c"),
    "Opportunity": (
        "Name",
        "Amount",
        "StageName",
        "IsClosed",
        "IsWon",
        "CloseDate",
        "AccountId",
        "OwnerId",
        "Owner.Email",
        "Forcerank_Status__c",
    ),
    "Task": ("Subject", "Description", "Status", "ActivityDate", "WhatId"),
}
_READ_ONLY = {"Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate"}
_DATETIME_FIELDS = {"SystemModstamp", "CreatedDate", "LastModifiedDate"}
_BOOLEAN_FIELDS = {"IsDeleted", "IsClosed", "IsWon"}
_TEXT_LIMITS = {"Subject": 255, "Name": 255, "Forcerank_Status__c": 255, "Description": 32_000}
_CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, [{"message": message, "errorCode": code}])


def sf_stamp(value: dt.datetime) -> str:
    """A dateTime as the REST API writes it: "2026-11-30T10:00:00.000+0000"."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


# SOQL -----------------------------------------------------------------------------------------


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><>|!=|<=|>=|=|<|>|\(|\)|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


@dataclass
class _Tok:
    kind: str
    text: str
    value: Any = None


def _tokenize(soql: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    position = 0
    soql = soql.rstrip()
    while position < len(soql):
        match = _TOKEN.match(soql, position)
        if not match or match.end() == position:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: {soql[position:][:20]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        text = match.group(kind)
        value: Any = text
        if kind == "string":
            value = re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group(1)), text[1:-1])
        elif kind == "datetime":
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
        elif kind == "date":
            value = dt.date.fromisoformat(text)
        elif kind == "number":
            value = float(text)
        tokens.append(_Tok(kind, text, value))
    return tokens


@dataclass
class Query:
    sobject: str
    fields: list[str]
    where: Any  # a nested tuple tree, or None
    order: list[tuple[str, bool]]  # (field, descending)
    limit: int | None


class _Parser:
    def __init__(self, soql: str, schema: dict[str, list[str]]) -> None:
        self.tokens = _tokenize(soql)
        self.at = 0
        self.schema = schema
        self.sobject = ""

    def peek(self, word: str | None = None) -> _Tok | None:
        token = self.tokens[self.at] if self.at < len(self.tokens) else None
        if token is None or word is None:
            return token
        return token if token.text.upper() == word.upper() else None

    def take(self, word: str | None = None) -> _Tok:
        token = self.peek(word) if word else self.peek()
        if token is None:
            expected = f"'{word}'" if word else "more"
            raise SoqlError("MALFORMED_QUERY", f"expecting {expected} at the end of the query")
        self.at += 1
        return token

    def field(self, name: str) -> str:
        for known in self.schema[self.sobject]:
            if known.lower() == name.lower():
                return known
        raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{self.sobject}'.")

    def parse(self) -> Query:
        self.take("SELECT")
        names = [self.take().text]
        while self.peek(","):
            self.take(",")
            names.append(self.take().text)
        self.take("FROM")
        self.sobject = self.take().text
        if self.sobject not in self.schema:
            raise SoqlError("INVALID_TYPE", f"sObject type '{self.sobject}' is not supported.")
        fields = [self.field(name) for name in names]
        where = None
        if self.peek("WHERE"):
            self.take("WHERE")
            where = self.disjunction()
        order: list[tuple[str, bool]] = []
        if self.peek("ORDER"):
            self.take("ORDER")
            self.take("BY")
            while True:
                name = self.field(self.take().text)
                descending = False
                if self.peek("ASC") or self.peek("DESC"):
                    descending = self.take().text.upper() == "DESC"
                order.append((name, descending))
                if not self.peek(","):
                    break
                self.take(",")
        limit = None
        if self.peek("LIMIT"):
            self.take("LIMIT")
            token = self.take()
            if token.kind != "number":
                raise SoqlError("MALFORMED_QUERY", "LIMIT needs a number")
            limit = int(token.value)
        if self.peek() is not None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{self.take().text}'")
        return Query(self.sobject, fields, where, order, limit)

    def disjunction(self) -> Any:
        node = self.conjunction()
        while self.peek("OR"):
            self.take("OR")
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.factor()
        while self.peek("AND"):
            self.take("AND")
            node = ("and", node, self.factor())
        return node

    def factor(self) -> Any:
        if self.peek("NOT"):
            self.take("NOT")
            return ("not", self.factor())
        if self.peek("("):
            self.take("(")
            node = self.disjunction()
            self.take(")")
            return node
        name = self.field(self.take().text)
        operator = self.take()
        if operator.text.upper() not in ("=", "!=", "<>", "<", ">", "<=", ">=", "LIKE"):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{operator.text}'")
        literal = self.take()
        value = self.literal(name, literal)
        return ("cmp", name, operator.text.upper(), value)

    def literal(self, name: str, token: _Tok) -> Any:
        if token.kind == "name":
            word = token.text.lower()
            if word in ("true", "false"):
                value: Any = word == "true"
            elif word == "null":
                value = None
            else:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'")
        else:
            value = token.value
        if name in _DATETIME_FIELDS and value is not None and token.kind != "datetime":
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"value of filter criterion for field '{name}' must be of type dateTime and "
                "should not be enclosed in quotes",
            )
        if name in _BOOLEAN_FIELDS and value is not None and not isinstance(value, bool):
            raise SoqlError(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"value of filter criterion for field '{name}' must be of type boolean and "
                "should not be enclosed in quotes",
            )
        return value


def _like(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _compare(value: Any, operator: str, literal: Any) -> bool:
    if operator == "LIKE":
        return (
            isinstance(value, str)
            and isinstance(literal, str)
            and bool(_like(literal).fullmatch(value))
        )
    if operator == "=":
        return bool(value == literal)
    if operator in ("!=", "<>"):
        return bool(value != literal)
    if value is None or literal is None:
        return False
    try:
        if operator == "<":
            return bool(value < literal)
        if operator == ">":
            return bool(value > literal)
        if operator == "<=":
            return bool(value <= literal)
        return bool(value >= literal)
    except TypeError:
        return False


def _matches(node: Any, record: dict[str, Any]) -> bool:
    if node is None:
        return True
    kind = node[0]
    if kind == "or":
        return _matches(node[1], record) or _matches(node[2], record)
    if kind == "and":
        return _matches(node[1], record) and _matches(node[2], record)
    if kind == "not":
        return not _matches(node[1], record)
    _, name, operator, literal = node
    value = record.get(name)
    if isinstance(value, str) and name.endswith("Date") and isinstance(literal, dt.date):
        value = dt.date.fromisoformat(value)
    return _compare(value, operator, literal)


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    """ORDER BY one field, nulls first (SOQL's default for ascending order)."""

    def key(record: dict[str, Any]) -> tuple[bool, Any]:
        value = record.get(name)
        return (value is not None, value if value is not None else "")

    return key


# The fake -------------------------------------------------------------------------------------


class FakeSalesforce(FakeServer):
    """A Salesforce org: accounts, opportunities, tasks, one connected app and its tokens."""

    def __init__(
        self,
        *,
        domain: str = "acme.my",
        client_id: str = "3MVG9fakeConsumerKey",
        client_secret: str = "fake-consumer-secret",  # noqa: S107 - the fake's made-up secret
        username: str = "integration@acme.example",
        jwt_public_key: str | bytes | None = None,
    ) -> None:
        super().__init__()
        self.domain = domain
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.jwt_public_key = jwt_public_key  # set: assertions must be signed with its key
        self.instance_url = f"https://{domain}.salesforce.com"
        self.records: dict[str, dict[str, Any]] = {}  # every record of every object, by Id
        self.schema: dict[str, list[str]] = {
            name: [*_COMMON, *fields] for name, fields in _SCHEMA.items()
        }
        self.tokens: set[str] = set()
        self.logins: list[str] = []  # the grant type of every successful login
        self.readable: set[str] = set(_SCHEMA)
        self.task_createable = True
        self.api_enabled = True
        self._counter = itertools.count(1)
        self._clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self._locators: dict[str, list[dict[str, Any]]] = {}
        self.routes = {
            ("POST", "/services/oauth2/token"): self._token,
            ("GET", "/services/data/"): self._data,
            ("POST", "/services/data/"): self._data,
            ("PATCH", "/services/data/"): self._data,
        }

    # Data for tests ---------------------------------------------------------------------------

    def add_account(
        self,
        *,
        id: str | None = None,
        name: str,
        arr: float | None = None,
        segment: str | None = None,
        modified: dt.datetime | None = None,
        **fields: Any,
    ) -> str:
        """An account; `arr` goes to ARR__c and `segment` to Segment__c, other custom fields
        (`Tier__c=...`) are added to the schema as they come."""
        values = {"Name": name, "ARR__c": arr, "Segment__c": segment, **fields}
        return self._add("Account", id, values, modified)

    def add_opportunity(
        self,
        *,
        id: str | None = None,
        account_id: str | None,
        name: str,
        amount: float | None = None,
        stage: str = "Prospecting",
        close_date: dt.date | str | None = None,
        owner_email: str | None = "owner@acme.example",
        modified: dt.datetime | None = None,
        **fields: Any,
    ) -> str:
        if isinstance(close_date, dt.date):
            close_date = close_date.isoformat()
        with self.lock:
            owner_id = self._new_id("User")
        values = {
            "Name": name,
            "Amount": amount,
            "StageName": stage,
            "IsClosed": stage in _CLOSED_STAGES,
            "IsWon": _CLOSED_STAGES.get(stage, False),
            "CloseDate": close_date,
            "AccountId": account_id,
            "OwnerId": owner_id,
            "Owner.Email": owner_email,
            **fields,
        }
        return self._add("Opportunity", id, values, modified)

    def update(self, id: str, *, modified: dt.datetime | None = None, **fields: Any) -> None:
        """Change fields of a record (by API name) and bump its SystemModstamp."""
        with self.lock:
            record = self.records[id]
            self._declare(record["_type"], fields)
            record.update(fields)
            if "StageName" in fields:
                record["IsClosed"] = fields["StageName"] in _CLOSED_STAGES
                record["IsWon"] = _CLOSED_STAGES.get(fields["StageName"], False)
            self._touch(record, modified)

    def delete(
        self, id: str, master_id: str | None = None, *, modified: dt.datetime | None = None
    ) -> None:
        """Move a record to the recycle bin; `master_id`: the winner, when this is a merge."""
        with self.lock:
            record = self.records[id]
            record["IsDeleted"] = True
            if master_id is not None:
                record["MasterRecordId"] = master_id
            self._touch(record, modified)

    def merge(self, winner_id: str, loser_id: str) -> None:
        """What merging two accounts does: the winner is updated, the loser deleted."""
        self.update(winner_id)
        self.delete(loser_id, master_id=winner_id)

    def account(self, id: str) -> dict[str, Any]:
        return self._public(self.records[id])

    def opportunity(self, id: str) -> dict[str, Any]:
        return self._public(self.records[id])

    @property
    def tasks(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._public(r) for r in self.records.values() if r["_type"] == "Task"]

    def expire_tokens(self) -> None:
        """Every session ends, as when an admin revokes them or they time out."""
        with self.lock:
            self.tokens.clear()

    def set_access(
        self,
        *,
        readable: Iterable[str] | None = None,
        task_createable: bool = True,
        api_enabled: bool = True,
    ) -> None:
        """What the integration user may do: the objects it may query (403
        INSUFFICIENT_ACCESS otherwise), whether it may create tasks, whether the org has API
        access at all (403 API_DISABLED_FOR_ORG)."""
        with self.lock:
            self.readable = set(_SCHEMA if readable is None else readable)
            self.task_createable = task_createable
            self.api_enabled = api_enabled

    # Internals --------------------------------------------------------------------------------

    def _new_id(self, sobject: str) -> str:
        return f"{_PREFIXES[sobject]}Fk{next(self._counter):013d}"

    def _stamp(self, given: dt.datetime | None) -> dt.datetime:
        """`given` (whole seconds), or now: a clock that moves on at least a second each time
        and never falls behind a stamp already given, so an update is always the newest."""
        if given is not None:
            stamp = given.astimezone(dt.UTC).replace(microsecond=0)
            self._clock = max(self._clock, stamp)
            return stamp
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._clock = max(now, self._clock + dt.timedelta(seconds=1))
        return self._clock

    def _declare(self, sobject: str, fields: Iterable[str]) -> None:
        known = {name.lower() for name in self.schema[sobject]}
        for name in fields:
            if name.lower() not in known:
                self.schema[sobject].append(name)

    def _add(
        self,
        sobject: str,
        id: str | None,
        values: dict[str, Any],
        modified: dt.datetime | None,
    ) -> str:
        with self.lock:
            self._declare(sobject, values)
            record_id = id or self._new_id(sobject)
            stamp = self._stamp(modified)
            self.records[record_id] = {
                "_type": sobject,
                "Id": record_id,
                "IsDeleted": False,
                "CreatedDate": stamp,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
                **values,
            }
            return record_id

    def _touch(self, record: dict[str, Any], modified: dt.datetime | None) -> None:
        stamp = self._stamp(modified)
        record["SystemModstamp"] = record["LastModifiedDate"] = stamp

    def _public(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            key: sf_stamp(value) if isinstance(value, dt.datetime) else value
            for key, value in record.items()
            if key != "_type"
        }

    def _row(self, record: dict[str, Any], fields: list[str], version: str) -> dict[str, Any]:
        sobject = record["_type"]
        row: dict[str, Any] = {
            "attributes": {
                "type": sobject,
                "url": f"/services/data/v{version}/sobjects/{sobject}/{record['Id']}",
            }
        }
        for name in fields:
            value = record.get(name)
            if isinstance(value, dt.datetime):
                value = sf_stamp(value)
            if "." in name:
                relation, leaf = name.split(".", 1)
                if relation == "Owner":
                    target = {"type": "User", "id": record.get("OwnerId")}
                else:  # pragma: no cover - only Owner.Email is in the schema
                    target = {"type": relation, "id": None}
                nested = row.setdefault(
                    relation,
                    {
                        "attributes": {
                            "type": target["type"],
                            "url": f"/services/data/v{version}/sobjects/"
                            f"{target['type']}/{target['id']}",
                        }
                    },
                )
                nested[leaf] = value
            else:
                row[name] = value
        return row

    # OAuth ------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Answer:
        form = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
            basic = request.headers.get("authorization", "")
            if basic.startswith("Basic "):
                decoded = base64.b64decode(basic[6:]).decode(errors="replace")
                client_id, _, secret = decoded.partition(":")
            if client_id != self.client_id:
                return Answer(
                    400,
                    {
                        "error": "invalid_client_id",
                        "error_description": "client identifier invalid",
                    },
                )
            if secret != self.client_secret:
                return Answer(
                    400,
                    {"error": "invalid_client", "error_description": "invalid client credentials"},
                )
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            refused = self._check_assertion(form.get("assertion", ""))
            if refused:
                return refused
        else:
            return Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        token = "00DFk0000000001!" + secrets.token_urlsafe(24)
        issued_at = str(int(dt.datetime.now(dt.UTC).timestamp() * 1000))
        signature = base64.b64encode(
            hashlib.sha256(f"{self.instance_url}{issued_at}".encode()).digest()
        ).decode()
        with self.lock:
            self.tokens.add(token)
            self.logins.append(grant)
        return Answer(
            200,
            {
                "access_token": token,
                "instance_url": self.instance_url,
                "id": "https://login.salesforce.com/id/00DFk0000000001/005Fk0000000001",
                "token_type": "Bearer",
                "issued_at": issued_at,
                "signature": signature,
            },
        )

    def _check_assertion(self, assertion: str) -> Answer | None:
        invalid = Answer(400, {"error": "invalid_grant", "error_description": "invalid assertion"})
        try:
            if self.jwt_public_key is not None:
                claims = jwt.decode(
                    assertion,
                    self.jwt_public_key,
                    algorithms=["RS256"],
                    options={"verify_aud": False},
                )
            else:
                claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return invalid
        if claims.get("iss") != self.client_id:
            return Answer(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        audiences = {
            f"https://{self.domain}.salesforce.com",
            "https://login.salesforce.com",
            "https://test.salesforce.com",
        }
        if claims.get("aud") not in audiences:
            return Answer(
                400, {"error": "invalid_grant", "error_description": "audience is invalid"}
            )
        if claims.get("sub") != self.username:
            return Answer(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "user hasn't approved this consumer",
                },
            )
        return None

    # REST -------------------------------------------------------------------------------------

    def _data(self, request: Request) -> Answer:
        match = re.fullmatch(r"/services/data/v(\d+\.\d)/(.*)", request.path)
        if not match:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        version, rest = match.group(1), match.group(2).rstrip("/")
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        if not self.api_enabled:
            return _error(
                403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."
            )
        parts = rest.split("/")
        if request.method == "GET" and parts[0] in ("query", "queryAll"):
            if len(parts) == 2:
                return self._more(parts[1], version)
            return self._query(request, version, include_deleted=parts[0] == "queryAll")
        if parts[0] == "sobjects" and len(parts) >= 2 and parts[1] in self.schema:
            sobject = parts[1]
            if request.method == "GET" and parts[2:] == ["describe"]:
                return self._describe(sobject)
            if request.method == "POST" and len(parts) == 2:
                return self._create(sobject, request, version)
            if request.method == "PATCH" and len(parts) == 3:
                return self._update(sobject, parts[2], request)
        return _error(404, "NOT_FOUND", "The requested resource does not exist")

    def _query(self, request: Request, version: str, *, include_deleted: bool) -> Answer:
        soql = (request.query.get("q") or [""])[0]
        try:
            query = _Parser(soql, self.schema).parse()
        except SoqlError as exc:
            return _error(400, exc.code, str(exc))
        if query.sobject not in self.readable:
            return _error(
                403,
                "INSUFFICIENT_ACCESS",
                f"insufficient access rights on object {query.sobject}",
            )
        rows = [
            record
            for record in self.records.values()
            if record["_type"] == query.sobject
            and (include_deleted or not record["IsDeleted"])
            and _matches(query.where, record)
        ]
        for name, descending in reversed(query.order):
            rows.sort(key=_sort_key(name), reverse=descending)
        if query.limit is not None:
            rows = rows[: query.limit]
        answers = [self._row(record, query.fields, version) for record in rows]
        return self._batch(answers, len(answers), version)

    def _batch(self, rows: list[dict[str, Any]], total: int, version: str) -> Answer:
        body: dict[str, Any] = {"totalSize": total, "done": len(rows) <= BATCH}
        if len(rows) > BATCH:
            locator = "01gFk" + secrets.token_hex(6)
            self._locators[locator] = rows[BATCH:]
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{BATCH}"
        body["records"] = rows[:BATCH]
        return Answer(200, body)

    def _more(self, locator: str, version: str) -> Answer:
        rows = self._locators.pop(locator.rsplit("-", 1)[0], None)
        if rows is None:
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._batch(rows, len(rows), version)

    def _describe(self, sobject: str) -> Answer:
        createable = self.task_createable if sobject == "Task" else True
        return Answer(
            200,
            {
                "name": sobject,
                "label": sobject,
                "keyPrefix": _PREFIXES[sobject],
                "createable": createable,
                "updateable": createable,
                "queryable": sobject in self.readable,
                "fields": [
                    {"name": name, "updateable": name not in _READ_ONLY}
                    for name in self.schema[sobject]
                    if "." not in name
                ],
            },
        )

    def _check_fields(self, sobject: str, fields: dict[str, Any]) -> Answer | None:
        known = {name.lower(): name for name in self.schema[sobject] if "." not in name}
        for name, value in fields.items():
            if name.lower() not in known:
                return _error(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            if known[name.lower()] in _READ_ONLY:
                return _error(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}.",
                )
            limit = _TEXT_LIMITS.get(known[name.lower()])
            if limit and isinstance(value, str) and len(value) > limit:
                return _error(
                    400,
                    "STRING_TOO_LONG",
                    f"{name}: data value too large: {value[:20]}... (max length={limit})",
                )
        return None

    def _fields_of(self, sobject: str, request: Request) -> dict[str, Any] | Answer:
        """The fields a create or update sends, by their canonical names; or the error answer
        Salesforce gives for a body that is not a JSON object or names an unknown field."""
        try:
            fields = request.json()
        except ValueError:
            return _error(400, "JSON_PARSER_ERROR", "The request body is not JSON.")
        if not isinstance(fields, dict):
            return _error(400, "JSON_PARSER_ERROR", "Expected an object.")
        refused = self._check_fields(sobject, fields)
        if refused:
            return refused
        return {
            next(n for n in self.schema[sobject] if n.lower() == k.lower()): v
            for k, v in fields.items()
        }

    def _create(self, sobject: str, request: Request, version: str) -> Answer:
        if sobject == "Task" and not self.task_createable:
            return _error(
                400,
                "INSUFFICIENT_ACCESS_OR_READONLY",
                "insufficient access rights on object Task",
            )
        fields = self._fields_of(sobject, request)
        if isinstance(fields, Answer):
            return fields
        what = fields.get("WhatId")
        if what is not None and (what not in self.records or self.records[what]["IsDeleted"]):
            return _error(
                400,
                "FIELD_INTEGRITY_EXCEPTION",
                "Related To ID: id value of incorrect type: " + str(what),
            )
        record_id = self._add(sobject, None, fields, None)
        return Answer(201, {"id": record_id, "success": True, "errors": []})

    def _update(self, sobject: str, record_id: str, request: Request) -> Answer:
        record = self.records.get(record_id)
        if record is None or record["_type"] != sobject or record["IsDeleted"]:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        fields = self._fields_of(sobject, request)
        if isinstance(fields, Answer):
            return fields
        self.update(record_id, **fields)
        return Answer(204, None)
