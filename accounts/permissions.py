"""The one place that answers "may this user do this (to this object)?".

Views ask it before acting and services ask it again, so a rule holds however the action
is reached. Admins may do everything; every other role gets the actions listed for it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from accounts.models import Role, User


class Action(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_QUARTERS = "quarters.view"
    MANAGE_QUARTERS = "quarters.manage"
    EDIT_SETTINGS = "settings.edit"


EVERYONE = frozenset(Role)

ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW_DASHBOARD: EVERYONE,
    Action.VIEW_QUARTERS: EVERYONE,
    Action.MANAGE_QUARTERS: frozenset({Role.PRODUCT_LEADER}),
    Action.EDIT_SETTINGS: frozenset(),
}

DENIED_MESSAGES: dict[Action, str] = {
    Action.MANAGE_QUARTERS: "Only product leaders set quarters, capacity and the sales share.",
    Action.EDIT_SETTINGS: "Only admins change the company settings.",
}


def can(user: User | Any, action: Action, obj: object | None = None) -> bool:
    """May `user` do `action` (to `obj`)? Anonymous and inactive users may do nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role in ALLOWED_ROLES[action]


def require(user: User | Any, action: Action, obj: object | None = None) -> None:
    """Raise PermissionDenied (a 403 with a message) unless `user` may do `action`."""
    if not can(user, action, obj):
        raise PermissionDenied(DENIED_MESSAGES.get(action, "You do not have access to this page."))
