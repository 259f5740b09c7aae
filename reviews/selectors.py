"""Reads about a weekly review beyond its snapshot: how far the live data has moved on since it
was taken."""

from __future__ import annotations

from events.kinds import Kind
from events.models import Event
from reviews.models import WeeklyReview

# What counts as a change since a review's snapshot: the events of its quarter that alter what
# its agenda says: a request ranked, moved, estimated, committed, declined or deferred, progress
# on a commitment, a drop, a swap proposed or rejected, a budget change. Each is recorded once in
# the outbox, whichever tables it touched (a commitment is a status change, a ledger entry and a
# rank event, but one event). An approved swap counts as what it does: a drop and a commitment.
# Left out: triage before a request is ranked (not on the agenda), a crossing of the cut line
# (the consequence of a move or estimate counted already) and the review's own event.
AGENDA_CHANGES = frozenset(
    {
        Kind.REQUEST_ACCEPTED,  # joins the ranking
        Kind.RANKING_MOVED,
        Kind.RANKING_CARRIED_OVER,
        Kind.ESTIMATE_CHANGED,
        Kind.COMMITMENT_APPROVED,
        Kind.REQUEST_DECLINED,
        Kind.REQUEST_DEFERRED,
        Kind.COMMITMENT_PROGRESSED,
        Kind.COMMITMENT_SHIPPED,
        Kind.COMMITMENT_DROPPED,
        Kind.SWAP_PROPOSED,
        Kind.SWAP_REJECTED,
        Kind.BUDGET_CHANGED,
    }
)


def review_changes_since(*, review: WeeklyReview) -> int:
    """How many changes to the review's quarter (`AGENDA_CHANGES`) were recorded after its
    snapshot was taken: 0 for a review not generated yet. One query."""
    if review.generated_at is None:
        return 0
    return Event.objects.filter(
        quarter_id=review.quarter_id, at__gt=review.generated_at, kind__in=AGENDA_CHANGES
    ).count()
