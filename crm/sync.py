"""The incremental sync: the CRM's changed companies and deals, page by page, into Forcerank's
customers and deals.

How it holds up:
- **One at a time.** `sync_start` inserts the run as "running"; a unique constraint allows one
  running run per CRM, so a second "Sync now" (another tab, another machine, the schedule)
  gets the running one back instead. A run whose worker died stops sending heartbeats and is
  closed as failed by the next start.
- **A page is a unit.** Each page's records and the cursor after it commit together: a crash,
  a database error or a killed worker loses at most the page in flight, and the next run
  starts from the last committed page. Upserts key on the CRM id, so a page seen twice
  changes nothing the second time.
- **Streams, not loads.** Pages come from the provider one at a time and only the page in hand
  is in memory: 20,000 deals are 200 pages of 100.
- **Nothing blanked.** A failure stops the run with its reason and writes nothing; an empty
  CRM field never empties Forcerank's (ARR, segment, close date stay as they were); a deal
  deleted in the CRM that requests wait on is kept (it only loses its CRM id).
- **A constant number of queries per page**, whatever the page's number or the data's size:
  each page reads what it touches in a few `IN` queries and writes with bulk statements.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Role, User
from crm.models import CrmSettings, Stream, SyncCursor, SyncRun, Vendor
from crm.providers.base import (
    CompanyRecord,
    CrmError,
    CrmRateLimited,
    DealRecord,
    Deleted,
    Mapping,
    Page,
    Provider,
)
from crm.selectors import settings_for
from feature_requests.customers import clean_name, closed_at_after
from feature_requests.models import MAX_EXTERNAL_ID_LENGTH, Customer, Deal, RequestDeal

logger = logging.getLogger(__name__)

# A run that has not written a heartbeat for this long died with its worker.
STALE_AFTER = dt.timedelta(minutes=10)
MAX_PROBLEMS = 200  # problems kept per run (the counts go on)
MAX_RATE_LIMIT_TRIES = 5  # waits for a rate limit within one page before the run stops
STAGES = {stage.value for stage in Deal.Stage}
MAX_AMOUNT = 10**15  # no deal or ARR is larger; a bigger number is a CRM data error
_Row = TypeVar("_Row", Customer, Deal)


# Starting -------------------------------------------------------------------------------


def sync_start(
    *, vendor: Vendor, trigger: SyncRun.Trigger, actor: User | None = None
) -> tuple[SyncRun, bool]:
    """The run to follow: a new one (True), or the one already running (False)."""
    now = timezone.now()
    with transaction.atomic():
        stale = SyncRun.objects.select_for_update().filter(
            vendor=vendor, status=SyncRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
        )
        for run in stale:
            _finish(
                run,
                SyncRun.Status.FAILED,
                "Stopped without finishing (its worker died or was stopped). The next sync "
                "resumed from the last page it saved.",
            )
    try:
        with transaction.atomic():
            return (
                SyncRun.objects.create(vendor=vendor, trigger=trigger, requested_by=actor),
                True,
            )
    except IntegrityError:
        running = SyncRun.objects.filter(vendor=vendor, status=SyncRun.Status.RUNNING).first()
        if running is None:  # it finished in between: start afresh
            return sync_start(vendor=vendor, trigger=trigger, actor=actor)
        return running, False


def _finish(run: SyncRun, status: SyncRun.Status, message: str, *, claim: str = "") -> None:
    """Close a running run (only if `claim` still holds it, when given)."""
    running = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING)
    if claim:
        running = running.filter(claim=claim)
    running.update(status=status, message=message, finished_at=timezone.now(), progress="")


# Running --------------------------------------------------------------------------------


class TakenOver(Exception):
    """Another worker runs this sync now (its task was delivered again): this one stops."""


def sync_run(
    *, run_id: int, provider: Provider, sleep: Callable[[float], None] = time.sleep
) -> SyncRun:
    """Run a started sync to its end: companies first (deals point at them), then deals.

    The worker claims the run with a token of its own; each page commits only while the claim
    is still its own (checked under the run's row lock), so if the task is delivered twice
    (a worker thought dead) only the newest claimant writes pages.
    """
    claim = uuid.uuid4().hex
    if not SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).update(claim=claim):
        return SyncRun.objects.get(pk=run_id)
    run = SyncRun.objects.get(pk=run_id)
    vendor = Vendor(run.vendor)
    crm_settings = settings_for(vendor)
    mapping = Mapping(
        arr_field=crm_settings.arr_field,
        segment_field=crm_settings.segment_field,
        summary_field=crm_settings.summary_field,
    )
    try:
        for stream, fetch, apply in (
            (Stream.COMPANIES, provider.companies_page, _apply_companies),
            (Stream.DEALS, provider.deals_page, _apply_deals),
        ):
            number = 0
            while True:
                number += 1
                cursor = _cursor(vendor, stream)
                if not SyncRun.objects.filter(pk=run.pk, claim=claim).update(
                    progress=f"{stream.label}: page {number}", heartbeat_at=timezone.now()
                ):
                    raise TakenOver
                page = _fetch(partial(fetch, cursor, mapping), sleep=sleep)
                with transaction.atomic():
                    if not SyncRun.objects.select_for_update().filter(pk=run.pk, claim=claim):
                        raise TakenOver
                    counts = apply(page, crm_settings)
                    _save_cursor(vendor, stream, page.cursor)
                    _add_counts(run, counts)
                if not page.has_more:
                    break
    except TakenOver:
        logger.info("CRM sync %s: another worker took it over", run.pk)
    except CrmError as error:
        _finish(
            run,
            SyncRun.Status.FAILED,
            f"{error} The next sync resumes from the last page saved.",
            claim=claim,
        )
    except Exception as error:
        logger.exception("CRM sync %s failed", run.pk)
        _finish(
            run,
            SyncRun.Status.FAILED,
            f"Stopped by an error in Forcerank ({type(error).__name__}). Nothing of the page it "
            "was on was saved; the next sync resumes from the last page saved.",
            claim=claim,
        )
    else:
        _finish(run, SyncRun.Status.SUCCEEDED, "", claim=claim)
    run.refresh_from_db()
    return run


def _fetch(get: Callable[[], Page], *, sleep: Callable[[float], None]) -> Page:
    """A page, waiting out rate limits (the CRM's Retry-After) a few times before giving up."""
    waited = 0.0
    for _ in range(MAX_RATE_LIMIT_TRIES):
        try:
            return get()
        except CrmRateLimited as error:
            wait = max(error.retry_after, 0.0)
            if waited + wait > settings.CRM_RATE_LIMIT_MAX_WAIT:
                raise
            waited += wait
            sleep(wait)
    return get()


def _cursor(vendor: Vendor, stream: Stream) -> dict[str, Any] | None:
    row = SyncCursor.objects.filter(vendor=vendor, stream=stream).only("value").first()
    return row.value if row is not None and row.value else None


def _save_cursor(vendor: Vendor, stream: Stream, value: dict[str, Any]) -> None:
    SyncCursor.objects.update_or_create(vendor=vendor, stream=stream, defaults={"value": value})


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    def skip(self, record: str, reason: str) -> None:
        self.skipped += 1
        self.problems.append({"record": record, "reason": reason})


def _add_counts(run: SyncRun, counts: Counts) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        pages=F("pages") + 1,
        created=F("created") + counts.created,
        updated=F("updated") + counts.updated,
        unchanged=F("unchanged") + counts.unchanged,
        skipped=F("skipped") + counts.skipped,
        deleted=F("deleted") + counts.deleted,
        heartbeat_at=timezone.now(),
    )
    if counts.problems:
        locked = SyncRun.objects.select_for_update().only("problems").get(pk=run.pk)
        room = MAX_PROBLEMS - len(locked.problems)
        if room > 0:
            locked.problems = locked.problems + counts.problems[:room]
            locked.save(update_fields=["problems"])


# Companies → customers ------------------------------------------------------------------


def segment_for(raw: str | None) -> str | None:
    """A CRM segment value as Forcerank's segment, or None to keep the customer's."""
    if not raw:
        return None
    text = raw.casefold()
    if "enterprise" in text:
        return Customer.Segment.ENTERPRISE
    if "mid" in text:
        return Customer.Segment.MID_MARKET
    if "smb" in text or "small" in text:
        return Customer.Segment.SMB
    return None


def _label(kind: str, external_id: str, name: str = "") -> str:
    return f"{kind} {external_id}" + (f" “{name}”" if name else "")


def _text(value: str) -> str:
    """A CRM's text as Forcerank stores it: single spaces, no control characters (PostgreSQL
    refuses NUL in text)."""
    return clean_name("".join(char if char.isprintable() else " " for char in value))


def _unusable(external_id: str, name: str, name_limit: int, number: tuple[str, int | None]) -> str:
    """Why a record cannot be stored as it is ("" if it can): no name, an id or name longer
    than Forcerank keeps, or its ARR/amount negative or absurdly large."""
    what, value = number
    if not name:
        return "It has no name in the CRM."
    if len(external_id) > MAX_EXTERNAL_ID_LENGTH or len(name) > name_limit:
        return "Its id or name is longer than Forcerank keeps."
    if value is not None and not 0 <= value <= MAX_AMOUNT:
        return f"Its {what} ({value}) is negative or too large."
    return ""


def _write(
    model: type[_Row], new: list[_Row], changed: list[_Row], fields: list[str], counts: Counts
) -> None:
    """Write a page's rows in bulk; if the database refuses one (an API upsert of the same
    record a moment ago, a value it cannot hold), write them one by one and skip only those it
    refuses, with the reason: one bad record never stops the sync."""
    try:
        with transaction.atomic():
            model.objects.bulk_create(new)
            if changed:
                model.objects.bulk_update(changed, fields)
        return
    except (IntegrityError, DataError):
        pass
    for row, is_new in [(row, True) for row in new] + [(row, False) for row in changed]:
        try:
            with transaction.atomic():
                if is_new:
                    row.save(force_insert=True)
                else:
                    row.save(update_fields=fields)
        except (IntegrityError, DataError) as error:
            if is_new:
                row.pk = None
                counts.created -= 1
            else:
                counts.updated -= 1
            kind = "Company" if model is Customer else "Deal"
            counts.skip(
                _label(kind, row.external_id or "", row.name),
                "Forcerank could not store it: another record has its CRM id or name, or a "
                f"value is out of range ({type(error).__name__}).",
            )


def _apply_companies(page: Page, crm_settings: CrmSettings) -> Counts:
    counts = Counts()
    records: list[CompanyRecord] = [r for r in page.records if isinstance(r, CompanyRecord)]
    ids = [r.external_id for r in records]
    by_id = {c.external_id: c for c in Customer.objects.filter(external_id__in=ids)}
    names = {_text(r.name).casefold() for r in records if r.external_id not in by_id}
    by_name = {
        c.name.casefold(): c
        for c in Customer.objects.annotate(key=Lower("name")).filter(key__in=names)
    }
    new: list[Customer] = []
    changed: dict[int, Customer] = {}
    taken = {c.name.casefold(): c for c in by_id.values()} | by_name
    for record in records:
        name = _text(record.name)
        label = _label("Company", record.external_id, name)
        problem = _unusable(record.external_id, name, 200, ("ARR", record.arr))
        if problem:
            counts.skip(label, problem)
            continue
        customer = by_id.get(record.external_id)
        if customer is None:
            match = by_name.get(name.casefold())
            if match is not None and match.external_id is None:
                customer = match  # imported by CSV or typed in: adopt it, don't duplicate
            elif match is not None:
                counts.skip(
                    label,
                    f"Another CRM company ({match.external_id}) already has this name in "
                    "Forcerank; rename one of them in the CRM.",
                )
                continue
        values: dict[str, Any] = {"name": name, "external_id": record.external_id}
        if record.arr is not None:
            values["arr"] = record.arr
        segment = segment_for(record.segment)
        if segment is not None:
            values["segment"] = segment
        if record.url:
            values["crm_url"] = record.url
        if customer is None:
            other = taken.get(name.casefold())
            if other is not None:  # two new companies of one name on this page
                counts.skip(label, "Another company on this page has the same name.")
                continue
            customer = Customer(**values)
            new.append(customer)
            taken[name.casefold()] = customer
            counts.created += 1
        elif all(getattr(customer, key) == value for key, value in values.items()):
            counts.unchanged += 1
        else:
            for key, value in values.items():
                setattr(customer, key, value)
            changed[customer.pk] = customer
            counts.updated += 1
    _write(
        Customer,
        new,
        list(changed.values()),
        ["name", "external_id", "arr", "segment", "crm_url"],
        counts,
    )
    _delete_companies(page.deleted, counts)
    return counts


def _delete_companies(deleted: list[Deleted], counts: Counts) -> None:
    """A company merged into another moves its deals to the survivor; one deleted goes if
    nothing refers to it, or keeps its data and loses its CRM id (nothing is lost)."""
    if not deleted:
        return
    ids = {d.external_id for d in deleted} | {d.merged_into for d in deleted if d.merged_into}
    local = {c.external_id: c for c in Customer.objects.filter(external_id__in=ids)}
    with_deals = set(
        Deal.objects.filter(customer__external_id__in=ids).values_list(
            "customer__external_id", flat=True
        )
    )
    for gone in deleted:
        customer = local.get(gone.external_id)
        if customer is None:
            continue
        survivor = local.get(gone.merged_into or "")
        if survivor is not None and survivor.pk != customer.pk:
            names = set(survivor.deals.values_list("name", flat=True))
            moving = customer.deals.exclude(name__in=names)
            moving.update(customer=survivor)
            if customer.deals.exists():
                customer.external_id = None
                customer.save(update_fields=["external_id"])
                counts.problems.append(
                    {
                        "record": _label("Company", gone.external_id, customer.name),
                        "reason": f"Merged into {survivor.name}; deals whose names it has "
                        "already stay here.",
                    }
                )
            else:
                customer.delete()
            counts.deleted += 1
        elif gone.merged_into and survivor is None:
            customer.external_id = gone.merged_into  # the survivor's record arrives later
            customer.save(update_fields=["external_id"])
            counts.updated += 1
        elif gone.external_id in with_deals:
            customer.external_id = None
            customer.save(update_fields=["external_id"])
            counts.problems.append(
                {
                    "record": _label("Company", gone.external_id, customer.name),
                    "reason": "Deleted in the CRM; kept in Forcerank because it has deals.",
                }
            )
            counts.deleted += 1
        else:
            customer.delete()
            counts.deleted += 1


# Deals ------------------------------------------------------------------------------------


def stage_for(record: DealRecord, crm_settings: CrmSettings, current: str | None) -> str | None:
    """The admin's mapping; else what the CRM says of the stage (won, lost); else keep the
    deal's stage (a new deal starts in discovery). None: the mapping names a bad stage."""
    mapped = crm_settings.stage_map.get(record.stage)
    if mapped:
        return mapped if mapped in STAGES else None
    if record.is_won:
        return Deal.Stage.CLOSED_WON
    if record.is_closed:
        return Deal.Stage.CLOSED_LOST
    return current or Deal.Stage.DISCOVERY


def _apply_deals(page: Page, crm_settings: CrmSettings) -> Counts:
    counts = Counts()
    now = timezone.now()
    records: list[DealRecord] = [r for r in page.records if isinstance(r, DealRecord)]
    merged = {old: r.external_id for r in records for old in r.merged_from}
    ids = [r.external_id for r in records] + list(merged)
    by_id = {
        d.external_id: d for d in Deal.objects.filter(external_id__in=ids).select_related("owner")
    }
    customers = {
        c.external_id: c
        for c in Customer.objects.filter(
            external_id__in={r.company_id for r in records if r.company_id}
        )
    }
    # The page's names among these customers' deals: a deal without a CRM id (the CSV
    # import's, a typed one) of the same customer and name is the CRM's deal; a name another
    # deal has is taken. Only this page's names are read, however many deals there are.
    names = {_text(r.name).casefold() for r in records}
    same_names = list(
        Deal.objects.annotate(key=Lower("name")).filter(
            customer__in=list(customers.values()), key__in=names
        )
    )
    unkeyed: dict[tuple[int, str], Deal] = {
        (d.customer_id, d.name.casefold()): d for d in same_names if d.external_id is None
    }
    taken_names = {(d.customer_id, d.name.casefold()) for d in same_names}
    emails = {r.owner_email.lower() for r in records if r.owner_email}
    reps = {
        u.email: u
        for u in User.objects.filter(email__in=emails, role=Role.SALES_REP, is_active=True)
    }
    default_owner = crm_settings.default_owner
    if default_owner is not None and (
        default_owner.role != Role.SALES_REP or not default_owner.is_active
    ):
        default_owner = None
    unmapped: set[str] = set()
    new: list[Deal] = []
    changed: dict[int, Deal] = {}

    # Merges first: a deal merged into another becomes the survivor (or hands it its links).
    for old_id, survivor_id in merged.items():
        loser = by_id.get(old_id)
        if loser is None:
            continue
        survivor = by_id.get(survivor_id)
        if survivor is None:
            loser.external_id = survivor_id
            by_id[survivor_id] = loser
            changed[loser.pk] = loser
        else:
            _move_links(loser, survivor)
            loser.delete()
            counts.deleted += 1
        by_id.pop(old_id, None)

    for record in records:
        name = _text(record.name)
        label = _label("Deal", record.external_id, name)
        customer = customers.get(record.company_id or "")
        # 190: room for " (<CRM id>)" when two deals of a customer share a name.
        problem = _unusable(record.external_id, name, 190, ("amount", record.amount))
        if problem:
            counts.skip(label, problem)
            continue
        if customer is None:
            counts.skip(
                label,
                "It has no company in the CRM that Forcerank knows: associate it with one."
                if record.company_id is None
                else f"Its company ({record.company_id}) is not in Forcerank.",
            )
            continue
        deal = by_id.get(record.external_id) or unkeyed.pop((customer.pk, name.casefold()), None)
        owner = reps.get((record.owner_email or "").lower())
        if owner is None:
            owner = deal.owner if deal is not None else default_owner
        if owner is None:
            counts.skip(
                label,
                f"Its owner ({record.owner_email or 'none'}) is not an active sales rep in "
                "Forcerank, and no default owner is set on the Integrations page.",
            )
            continue
        stage = stage_for(record, crm_settings, deal.stage if deal is not None else None)
        if record.stage and record.stage not in crm_settings.stage_map:
            unmapped.add(record.stage[:100])
        if stage is None:
            counts.skip(label, f"The mapping gives stage “{record.stage}” an unknown stage.")
            continue
        renamed = (
            deal is None
            or deal.customer_id != customer.pk
            or deal.name.casefold() != name.casefold()
        )
        if renamed and (customer.pk, name.casefold()) in taken_names:
            # CRMs allow two deals of one name ("Renewal"); Forcerank keeps names unique per
            # customer, so the CRM id tells this one apart.
            name = f"{name} ({record.external_id})"
        values: dict[str, Any] = {
            "external_id": record.external_id,
            "customer_id": customer.pk,
            "name": name,
            "stage": stage,
            "owner_id": owner.pk,
        }
        if record.amount is not None:
            values["amount"] = record.amount
        if record.close_date is not None:
            values["expected_close"] = record.close_date
        if record.url:
            values["crm_url"] = record.url
        if deal is None:
            values.setdefault("amount", 0)
            deal = Deal(**values)
            deal.closed_at = closed_at_after(
                old_stage=None, new_stage=stage, closed_at=None, now=now
            )
            new.append(deal)
            counts.created += 1
        elif all(getattr(deal, key) == value for key, value in values.items()) and (
            deal.pk not in changed
        ):
            counts.unchanged += 1
            continue
        else:
            closed_at = closed_at_after(
                old_stage=deal.stage, new_stage=stage, closed_at=deal.closed_at, now=now
            )
            for key, value in values.items():
                setattr(deal, key, value)
            deal.closed_at = closed_at
            changed[deal.pk] = deal
            counts.updated += 1
        taken_names.add((customer.pk, name.casefold()))
    fields = [
        "external_id",
        "customer",
        "name",
        "amount",
        "stage",
        "closed_at",
        "expected_close",
        "owner",
        "crm_url",
    ]
    _write(Deal, new, list(changed.values()), fields, counts)
    _delete_deals(page.deleted, counts)
    if unmapped - set(crm_settings.stages_seen):
        CrmSettings.objects.filter(pk=crm_settings.pk).update(
            stages_seen=sorted(set(crm_settings.stages_seen) | unmapped)
        )
        crm_settings.stages_seen = sorted(set(crm_settings.stages_seen) | unmapped)
    return counts


def _move_links(loser: Deal, survivor: Deal) -> None:
    """The requests waiting on `loser` wait on `survivor` instead (once each)."""
    already = set(survivor.request_links.values_list("request_id", flat=True))
    loser.request_links.exclude(request_id__in=already).update(deal=survivor)
    loser.request_links.all().delete()


def _delete_deals(deleted: Iterable[Deleted], counts: Counts) -> None:
    ids = [d.external_id for d in deleted]
    if not ids:
        return
    local = list(Deal.objects.filter(external_id__in=ids))
    linked = set(
        RequestDeal.objects.filter(deal__in=local).values_list("deal_id", flat=True).distinct()
    )
    kept = [deal for deal in local if deal.pk in linked]
    for deal in kept:
        counts.problems.append(
            {
                "record": _label("Deal", deal.external_id or "", deal.name),
                "reason": "Deleted in the CRM; kept in Forcerank because requests wait on it.",
            }
        )
        deal.external_id = None
    if kept:
        Deal.objects.bulk_update(kept, ["external_id"])
    Deal.objects.filter(pk__in=[d.pk for d in local if d.pk not in linked]).delete()
    counts.deleted += len(local)
