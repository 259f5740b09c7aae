"""Reads about quarters and budgets."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from accounts.models import User
from budgets.models import AuditEntry, CompanySettings, Quarter


def head_of_sales() -> User | None:
    """The VP Sales named in the company settings, who hears what spends her budget."""
    company = CompanySettings.objects.select_related("head_of_sales").filter(pk=1).first()
    return company.head_of_sales if company is not None else None


def company_today() -> dt.date:
    """Today's date in the company's time zone (not the server's)."""
    return CompanySettings.load().today()


def quarter_current(*, today: dt.date | None = None) -> Quarter | None:
    """The quarter that contains `today`, or None between quarters."""
    today = today or company_today()
    return Quarter.objects.filter(start__lte=today, end__gte=today).first()


def quarter_next(*, after: dt.date) -> Quarter | None:
    return Quarter.objects.filter(start__gt=after).order_by("start").first()


def quarter_list() -> QuerySet[Quarter]:
    return Quarter.objects.order_by("-start")


def quarter_history(*, quarter: Quarter) -> QuerySet[AuditEntry]:
    return quarter.audit_entries.select_related("actor")


def settings_history(*, limit: int = 20) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action=AuditEntry.Action.SETTINGS_UPDATED).select_related(
        "actor"
    )[:limit]
