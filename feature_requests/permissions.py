"""The permission rules that depend on a request or a deal, not only on the role.

Registered with accounts.permissions (from `FeatureRequestsConfig.ready`), which stays the
one place views and services ask.
"""

from __future__ import annotations

from accounts.models import Role, User
from accounts.permissions import Action, object_rule
from feature_requests.models import Deal, FeatureRequest


@object_rule(Action.EDIT_REQUEST, FeatureRequest)
def submitter_edits_until_triage(user: User, request: FeatureRequest) -> bool:
    return request.submitted_by_id == user.pk and request.status == FeatureRequest.Status.SUBMITTED


@object_rule(Action.ASSIGN_OWNER, FeatureRequest)
def sales_leaders_assign_owners_at_triage(user: User, request: FeatureRequest) -> bool:
    # Once accepted, the request is product's to staff.
    return user.role != Role.SALES_LEADER or request.status == FeatureRequest.Status.SUBMITTED


@object_rule(Action.EDIT_CUSTOMERS, Deal)
def reps_edit_their_own_deals(user: User, deal: Deal) -> bool:
    return user.role != Role.SALES_REP or deal.owner_id == user.pk
