"""The one place that answers "may this user do this (to this object)?".

Views ask it before acting and services ask it again, so a rule holds however the action
is reached. Admins may do everything; every other role gets the actions listed for it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from accounts.models import Role, User


class Action(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_QUARTERS = "quarters.view"
    MANAGE_QUARTERS = "quarters.manage"
    EDIT_SETTINGS = "settings.edit"
    VIEW_CUSTOMERS = "customers.view"
    EDIT_CUSTOMERS = "customers.edit"  # customers and deals; a rep only their own deals
    IMPORT_CUSTOMERS = "customers.import"
    VIEW_REQUESTS = "requests.view"
    SUBMIT_REQUEST = "requests.submit"
    EDIT_REQUEST = "requests.edit"  # the submitter, while the request is still submitted
    COMMENT = "requests.comment"
    TRIAGE = "requests.triage"
    ESTIMATE = "requests.estimate"
    # Choose a request's owning product manager: product leaders on the request page, sales
    # leaders while they triage it (feature_requests/permissions.py holds the object rule).
    ASSIGN_OWNER = "requests.assign_owner"
    RANK = "ranking.move"
    VIEW_BUDGET = "budget.view"
    DECIDE = "commitments.decide"  # approve, decline, defer; decide swaps
    UPDATE_PROGRESS = "commitments.progress"
    DROP = "commitments.drop"
    PROPOSE_SWAP = "commitments.propose_swap"
    VIEW_REVIEWS = "reviews.view"
    RUN_REVIEW = "reviews.run"  # prepare a review now, record decisions and notes, mark it held
    MANAGE_PEOPLE = "people.manage"  # the People page: invite, change, deactivate, reactivate
    SHARE_VIEW = "views.share"  # offer a saved view (filters on a request page) to one's team
    USE_API = "api.use"  # create and revoke one's own API keys (a key acts with its owner's role)
    MANAGE_INTEGRATIONS = "integrations.manage"  # webhooks, Slack, everyone's API keys


EVERYONE = frozenset(Role)
SALES = frozenset({Role.SALES_REP, Role.SALES_LEADER})

ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW_DASHBOARD: EVERYONE,
    Action.VIEW_QUARTERS: EVERYONE,
    Action.MANAGE_QUARTERS: frozenset({Role.PRODUCT_LEADER}),
    Action.EDIT_SETTINGS: frozenset(),
    Action.VIEW_CUSTOMERS: EVERYONE,
    Action.EDIT_CUSTOMERS: SALES,
    Action.IMPORT_CUSTOMERS: frozenset({Role.SALES_LEADER}),
    Action.VIEW_REQUESTS: EVERYONE,
    Action.SUBMIT_REQUEST: SALES,
    Action.EDIT_REQUEST: SALES,
    Action.COMMENT: EVERYONE,
    Action.TRIAGE: frozenset({Role.SALES_LEADER}),
    Action.ESTIMATE: frozenset({Role.PRODUCT_MANAGER}),
    Action.ASSIGN_OWNER: frozenset({Role.PRODUCT_LEADER, Role.SALES_LEADER}),
    Action.RANK: frozenset({Role.SALES_LEADER}),
    Action.VIEW_BUDGET: EVERYONE,
    Action.DECIDE: frozenset({Role.PRODUCT_LEADER}),
    Action.UPDATE_PROGRESS: frozenset({Role.PRODUCT_MANAGER}),
    Action.DROP: frozenset({Role.PRODUCT_LEADER}),
    Action.PROPOSE_SWAP: frozenset({Role.SALES_LEADER}),
    Action.VIEW_REVIEWS: frozenset({Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER}),
    Action.RUN_REVIEW: frozenset({Role.SALES_LEADER, Role.PRODUCT_LEADER}),
    Action.MANAGE_PEOPLE: frozenset(),
    Action.SHARE_VIEW: frozenset({Role.SALES_LEADER, Role.PRODUCT_LEADER}),
    Action.USE_API: EVERYONE,
    Action.MANAGE_INTEGRATIONS: frozenset(),
}

DENIED_MESSAGES: dict[Action, str] = {
    Action.MANAGE_QUARTERS: "Only product leaders set quarters, capacity and the sales share.",
    Action.EDIT_SETTINGS: "Only admins change the company settings.",
    Action.EDIT_CUSTOMERS: "Only sales edit customers and deals, and a rep only their own deals.",
    Action.IMPORT_CUSTOMERS: "Only sales leaders import customers and deals.",
    Action.SUBMIT_REQUEST: "Only sales reps and sales leaders submit requests.",
    Action.EDIT_REQUEST: "Only the rep who submitted a request edits it, and only until it is triaged.",
    Action.TRIAGE: "Only sales leaders triage requests.",
    Action.ESTIMATE: "Only product managers estimate requests.",
    Action.ASSIGN_OWNER: "Only product leaders choose a request's owning product manager, "
    "and sales leaders while they triage it.",
    Action.RANK: "Only sales leaders change the ranking.",
    Action.DECIDE: "Only product leaders commit, decline or defer requests and decide swaps.",
    Action.UPDATE_PROGRESS: "Only product managers report progress on commitments.",
    Action.DROP: "Only product leaders drop commitments.",
    Action.PROPOSE_SWAP: "Only sales leaders propose swaps.",
    Action.VIEW_REVIEWS: "The weekly review is for sales and product leadership and product managers.",
    Action.RUN_REVIEW: "Only sales and product leaders prepare the weekly review and record its minutes.",
    Action.MANAGE_PEOPLE: "Only admins invite, change, deactivate and reactivate people.",
    Action.SHARE_VIEW: "Only sales and product leaders share saved views with their team.",
    Action.MANAGE_INTEGRATIONS: "Only admins set up webhooks and Slack and see everyone's API keys.",
}


ObjectRule = Callable[[User, Any], bool]
_object_rules: dict[tuple[Action, type], ObjectRule] = {}


def object_rule(action: Action, model: type) -> Callable[[ObjectRule], ObjectRule]:
    """Register a rule for `action` on objects of `model` that depends on the object as well
    as the role. The app that owns `model` registers it (from its `AppConfig.ready`), so
    this module never imports the apps above it."""

    def register(rule: ObjectRule) -> ObjectRule:
        _object_rules[(action, model)] = rule
        return rule

    return register


def _object_rule(user: User, action: Action, obj: object) -> bool:
    for (rule_action, model), rule in _object_rules.items():
        if rule_action == action and isinstance(obj, model):
            return rule(user, obj)
    return True


def can(user: User | Any, action: Action, obj: object | None = None) -> bool:
    """May `user` do `action` (to `obj`)? Anonymous and inactive users may do nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role not in ALLOWED_ROLES[action]:
        return False
    return obj is None or _object_rule(user, action, obj)


def require(user: User | Any, action: Action, obj: object | None = None) -> None:
    """Raise PermissionDenied (a 403 with a message) unless `user` may do `action`."""
    if not can(user, action, obj):
        raise PermissionDenied(DENIED_MESSAGES.get(action, "You do not have access to this page."))
