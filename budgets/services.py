"""Writes to quarters and company settings. Each checks permission, validates, audits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template.defaultfilters import pluralize

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import (
    AuditEntry,
    CompanySettings,
    Quarter,
)
from budgets.spending import quarter_spent
from events.kinds import Kind
from events.services import publish

QUARTER_FIELDS = (
    "label",
    "start",
    "end",
    "capacity_points",
    "sales_share_percent",
    "planning_lock_date",
)
SETTINGS_FIELDS = (
    "company_name",
    "time_zone",
    "meeting_weekday",
    "meeting_time",
    "disruption_penalty_percent",
    "default_sales_share_percent",
    "head_of_sales",
    "head_of_product",
)


def _as_json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 12, 12.5: as people write percentages
    if isinstance(value, Model):
        return str(value)
    return value


def _diff(before: dict[str, Any], after: Model, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    changes = {}
    for name in fields:
        old, new = before[name], getattr(after, name)
        if old != new:
            changes[name] = [_as_json(old), _as_json(new)]
    return changes


@transaction.atomic
def quarter_create(
    *,
    actor: User,
    label: str,
    start: dt.date,
    end: dt.date,
    capacity_points: int,
    sales_share_percent: Decimal | None = None,
    planning_lock_date: dt.date | None = None,
) -> Quarter:
    """Create a quarter; the share defaults to the company's default sales share."""
    require(actor, Action.MANAGE_QUARTERS)
    if sales_share_percent is None:
        sales_share_percent = CompanySettings.load().default_sales_share_percent
    quarter = Quarter(
        label=label,
        start=start,
        end=end,
        capacity_points=capacity_points,
        sales_share_percent=sales_share_percent,
    )
    # Left empty, the lock date is filled in from the start (Quarter.clean and save).
    if planning_lock_date is not None:
        quarter.planning_lock_date = planning_lock_date
    quarter.full_clean()
    _save_quarter(quarter)
    changes = {name: [None, _as_json(getattr(quarter, name))] for name in QUARTER_FIELDS}
    AuditEntry.objects.create(
        actor=actor, action=AuditEntry.Action.QUARTER_CREATED, quarter=quarter, changes=changes
    )
    publish(
        Kind.QUARTER_CREATED,
        actor=actor,
        quarter_id=quarter.pk,
        payload={"quarter": quarter.label, "sales_budget": quarter.sales_budget},
    )
    return quarter


@transaction.atomic
def quarter_update(
    *, actor: User, quarter: Quarter, below_spent_reason: str = "", **values: Any
) -> Quarter:
    """Change a quarter's label, dates, capacity, share or lock date, and audit what changed.

    The row is locked while it changes so that two editors' audit entries each record the
    value the other left, not a stale one (and so that no commitment lands meanwhile). A
    change that leaves the sales budget below what is already committed and charged is
    refused unless `below_spent_reason` says why; the reason goes into the audit trail.
    """
    require(actor, Action.MANAGE_QUARTERS)
    unknown = set(values) - set(QUARTER_FIELDS)
    if unknown:
        raise TypeError(f"quarter_update does not change {sorted(unknown)}")
    locked = Quarter.locked(quarter.pk)
    before = {name: getattr(locked, name) for name in QUARTER_FIELDS}
    for name, value in values.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = _diff(before, locked, QUARTER_FIELDS)
    if changes:
        old_budget = Quarter(
            capacity_points=before["capacity_points"],
            sales_share_percent=before["sales_share_percent"],
        ).sales_budget
        reason = _check_budget_covers_spent(locked, old_budget, below_spent_reason)
        _save_quarter(locked)
        AuditEntry.objects.create(
            actor=actor,
            action=AuditEntry.Action.QUARTER_UPDATED,
            quarter=locked,
            changes=changes,
            reason=reason,
        )
        publish(
            Kind.BUDGET_CHANGED,
            actor=actor,
            quarter_id=locked.pk,
            payload={
                "quarter": locked.label,
                "changes": changes,
                "old_sales_budget": old_budget,
                "sales_budget": locked.sales_budget,
                "reason": reason,
            },
        )
    return locked


def _save_quarter(quarter: Quarter) -> None:
    """Save a validated quarter. Another editor may have saved a quarter with the same label
    or overlapping dates since it was validated (the unique label, and on PostgreSQL an
    exclusion constraint, refuse it then): validate again, now seeing that quarter, so the
    refusal names it."""
    try:
        with transaction.atomic():
            quarter.save()
    except IntegrityError as error:
        quarter.full_clean()  # raises with the clash, now that it is committed
        raise ValidationError(
            "Another quarter with this label or these dates was saved meanwhile. "
            "Reload the quarters and try again."
        ) from error


BELOW_SPENT = "below_spent"


def _check_budget_covers_spent(quarter: Quarter, old_budget: int, reason: str) -> str:
    """The reason to record, when a lower budget falls below what the quarter holds."""
    new_budget = quarter.sales_budget
    if new_budget >= old_budget:
        return ""
    spent = quarter_spent(quarter)
    if new_budget >= spent:
        return ""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "below_spent_reason": ValidationError(
                    f"This leaves a sales budget of {new_budget} point{pluralize(new_budget)} (now {old_budget}), "
                    f"below the {spent} point{pluralize(spent)} already committed and charged: the remaining "
                    f"budget would be {new_budget - spent}. Give the reason to save it anyway.",
                    code=BELOW_SPENT,
                )
            }
        )
    return reason


@transaction.atomic
def company_settings_update(*, actor: User, **values: Any) -> CompanySettings:
    """Change the company settings and audit what changed."""
    require(actor, Action.EDIT_SETTINGS)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"company_settings_update does not change {sorted(unknown)}")
    CompanySettings.load()  # make sure the row exists before locking it
    current = CompanySettings.objects.select_for_update().get(pk=1)
    before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    changes = _diff(before, current, SETTINGS_FIELDS)
    if changes:
        current.save()
        AuditEntry.objects.create(
            actor=actor, action=AuditEntry.Action.SETTINGS_UPDATED, changes=changes
        )
        publish(Kind.SETTINGS_CHANGED, actor=actor, payload={"changes": changes})
    return current
