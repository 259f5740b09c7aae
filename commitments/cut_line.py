"""Following a quarter's cut line: which requests crossed above it, each announced once.

Called by the event subscriber for every change that can move the line (a move, an accept,
an estimate, a commitment, a decline, a deferral, a drop, a capacity change). It holds the
quarter's row lock, the lock every ranking write takes, and replays the quarter's rank
events it has not followed yet, in order, from the order it stored last time: so a crossing
is found after exactly the change that made it, from the committed order, whether the
events are delivered at once, late (the queue was down) or twice.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from django.db import transaction

from budgets.models import Quarter
from commitments.board import cut_index
from commitments.models import CutLineWatch
from commitments.selectors import budget_figures
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.ranking import ranked

logger = logging.getLogger(__name__)


class Crossing(TypedDict):
    request_id: int
    position: int  # in the ranking, right after the change that lifted it
    estimate: int


def _proposed(order: list[int], estimates: dict[int, int | None], remaining: int) -> list[int]:
    line = cut_index([estimates.get(pk) for pk in order], remaining)
    return [pk for pk in order[:line] if estimates.get(pk) is not None]


def _replay(order: list[int], kind: str, request_id: int, new_position: int | None) -> None:
    if request_id in order:
        order.remove(request_id)
    if kind in (RankEvent.Kind.ADDED, RankEvent.Kind.MOVED):
        index = (new_position or len(order) + 1) - 1
        order.insert(min(max(index, 0), len(order)), request_id)


@transaction.atomic
def cut_line_follow(*, quarter_id: int) -> list[Crossing]:
    """The requests that crossed above the quarter's cut line since it was last followed.

    Estimates and the remaining budget are read as they are now; the order is replayed event
    by event. A request that rose, fell and rose again crossed twice.
    """
    quarter = Quarter.objects.select_for_update().filter(pk=quarter_id).first()
    if quarter is None:
        return []
    watch, _ = CutLineWatch.objects.get_or_create(quarter=quarter)
    events = list(
        RankEvent.objects.filter(quarter=quarter, id__gt=watch.rank_event_id)
        .order_by("id")
        .values_list("id", "kind", "request_id", "new_position")
    )
    order = list(watch.order)
    actual = list(ranked(quarter).values_list("id", flat=True))
    ids = set(order) | set(actual) | {request_id for _, _, request_id, _ in events}
    estimates = dict(FeatureRequest.objects.filter(pk__in=ids).values_list("id", "estimate_points"))
    remaining = budget_figures(quarter=quarter).remaining
    known: set[int] | None = None if watch.proposed is None else set(watch.proposed)
    crossings: list[Crossing] = []

    def step() -> None:
        nonlocal known
        now = _proposed(order, estimates, remaining)
        if known is not None:
            crossings.extend(
                Crossing(request_id=pk, position=order.index(pk) + 1, estimate=estimates[pk] or 0)
                for pk in now
                if pk not in known
            )
        known = set(now)

    for _, kind, request_id, new_position in events:
        _replay(order, kind, request_id, new_position)
        step()
    if order != actual:
        # Only a quarter followed for the first time after an upgrade should get here.
        if watch.proposed is not None:
            logger.warning("Cut line of %s: replayed order differed; reset", quarter.label)
        order = actual
    step()
    watch.order = order
    watch.proposed = sorted(known or ())
    watch.rank_event_id = events[-1][0] if events else watch.rank_event_id
    watch.save()
    return crossings
