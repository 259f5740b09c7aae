"""`{% can "action" [object] as name %}`: the permission module, asked from a template.

A page shows a link or a button only when the person looking may follow it; it asks the same
`accounts.permissions.can` that the view behind the link asks, so the two never disagree:

    {% load permissions %}
    {% can "quarters.manage" as may_manage %}
    {% if may_manage %}<a href="{% url 'budgets:quarter_create' %}">New quarter</a>{% endif %}

An unknown action name is an error when the template renders (a typo must not hide a link
silently, or show one).
"""

from __future__ import annotations

from typing import Any

from django import template

from accounts.permissions import Action
from accounts.permissions import can as may

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, action: str, obj: Any = None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return may(user, Action(action), obj)
