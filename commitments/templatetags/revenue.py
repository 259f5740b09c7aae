from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from commitments.revenue import revenue_sentence as sentence

register = template.Library()


@register.filter
def revenue_sentence(won: Mapping[str, Any] | None) -> str:
    """The one-sentence summary of what the budget won (`commitments.revenue`)."""
    return sentence(won or {})
