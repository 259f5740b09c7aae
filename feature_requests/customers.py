"""Customers and deals: the CRM side of Forcerank.

Writes (`customer_*`, `deal_*`) check permission, validate and save; the reads the customer
and deal pages need live here too, next to the rules they share (what counts as an open
deal, when two customer names are the same customer). The CSV import is `crm_import.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import Action, require
from config.forms import has_visible_text
from feature_requests.models import MAX_EXTERNAL_ID_LENGTH, Customer, Deal

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CUSTOMER_FIELDS = ("name", "segment", "arr", "crm_url")
DEAL_FIELDS = ("customer", "name", "amount", "stage", "expected_close", "owner", "crm_url")
_Upserted = TypeVar("_Upserted")
CLOSED_STAGES = (Deal.Stage.CLOSED_WON, Deal.Stage.CLOSED_LOST)
OPEN_STAGES = tuple(stage for stage in Deal.Stage if stage not in CLOSED_STAGES)


# Reads ---------------------------------------------------------------------------------


class CustomerFigures(TypedDict):
    open_deals: int
    open_pipeline: int


def customer_list() -> QuerySet[WithAnnotations[Customer, CustomerFigures]]:
    """Customers with their number of open deals and open pipeline (sum of open amounts)."""
    is_open = Q(deals__stage__in=OPEN_STAGES)
    return Customer.objects.annotate(
        open_deals=Count("deals", filter=is_open),
        open_pipeline=Coalesce(Sum("deals__amount", filter=is_open), 0),
    ).order_by("name")


class CustomerTotals(TypedDict):
    arr: int
    open_pipeline: int


def customer_totals() -> CustomerTotals:
    """Every customer's ARR and open pipeline added up: two aggregate queries, whatever the
    number of customers. (One query joining the deals would count a customer's ARR once per
    deal.)"""
    arr: int = Customer.objects.aggregate(total=Coalesce(Sum("arr"), 0))["total"]
    return {"arr": arr, "open_pipeline": open_pipeline(Deal.objects.all())}


def open_pipeline(deals: QuerySet[Deal]) -> int:
    """The amounts of the open deals among `deals`, added up: over all deals, the sum of the
    `open_pipeline` that `customer_list()` gives each customer (every deal has a customer)."""
    return deal_amount_total(deals.filter(stage__in=OPEN_STAGES))


def deal_amount_total(deals: QuerySet[Deal]) -> int:
    """The amounts of `deals` added up, in one query, however many there are."""
    total: int = deals.aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return total


def customer_deals(*, customer: Customer) -> QuerySet[Deal]:
    return customer.deals.select_related("owner").order_by("expected_close", "name")


def deal_list(*, stage: str = "", owner: User | None = None) -> QuerySet[Deal]:
    """Deals, soonest expected close first; `stage` is a stage, "open" or "" for all."""
    deals = Deal.objects.select_related("customer", "owner")
    if stage == "open":
        deals = deals.filter(stage__in=OPEN_STAGES)
    elif stage:
        deals = deals.filter(stage=stage)
    if owner is not None:
        deals = deals.filter(owner=owner)
    return deals.order_by("expected_close", "customer__name", "name")


def active_reps() -> QuerySet[User]:
    return User.objects.filter(role=Role.SALES_REP, is_active=True).order_by("full_name")


def customer_name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    """Is the name in use by another customer? Case and spacing do not make a new customer:
    "Acme Corp" and "acme  corp" are the same company, and the import matches them so too.
    (On SQLite, case-insensitive matching covers ASCII letters only.)"""
    others = Customer.objects.exclude(pk=exclude_pk) if exclude_pk else Customer.objects.all()
    return others.filter(name__iexact=clean_name(name)).exists()


def clean_name(name: str) -> str:
    """Names are stored with single spaces and no outer spaces. A name that shows nothing
    (only zero-width or other invisible characters) comes back empty, and is refused as such."""
    name = " ".join(name.split())
    return name if has_visible_text(name) else ""


def customer_key(name: str) -> str:
    return clean_name(name).casefold()


def closed_at_after(
    *, old_stage: str | None, new_stage: str, closed_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    """A deal's `closed_at` once its stage goes from `old_stage` (None: a new deal) to
    `new_stage`: `now` when it enters a closed stage; unchanged while it stays closed (won to
    lost is a correction, not a second close), or `now` if it had none; None when it is open.
    Every writer of a deal's stage asks this: the forms, the API, the CSV import, a CRM sync."""
    if new_stage not in CLOSED_STAGES:
        return None
    if old_stage in CLOSED_STAGES and closed_at is not None:
        return closed_at
    return now


# Customer and deal writes ----------------------------------------------------------------


@transaction.atomic
def customer_create(
    *, actor: User, name: str, segment: str, arr: int, crm_url: str = ""
) -> Customer:
    require(actor, Action.EDIT_CUSTOMERS)
    customer = Customer(name=clean_name(name), segment=segment, arr=arr, crm_url=crm_url)
    _check_customer(customer)
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, **values: Any) -> Customer:
    """Change a customer's name, segment, ARR or CRM link."""
    require(actor, Action.EDIT_CUSTOMERS, customer)
    unknown = set(values) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_update does not change {sorted(unknown)}")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    for name, value in values.items():
        setattr(locked, name, clean_name(value) if name == "name" else value)
    _check_customer(locked)
    locked.save()
    return locked


def _check_customer(customer: Customer) -> None:
    customer.full_clean()
    if customer_name_taken(customer.name, exclude_pk=customer.pk):
        raise ValidationError({"name": "A customer with this name exists already."})


@transaction.atomic
def deal_create(
    *,
    actor: User,
    customer: Customer,
    name: str,
    amount: int,
    owner: User,
    stage: str = Deal.Stage.DISCOVERY,
    expected_close: dt.date | None = None,
    crm_url: str = "",
) -> Deal:
    """Create a deal. A rep may only create deals they own themselves."""
    deal = Deal(
        customer=customer,
        name=clean_name(name),
        amount=amount,
        stage=stage,
        closed_at=closed_at_after(
            old_stage=None, new_stage=stage, closed_at=None, now=timezone.now()
        ),
        expected_close=expected_close,
        owner=owner,
        crm_url=crm_url,
    )
    require(actor, Action.EDIT_CUSTOMERS, deal)
    _check_owner(owner)
    deal.full_clean()
    deal.save()
    return deal


@transaction.atomic
def deal_update(*, actor: User, deal: Deal, **values: Any) -> Deal:
    """Change a deal. A rep may only change their own deals and may not give them away."""
    unknown = set(values) - set(DEAL_FIELDS)
    if unknown:
        raise TypeError(f"deal_update does not change {sorted(unknown)}")
    # Ask about the stored deal, not the caller's copy: a bound form has already written
    # the submitted owner onto its instance.
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    require(actor, Action.EDIT_CUSTOMERS, locked)
    old_owner_id, old_stage = locked.owner_id, locked.stage
    for name, value in values.items():
        setattr(locked, name, clean_name(value) if name == "name" else value)
    locked.closed_at = closed_at_after(
        old_stage=old_stage, new_stage=locked.stage, closed_at=locked.closed_at, now=timezone.now()
    )
    require(actor, Action.EDIT_CUSTOMERS, locked)
    if locked.owner_id != old_owner_id:
        _check_owner(locked.owner)
    locked.full_clean()
    locked.save()
    return locked


# Upserts by the CRM's id (the REST API; a CRM sync) ------------------------------------------


def _clean_external_id(external_id: str) -> str:
    external_id = external_id.strip()
    if not external_id or not has_visible_text(external_id):
        raise ValidationError({"external_id": "Give the CRM id."})
    if len(external_id) > MAX_EXTERNAL_ID_LENGTH:
        raise ValidationError(
            {"external_id": f"Keep the CRM id to {MAX_EXTERNAL_ID_LENGTH} characters."}
        )
    return external_id


def _saved_once_more(save: Callable[[], _Upserted]) -> _Upserted:
    """Run `save` in a savepoint; if a concurrent upsert of the same record won the race to
    insert it, run it once more: it then finds and updates that row. The race shows as the
    unique constraint (IntegrityError) or, when the winner committed between this one's
    lookup and its checks, as those checks' "exists already" (ValidationError); a genuine
    validation error fails the second run the same way and is raised."""
    try:
        with transaction.atomic():
            return save()
    except (IntegrityError, ValidationError):
        with transaction.atomic():
            return save()


@transaction.atomic
def customer_upsert(
    *,
    actor: User,
    external_id: str,
    name: str,
    segment: str | None = None,
    arr: int | None = None,
    crm_url: str | None = None,
) -> tuple[Customer, bool]:
    """Create or update the customer the CRM knows as `external_id`; (customer, created).

    A customer without a CRM id whose name matches (as the CSV import matches names: case
    and spacing aside) is that customer, not a new one: it takes the id. Fields left None
    keep their values (a new customer gets the defaults).
    """
    require(actor, Action.IMPORT_CUSTOMERS)
    external_id = _clean_external_id(external_id)

    def save() -> tuple[Customer, bool]:
        customer = (
            Customer.objects.select_for_update().filter(external_id=external_id).first()
            or Customer.objects.select_for_update()
            .filter(external_id__isnull=True, name__iexact=clean_name(name))
            .first()
        )
        created = customer is None
        if customer is None:
            customer = Customer()
        customer.external_id = external_id
        customer.name = clean_name(name)
        for field_name, value in (("segment", segment), ("arr", arr), ("crm_url", crm_url)):
            if value is not None:
                setattr(customer, field_name, value)
        _check_customer(customer)
        customer.save()
        return customer, created

    return _saved_once_more(save)


@transaction.atomic
def deal_upsert(
    *,
    actor: User,
    external_id: str,
    customer: Customer,
    name: str,
    amount: int,
    owner: User,
    stage: str | None = None,
    expected_close: dt.date | None = None,
    crm_url: str | None = None,
) -> tuple[Deal, bool]:
    """Create or update the deal the CRM knows as `external_id`; (deal, created).

    A deal of the same customer and name without a CRM id is that deal (the CSV import's
    key). The same rules as `deal_create` and `deal_update` hold: a rep upserts only their
    own deals, the owner is an active rep.
    """
    external_id = _clean_external_id(external_id)

    def save() -> tuple[Deal, bool]:
        deal = (
            Deal.objects.select_for_update().filter(external_id=external_id).first()
            or Deal.objects.select_for_update()
            .filter(external_id__isnull=True, customer=customer, name__iexact=clean_name(name))
            .first()
        )
        created = deal is None
        if deal is None:
            deal = Deal()
        else:
            require(actor, Action.EDIT_CUSTOMERS, deal)  # as it is, before the change
        old_owner_id = None if created else deal.owner_id
        old_stage = None if created else deal.stage
        deal.external_id = external_id
        deal.customer = customer
        deal.name = clean_name(name)
        deal.amount = amount
        deal.owner = owner
        if stage is not None:
            deal.stage = stage
        deal.closed_at = closed_at_after(
            old_stage=old_stage, new_stage=deal.stage, closed_at=deal.closed_at, now=timezone.now()
        )
        if expected_close is not None:
            deal.expected_close = expected_close
        if crm_url is not None:
            deal.crm_url = crm_url
        require(actor, Action.EDIT_CUSTOMERS, deal)
        if deal.owner_id != old_owner_id:
            _check_owner(owner)
        deal.full_clean()
        deal.save()
        return deal, created

    return _saved_once_more(save)


def _check_owner(owner: User) -> None:
    if owner.role != Role.SALES_REP or not owner.is_active:
        raise ValidationError({"owner": "The owner must be an active sales rep."})
