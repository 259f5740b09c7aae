"""The CRM import: customers and deals from a CSV file, all or nothing.

Rows are matched to what exists by name (customers, case-insensitively) and by customer and
name (deals), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from feature_requests.customers import active_reps, clean_name, closed_at_after, customer_key
from feature_requests.models import Customer, Deal

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
# Far above any real ARR, far below the column's limit: a bigger number is a typo.
MAX_MONEY = 10**12
IMPORT_COLUMNS = (
    "customer",
    "segment",
    "customer_arr",
    "crm_url",
    "deal",
    "amount",
    "stage",
    "expected_close",
    "owner_email",
    "deal_crm_url",
)
# The two CRM links may be left out of the file altogether.
REQUIRED_IMPORT_COLUMNS = tuple(c for c in IMPORT_COLUMNS if c not in ("crm_url", "deal_crm_url"))
IMPORT_EXAMPLE = (
    "Northwind Traders,enterprise,250000,https://crm.example.com/accounts/42,"
    "Northwind expansion,120000,negotiation,2026-12-15,rep@example.com,"
    "https://crm.example.com/deals/7"
)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME_MAX_LENGTH = 200
URL_MAX_LENGTH = 200


@dataclass(frozen=True)
class ImportProblem:
    line: int | None  # None: the whole file (too big, not UTF-8, …)
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


class CrmImportError(Exception):
    """The file cannot be imported; nothing was saved. `problems` says why, row by row."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ImportResult:
    customers_created: int = 0
    customers_updated: int = 0
    customers_unchanged: int = 0
    deals_created: int = 0
    deals_updated: int = 0
    deals_unchanged: int = 0

    def summary(self) -> str:
        return (
            f"Import done. Customers: {self.customers_created} created, "
            f"{self.customers_updated} updated, {self.customers_unchanged} unchanged. "
            f"Deals: {self.deals_created} created, {self.deals_updated} updated, "
            f"{self.deals_unchanged} unchanged."
        )


@dataclass
class _CustomerRow:
    line: int
    name: str
    segment: str
    arr: int
    crm_url: str  # "" leaves an existing link as it is


@dataclass
class _DealRow:
    line: int
    customer_key: str
    name: str
    amount: int
    stage: str
    expected_close: dt.date | None  # None leaves an existing date as it is
    owner: User
    crm_url: str


@dataclass
class _Parsed:
    customers: dict[str, _CustomerRow] = field(default_factory=dict)  # by _customer_key
    deals: list[_DealRow] = field(default_factory=list)


def crm_import(*, actor: User, csv_file: IO[bytes]) -> ImportResult:
    """Create or update customers (by name) and deals (by customer and deal name) from a
    CRM export, one row per deal. Every row is checked first; if any row is bad, nothing
    is saved and CrmImportError lists every problem with its line number."""
    require(actor, Action.IMPORT_CUSTOMERS)
    text = _read_text(csv_file)
    parsed = _parse(text)
    try:
        # The atomic block sits inside the try: a clash rolls the whole import back first.
        with transaction.atomic():
            return _write(parsed)
    except IntegrityError as error:
        # Someone saved the same customer or deal while this file was being imported.
        raise CrmImportError(
            [
                ImportProblem(
                    None,
                    "Another change to the same customers or deals was saved at the same "
                    "time. Nothing was imported; upload the file again.",
                )
            ]
        ) from error


def _fail(message: str, line: int | None = None) -> CrmImportError:
    return CrmImportError([ImportProblem(line, message)])


def _read_text(csv_file: IO[bytes]) -> str:
    too_big = "The file is over 2 MB. Split it into smaller files and import them one by one."
    size = getattr(csv_file, "size", None)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise _fail(too_big)
    data = csv_file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise _fail(too_big)
    if not data.strip():
        raise _fail("The file is empty.")
    try:
        # utf-8-sig: spreadsheet programs often start a "CSV UTF-8" file with a BOM.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(
            "The file is not UTF-8 text. Export it again as “CSV UTF-8” and upload that.", line
        ) from error
    if "\x00" in text:
        # PostgreSQL stores no NUL in text; a file with one is not a CSV export anyway.
        line = text[: text.index("\x00")].count("\n") + 1
        raise _fail("The file contains a NUL character, so it is not a CSV text file.", line)
    return text


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the row's first line, cells), skipping blank rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    try:
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as error:
        raise _fail(f"This is not readable CSV: {error}.", reader.line_num) from error


def _parse(text: str) -> _Parsed:
    rows = _rows(text)
    header_line, header = next(rows, (0, []))
    if not header:
        raise _fail("The file is empty.")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_IMPORT_COLUMNS if name not in columns]
    if missing:
        raise _fail(
            f"The header (line {header_line}) lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Expected: {','.join(IMPORT_COLUMNS)}."
        )
    twice = sorted({name for name in columns if name and columns.count(name) > 1})
    if twice:
        raise _fail(f"The header names {', '.join(twice)} more than once.", header_line)

    body = []
    for line, cells in rows:
        body.append((line, cells))
        if len(body) > MAX_IMPORT_ROWS:
            raise _fail(
                f"The file has more than {MAX_IMPORT_ROWS:,} rows. Split it into smaller files."
            )
    if not body:
        raise _fail("The file has a header but no rows to import.")

    reps = {user.email: user for user in active_reps()}
    parsed = _Parsed()
    problems: list[ImportProblem] = []
    deal_lines: dict[tuple[str, str], int] = {}
    for line, cells in body:
        values = {
            name: (cells[index].strip() if index < len(cells) else "")
            for index, name in enumerate(columns)
            if name in IMPORT_COLUMNS
        }
        errors: list[str] = []
        customer = _parse_customer(line, values, errors)
        deal = _parse_deal(line, values, reps, errors) if values.get("deal") else None
        if customer is not None:
            key = customer_key(customer.name)
            seen = parsed.customers.get(key)
            if seen is None:
                parsed.customers[key] = customer
            else:
                errors.extend(_customer_differences(seen, customer))
            if deal is not None:
                deal.customer_key = key
                deal_key = (key, customer_key(deal.name))
                if deal_key in deal_lines:
                    errors.append(
                        f"the deal “{deal.name}” of “{customer.name}” is on line "
                        f"{deal_lines[deal_key]} already."
                    )
                else:
                    deal_lines[deal_key] = line
                    parsed.deals.append(deal)
        problems.extend(ImportProblem(line, _sentence(message)) for message in errors)
    if problems:
        raise CrmImportError(problems)
    return parsed


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _parse_customer(line: int, values: dict[str, str], errors: list[str]) -> _CustomerRow | None:
    before = len(errors)
    name = clean_name(values.get("customer", ""))
    if not name:
        errors.append("the customer name is empty.")
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(f"the customer name is longer than {NAME_MAX_LENGTH} characters.")
    segment = _choice(values.get("segment", ""), Customer.Segment)
    if segment is None:
        errors.append(
            f"unknown segment “{values.get('segment', '')}”; use one of {_labels(Customer.Segment)}."
        )
    arr = _money(values.get("customer_arr", ""), "customer ARR", errors)
    crm_url = _url(values.get("crm_url", ""), "customer CRM link", errors)
    if segment is None or len(errors) > before:
        return None
    return _CustomerRow(line, name, segment, arr, crm_url)


def _parse_deal(
    line: int, values: dict[str, str], reps: dict[str, User], errors: list[str]
) -> _DealRow | None:
    before = len(errors)
    name = clean_name(values["deal"])
    if len(name) > NAME_MAX_LENGTH:
        errors.append(f"the deal name is longer than {NAME_MAX_LENGTH} characters.")
    amount = _money(values.get("amount", ""), "amount", errors)
    stage = _choice(values.get("stage", ""), Deal.Stage)
    if stage is None:
        errors.append(
            f"unknown stage “{values.get('stage', '')}”; use one of {_labels(Deal.Stage)}."
        )
    expected_close = _date(values.get("expected_close", ""), errors)
    email = values.get("owner_email", "").lower()
    owner = reps.get(email)
    if owner is None:
        errors.append(
            "the owner e-mail is empty."
            if not email
            else f"the owner “{email}” is not an active sales rep in Forcerank."
        )
    crm_url = _url(values.get("deal_crm_url", ""), "deal CRM link", errors)
    if stage is None or owner is None or len(errors) > before:
        return None
    return _DealRow(line, "", name, amount, stage, expected_close, owner, crm_url)


def _customer_differences(seen: _CustomerRow, row: _CustomerRow) -> Iterable[str]:
    """A customer repeated on several rows must say the same about it each time."""
    for attribute, label in (("segment", "segment"), ("arr", "ARR"), ("crm_url", "CRM link")):
        if getattr(seen, attribute) != getattr(row, attribute):
            yield (
                f"the customer “{row.name}” has a different {label} here than on line {seen.line}."
            )


def _normalise(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def _choice(text: str, choices: type[Customer.Segment] | type[Deal.Stage]) -> str | None:
    """The stored value for a value or a label, in any case: "mid_market", "Mid-market"."""
    wanted = _normalise(text)
    for value, label in choices.choices:
        if wanted in (_normalise(value), _normalise(str(label))):
            return value
    return None


def _labels(choices: type[Customer.Segment] | type[Deal.Stage]) -> str:
    return ", ".join(value for value in choices.values)


def _money(text: str, label: str, errors: list[str]) -> int:
    """A whole, non-negative amount; "120000", "120,000" and "120000.00" all read 120000."""
    cleaned = text.replace(",", "").replace("$", "").strip()
    if not cleaned:
        errors.append(f"the {label} is empty.")
        return 0
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        errors.append(f"the {label} “{text}” is not a number.")
        return 0
    if not number.is_finite() or number != number.to_integral_value():
        errors.append(f"the {label} “{text}” is not a whole number.")
    elif number < 0:
        errors.append(f"the {label} “{text}” is negative.")
    elif number > MAX_MONEY:
        errors.append(f"the {label} “{text}” is too large.")
    else:
        return int(number)
    return 0


def _date(text: str, errors: list[str]) -> dt.date | None:
    if not text:
        return None
    try:
        if not ISO_DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"the expected close date “{text}” is not a date like 2026-12-31.")
        return None


def _url(text: str, label: str, errors: list[str]) -> str:
    if not text:
        return ""
    try:
        if len(text) > URL_MAX_LENGTH:
            raise ValidationError("too long")
        URLValidator()(text)
    except ValidationError:
        errors.append(f"the {label} “{text}” is not a web address (https://…).")
        return ""
    return text


def _write(parsed: _Parsed) -> ImportResult:
    """Save what _parse found. Call inside a transaction: it is all or nothing."""
    result = ImportResult()
    # Names are matched like customer_name_taken does, which SQL cannot do on SQLite;
    # the customer table is small enough to read whole, once.
    existing = {customer_key(c.name): c for c in Customer.objects.all()}
    new_customers, changed_customers = [], []
    customers: dict[str, Customer] = {}
    for key, row in parsed.customers.items():
        customer = existing.get(key)
        if customer is None:
            customer = Customer(
                name=row.name, segment=row.segment, arr=row.arr, crm_url=row.crm_url
            )
            new_customers.append(customer)
        elif _assign(customer, segment=row.segment, arr=row.arr, crm_url=row.crm_url or None):
            changed_customers.append(customer)
        else:
            result.customers_unchanged += 1
        customers[key] = customer
    Customer.objects.bulk_create(new_customers, batch_size=500)
    Customer.objects.bulk_update(changed_customers, ["segment", "arr", "crm_url"], batch_size=500)
    result.customers_created = len(new_customers)
    result.customers_updated = len(changed_customers)

    known_ids = [customer.pk for key, customer in customers.items() if key in existing]
    existing_deals = {
        (deal.customer_id, customer_key(deal.name)): deal for deal in _deals_of(known_ids)
    }
    new_deals, changed_deals = [], []
    now = timezone.now()
    for deal_row in parsed.deals:
        customer = customers[deal_row.customer_key]
        deal = existing_deals.get((customer.pk, customer_key(deal_row.name)))
        if deal is None:
            new_deals.append(
                Deal(
                    customer=customer,
                    name=deal_row.name,
                    amount=deal_row.amount,
                    stage=deal_row.stage,
                    closed_at=closed_at_after(
                        old_stage=None, new_stage=deal_row.stage, closed_at=None, now=now
                    ),
                    expected_close=deal_row.expected_close,
                    owner=deal_row.owner,
                    crm_url=deal_row.crm_url,
                )
            )
            continue
        old_stage = deal.stage
        if _assign(
            deal,
            amount=deal_row.amount,
            stage=deal_row.stage,
            expected_close=deal_row.expected_close,
            owner_id=deal_row.owner.pk,
            crm_url=deal_row.crm_url or None,
        ):
            deal.closed_at = closed_at_after(
                old_stage=old_stage, new_stage=deal.stage, closed_at=deal.closed_at, now=now
            )
            changed_deals.append(deal)
        else:
            result.deals_unchanged += 1
    Deal.objects.bulk_create(new_deals, batch_size=500)
    Deal.objects.bulk_update(
        changed_deals,
        ["amount", "stage", "closed_at", "expected_close", "owner", "crm_url"],
        batch_size=500,
    )
    result.deals_created = len(new_deals)
    result.deals_updated = len(changed_deals)
    return result


def _deals_of(customer_ids: list[int]) -> Iterator[Deal]:
    # In chunks: SQLite caps the number of parameters in one query.
    for start in range(0, len(customer_ids), 500):
        yield from Deal.objects.filter(customer_id__in=customer_ids[start : start + 500])


def _assign(obj: Customer | Deal, **values: Any) -> bool:
    """Set the values that differ; None means "leave as it is". True if anything changed."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
