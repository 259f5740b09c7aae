from __future__ import annotations

import datetime as dt

from django import template

from budgets.models import Quarter

register = template.Library()


@register.filter
def elapsed_percent(quarter: Quarter, today: dt.date) -> int:
    return quarter.elapsed_percent(today)


@register.filter
def is_locked(quarter: Quarter, today: dt.date) -> bool:
    return quarter.is_locked(today)


@register.filter
def overspent(remaining: int) -> int:
    """How far a remaining budget has gone below zero, in points (0 when it has not)."""
    return max(-remaining, 0)
