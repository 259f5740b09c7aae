"""What the budget won: the deals behind a quarter's committed requests against the deals
behind the requests it left below the cut line, closed won, closed lost and still open.

Groups, each counting a deal once however many of its requests it is linked to:
- committed: deals linked to a request with a live (not dropped) commitment of the quarter,
  whatever its progress (committed, in progress, shipped);
- below the cut line: deals linked to a request ranked in the quarter, uncommitted, below
  the line as the board draws it now;
- dropped: deals linked to a request whose commitment of the quarter was dropped (and not
  committed again). They are not counted as committed (the budget no longer builds it) nor
  as below the line (the leaders chose it once); they are listed apart.
A deal in several groups counts in the first of them in that order.

A closed deal counts when it closed (`Deal.closed_at`) within the quarter: from its first
day at midnight in the company's time zone to the end of its last day (for the current
quarter: since its first day). Open deals count whenever they close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from django.db.models import Q, QuerySet

from budgets.models import CompanySettings, Quarter
from commitments.board import cut_index
from commitments.selectors import budget_figures
from config.db import read_snapshot
from feature_requests.customers import OPEN_STAGES
from feature_requests.models import Deal, FeatureRequest
from feature_requests.templatetags.money import money

GROUPS = ("committed", "below_line", "dropped")
GROUP_LABELS = {
    "committed": "Committed",
    "below_line": "Below the cut line",
    "dropped": "Dropped",
}


class RevenueGroup(TypedDict):
    """The deals of one group: ARR and number closed won, closed lost and still open.

    `win_rate` is the percentage of its closed deals that were won (by number of deals,
    rounded), None when none has closed."""

    label: str
    won_arr: int
    won_count: int
    lost_arr: int
    lost_count: int
    open_arr: int
    open_count: int
    win_rate: int | None


class RevenueWon(TypedDict):
    """What the budget of a quarter won (`budget_revenue`): JSON-ready but for the dates."""

    committed: RevenueGroup
    below_line: RevenueGroup
    dropped: RevenueGroup
    start: dt.date  # deals closed from this day on count
    end: dt.date  # … up to this day, included (the quarter's last day)
    current: bool  # the quarter is under way: "closed since its start"


def _group(label: str) -> RevenueGroup:
    return {
        "label": label,
        "won_arr": 0,
        "won_count": 0,
        "lost_arr": 0,
        "lost_count": 0,
        "open_arr": 0,
        "open_count": 0,
        "win_rate": None,
    }


def _deals(links: Q) -> QuerySet[Deal]:
    return Deal.objects.filter(links).distinct()


def revenue_figures(
    deals_by_group: Mapping[str, Iterable[tuple[int, str, int, dt.datetime | None]]],
    *,
    since: dt.datetime,
    until: dt.datetime | None,
) -> dict[str, RevenueGroup]:
    """The groups' figures from their deals, as (id, stage, amount, closed_at), in the
    order of GROUPS: no queries. A closed deal counts if it closed at or after `since` and
    before `until` (None: no end); one without a close time is left out (when it closed is
    unknown)."""
    seen: set[int] = set()
    groups: dict[str, RevenueGroup] = {}
    for key in GROUPS:
        group = groups[key] = _group(GROUP_LABELS[key])
        for deal_id, stage, amount, closed_at in deals_by_group.get(key, ()):
            if deal_id in seen:
                continue
            seen.add(deal_id)
            if stage in OPEN_STAGES:
                group["open_arr"] += amount
                group["open_count"] += 1
                continue
            if closed_at is None or closed_at < since or (until is not None and closed_at >= until):
                continue
            if stage == Deal.Stage.CLOSED_WON:
                group["won_arr"] += amount
                group["won_count"] += 1
            else:
                group["lost_arr"] += amount
                group["lost_count"] += 1
        closed = group["won_count"] + group["lost_count"]
        group["win_rate"] = round(100 * group["won_count"] / closed) if closed else None
    return groups


def budget_revenue(
    *, quarter: Quarter, remaining: int | None = None, company: CompanySettings | None = None
) -> RevenueWon:
    """What the quarter's budget won (see the module docstring), in seven queries however
    many requests and deals there are, four when `company` and `remaining` (the budget left
    for the ranking) are given: the ranking's estimates, then each group's deals."""
    company = company or CompanySettings.load()
    zone, today = company.zone, company.today()
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=zone)
    after_end = dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    current = quarter.start <= today <= quarter.end
    fields = ("id", "stage", "amount", "closed_at")
    with read_snapshot():
        if remaining is None:
            remaining = budget_figures(quarter=quarter, today=today).remaining
        order = list(
            FeatureRequest.objects.filter(quarter=quarter, status=FeatureRequest.Status.RANKED)
            .order_by("rank_key")
            .values_list("estimate_points", "rank_key")
        )
        line = cut_index([estimate for estimate, _ in order], remaining)
        committed = Q(
            request_links__request__commitments__quarter=quarter,
            request_links__request__commitments__dropped_at__isnull=True,
        )
        dropped = Q(
            request_links__request__commitments__quarter=quarter,
            request_links__request__commitments__dropped_at__isnull=False,
        )
        deals: dict[str, list[tuple[int, str, int, dt.datetime | None]]] = {
            "committed": list(_deals(committed).values_list(*fields)),
            "dropped": list(_deals(dropped).values_list(*fields)),
            "below_line": [],
        }
        if line < len(order):
            # Rank keys are unique and ordered within a quarter: the rows from the first one
            # below the line on are the rows below it.
            below = Q(
                request_links__request__quarter=quarter,
                request_links__request__status=FeatureRequest.Status.RANKED,
                request_links__request__rank_key__gte=order[line][1],
            )
            deals["below_line"] = list(_deals(below).values_list(*fields))
    groups = revenue_figures(deals, since=since, until=None if current else after_end)
    return {
        "committed": groups["committed"],
        "below_line": groups["below_line"],
        "dropped": groups["dropped"],
        "start": quarter.start,
        "end": quarter.end,
        "current": current,
    }


def _closed(group: Mapping[str, Any]) -> int:
    return int(group.get("won_count") or 0) + int(group.get("lost_count") or 0)


def revenue_sentence(won: Mapping[str, Any]) -> str:
    """One sentence on what the budget won, for the budget page, the review and its exports.

    Takes a `RevenueWon` or the copy a review stored (any part of which may be missing)."""
    committed = won.get("committed") or {}
    below = won.get("below_line") or {}
    if not _closed(committed) and not _closed(below):
        return (
            "No deal waiting on a committed request or left below the cut line has closed "
            "this quarter yet."
        )
    if _closed(committed):
        first = (
            f"Deals waiting on committed requests closed {money(committed.get('won_arr'))} won "
            f"at a {committed.get('win_rate')}% win rate"
        )
    else:
        first = "No deal waiting on a committed request has closed yet"
    if _closed(below):
        second = (
            f"deals left below the cut line closed {money(below.get('won_arr'))} "
            f"at {below.get('win_rate')}%"
        )
    else:
        second = "no deal left below the cut line has closed yet"
    return f"{first}; {second}."
