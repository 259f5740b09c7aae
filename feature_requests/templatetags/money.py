from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def money(value: int | None) -> str:
    """Whole currency units with thousands separators: 120000 → $120,000."""
    return f"${int(value or 0):,}"
