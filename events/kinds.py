"""Every kind of event, with what its payload holds. README's "Events" table mirrors this.

Kinds are plain strings in the database, so adding one needs no migration; the enum keeps
publishers and subscribers from misspelling them.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    # feature_requests
    REQUEST_SUBMITTED = "request.submitted"
    REQUEST_ACCEPTED = "request.accepted"
    REQUEST_DECLINED_BY_SALES = "request.declined_by_sales"
    REQUEST_MERGED = "request.merged"
    REQUEST_OWNER_CHANGED = "request.owner_changed"
    ESTIMATE_CHANGED = "estimate.changed"
    RANKING_MOVED = "ranking.moved"
    RANKING_CARRIED_OVER = "ranking.carried_over"
    # commitments
    COMMITMENT_APPROVED = "commitment.approved"
    REQUEST_DECLINED = "request.declined"
    REQUEST_DEFERRED = "request.deferred"
    COMMITMENT_PROGRESSED = "commitment.progressed"
    COMMITMENT_SHIPPED = "commitment.shipped"
    COMMITMENT_DROPPED = "commitment.dropped"
    SWAP_PROPOSED = "swap.proposed"
    SWAP_APPROVED = "swap.approved"
    SWAP_REJECTED = "swap.rejected"
    CUT_LINE_CROSSED = "cut_line.crossed"
    # budgets
    QUARTER_CREATED = "quarter.created"
    BUDGET_CHANGED = "budget.changed"
    SETTINGS_CHANGED = "settings.changed"
    # reviews
    REVIEW_READY = "review.ready"
    # people: company sign-in
    PERSON_PROVISIONED = "person.provisioned"
    PERSON_SSO_UPDATED = "person.sso_updated"
