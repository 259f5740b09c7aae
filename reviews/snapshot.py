"""The weekly review's snapshot (format 1): its shape, how it is built, and how it is read.

`review_build` reads the live data once and returns a `Snapshot`, which is stored as JSON in
`WeeklyReview.data`; a refresh stores a new one in its place until the review is held, and then
it never changes. Everything that shows a review (its pages, the print
view, the Markdown export, the e-mail, the agenda that minutes are recorded against) reads it
through `review_sections`, the one walker of its eight sections: a change to the format is made
in this module and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from budgets.models import CompanySettings, Quarter
from commitments.board import Board, board_for
from commitments.budget_selectors import burnup_for
from commitments.models import DropTerms, LedgerEntry, SwapProposal
from commitments.revenue import RevenueGroup, budget_revenue
from feature_requests.models import Deal, FeatureRequest, RankEvent, RequestDeal, request_url
from reviews.models import WeeklyReview

HORIZONS = "Sales plans 12 months out; product looks 2–5 years ahead."
AHEAD_SHOWN = 15  # next quarter's top requests shown in "Looking ahead"
AT_RISK_GAP = 25  # percentage points of the quarter elapsed beyond the share of work done


# The shape of format 1 ---------------------------------------------------------------------
# Dates and times are ISO strings. Every agenda item has `key`, `title` and `url` (where its
# decision is taken); `key` names the decision ("request-12"), so one request can be an item
# of two sections. "from" is a Python keyword, hence the functional TypedDicts.


class QuarterRef(TypedDict):
    label: str
    start: str
    end: str


class BurnupWeekEntry(TypedDict):
    label: str  # "W1"
    start: str
    end: str
    budget: int
    spent: int | None  # None for a week that has not begun
    done: int | None


class BudgetEntry(TypedDict):
    capacity: int
    share: str  # the sales share in percent, a decimal as text
    sales_budget: int
    committed: int
    change_costs: int
    remaining: int
    used_percent: int
    elapsed_percent: int
    lock_date: str
    locked: bool
    burnup: list[BurnupWeekEntry]


class ProposedEntry(TypedDict):
    key: str
    title: str
    url: str
    position: int
    estimate: int | None  # the board's estimate: a proposed request always has one
    cumulative: int  # points down to this request, in rank order
    arr: int


class SwapEntry(TypedDict):
    key: str
    title: str
    url: str
    drop_title: str
    commit_title: str
    cost: int
    proposed_by: str


class NeedsEstimateEntry(TypedDict):
    key: str
    title: str
    url: str
    position: int


class DecisionsEntry(TypedDict):
    proposed: list[ProposedEntry]
    swaps: list[SwapEntry]
    needs_estimate: list[NeedsEstimateEntry]


class NewEntry(TypedDict):
    key: str
    title: str
    url: str
    position: int
    by: list[str]  # who ranked it


MovedEntry = TypedDict(
    "MovedEntry",
    {
        "key": str,
        "title": str,
        "url": str,
        "from": int,
        "to": int,
        "delta": int,  # positions gained: from − to
        "by": list[str],
    },
)

RemovedEntry = TypedDict(
    "RemovedEntry",
    {"key": str, "title": str, "url": str, "from": int, "status": str},
)


class RankingChangesEntry(TypedDict):
    since: str | None  # when the last review was generated
    new: list[NewEntry]
    moved: list[MovedEntry]
    removed: list[RemovedEntry]


class CommitmentEntry(TypedDict):
    key: str
    title: str
    url: str
    status: str
    points: int
    points_done: int
    at_risk: bool
    risk: str


class ChangeEntry(TypedDict):
    key: str
    title: str
    url: str
    kind: str  # "Drop", "Swap" or "Over-budget commitment"
    points: int
    sunk: int
    penalty: int
    cost: int
    reason: str
    by: str
    at: str


class DealEntry(TypedDict):
    key: str
    title: str
    url: str
    customer: str
    amount: int
    expected_close: str  # whether it had passed is read from `Snapshot.today` (review_sections)
    requests: list[str]  # the titles of the uncommitted requests it waits on


class RevenueWonEntry(TypedDict):
    """What the budget won (commitments.revenue.RevenueWon) with its dates as ISO text.
    Reviews taken before it existed lack it."""

    committed: RevenueGroup
    below_line: RevenueGroup
    dropped: RevenueGroup
    start: str
    end: str
    current: bool


class RevenueEntry(TypedDict):
    committed_arr: int
    proposed_arr: int
    closing_deals: list[DealEntry]
    won: RevenueWonEntry


class AheadRankEntry(TypedDict):
    key: str
    title: str
    url: str
    position: int
    estimate: int | None


class DeferredEntry(TypedDict):
    key: str
    title: str
    url: str
    to: str | None  # the label of the quarter it went to


class NextQuarterEntry(TypedDict):
    label: str
    ranking: list[AheadRankEntry]


class AheadEntry(TypedDict):
    next_quarter: NextQuarterEntry | None  # None until the next quarter is set up
    deferred: list[DeferredEntry]
    horizons: str


class FollowUpEntry(TypedDict):
    key: str
    title: str
    url: str
    kind: str
    text: str
    by: str
    at: str


class Snapshot(TypedDict):
    """`WeeklyReview.data` in format 1 (`WeeklyReview.FORMAT_VERSION`)."""

    format: int
    quarter: QuarterRef
    week_start: str
    generated_at: str
    today: str  # the company's date when it was taken: what "has passed" is measured against
    previous_week_start: str | None
    budget: BudgetEntry
    decisions: DecisionsEntry
    ranking_changes: RankingChangesEntry
    commitments: list[CommitmentEntry]
    changes: list[ChangeEntry]
    revenue: RevenueEntry
    ahead: AheadEntry
    follow_ups: list[FollowUpEntry]
    ranking: list[int]  # the request ids in rank order, for next week's comparison
    last_rank_event_id: int


# Building a snapshot -----------------------------------------------------------------------


def _request_key(pk: int) -> str:
    return f"request-{pk}"


def review_build(
    *, quarter: Quarter, week_start: dt.date, previous: WeeklyReview | None
) -> Snapshot:
    """The snapshot of the eight sections (format 1), in a constant number of queries.

    The sections are budget, decisions, ranking_changes, commitments, changes, revenue, ahead
    and follow_ups, plus `ranking` (the order of request ids) and `last_rank_event_id` for next
    week's comparison with this one.
    """
    company = CompanySettings.load()
    today = company.today()
    board = board_for(quarter=quarter, today=today)
    figures = board.figures
    since = previous.generated_at if previous else None
    elapsed_percent = quarter.elapsed_percent(today)
    return {
        "format": WeeklyReview.FORMAT_VERSION,
        "quarter": {
            "label": quarter.label,
            "start": quarter.start.isoformat(),
            "end": quarter.end.isoformat(),
        },
        "week_start": week_start.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "today": today.isoformat(),
        "previous_week_start": previous.week_start.isoformat() if previous else None,
        "budget": {
            "capacity": quarter.capacity_points,
            "share": str(quarter.sales_share_percent),
            "sales_budget": figures.sales_budget,
            "committed": figures.committed,
            "change_costs": figures.change_costs,
            "remaining": figures.remaining,
            "used_percent": figures.used_percent,
            "elapsed_percent": elapsed_percent,
            "lock_date": quarter.planning_lock_date.isoformat(),
            "locked": quarter.is_locked(today),
            "burnup": [
                {
                    "label": f"W{week.number}",
                    "start": week.start.isoformat(),
                    "end": week.end.isoformat(),
                    "budget": week.budget,
                    "spent": week.spent,
                    "done": week.done,
                }
                for week in burnup_for(quarter=quarter, today=today, zone=company.zone)
            ],
        },
        "decisions": _decisions(
            quarter,
            board,
            DropTerms(today=today, penalty_percent=company.disruption_penalty_percent),
        ),
        "ranking_changes": _ranking_changes(
            quarter, board, previous, since, week_start, company.zone
        ),
        "commitments": _commitments(board, elapsed_percent),
        "changes": _changes(quarter, since),
        "revenue": _revenue(quarter, board, company),
        "ahead": _ahead(quarter),
        "follow_ups": _follow_ups(previous),
        "ranking": [row["id"] for row in board.rows],
        "last_rank_event_id": board.version,
    }


def _decisions(quarter: Quarter, board: Board, terms: DropTerms) -> DecisionsEntry:
    swaps = SwapProposal.objects.filter(
        quarter=quarter, status=SwapProposal.Status.PENDING
    ).select_related("drop__request", "drop__quarter", "commit", "proposed_by")
    return {
        "proposed": [
            {
                "key": _request_key(row["id"]),
                "title": row["title"],
                "url": reverse("commitments:decision_queue"),
                "position": row["position"],
                "estimate": row["estimate"],
                "cumulative": row["cumulative"],
                "arr": row["arr"],
            }
            for row in board.rows
            if row["proposed"]
        ],
        "swaps": [
            {
                "key": f"swap-{swap.pk}",
                "title": f"Swap “{swap.drop.request.title}” for “{swap.commit.title}”",
                "url": reverse("commitments:swap_detail", args=[swap.pk]),
                "drop_title": swap.drop.request.title,
                "commit_title": swap.commit.title,
                "cost": terms.cost_of(swap.drop).total,
                "proposed_by": swap.proposed_by.full_name,
            }
            for swap in swaps
        ],
        "needs_estimate": [
            {
                "key": _request_key(row["id"]),
                "title": row["title"],
                "url": reverse("requests:estimate_queue"),
                "position": row["position"],
            }
            for row in board.rows
            if row["needs_estimate"]
        ],
    }


def _ranking_changes(
    quarter: Quarter,
    board: Board,
    previous: WeeklyReview | None,
    since: dt.datetime | None,
    week_start: dt.date,
    zone: dt.tzinfo,
) -> RankingChangesEntry:
    """New, moved (±positions, by whom) and removed requests since the last review.

    Compares the order now with the order the last review stored; with no last review, with
    the order a week before this one, rebuilt from the rank events.
    """
    rows = {row["id"]: row for row in board.rows}
    before: list[int] | None
    if previous is not None:
        before = previous.data.get("ranking", [])
        events = RankEvent.objects.filter(
            quarter=quarter, id__gt=previous.data.get("last_rank_event_id", 0)
        )
    else:
        events = RankEvent.objects.filter(
            quarter=quarter,
            at__gte=dt.datetime.combine(
                week_start - dt.timedelta(days=7), dt.time.min, tzinfo=zone
            ),
        )
        before = None
    movers: dict[int, set[str]] = defaultdict(set)
    touched: set[int] = set()
    for request_id, actor_name in events.values_list("request_id", "actor__full_name"):
        touched.add(request_id)
        if actor_name:
            movers[request_id].add(actor_name)
    if before is None:
        # No earlier snapshot: every request touched in the last week counts, as new if it
        # was added in that week, else as moved with no measured distance.
        added = set(events.filter(kind=RankEvent.Kind.ADDED).values_list("request_id", flat=True))
        before = [pk for pk in rows if pk not in added]
    old_position = {pk: index for index, pk in enumerate(before, start=1)}
    moved: list[MovedEntry] = []
    new: list[NewEntry] = []
    for pk, row in rows.items():
        if pk not in old_position:
            new.append(
                {
                    "key": _request_key(pk),
                    "title": row["title"],
                    "url": request_url(pk),
                    "position": row["position"],
                    "by": sorted(movers[pk]),
                }
            )
        elif old_position[pk] != row["position"] and pk in touched:
            moved.append(
                {
                    "key": _request_key(pk),
                    "title": row["title"],
                    "url": request_url(pk),
                    "from": old_position[pk],
                    "to": row["position"],
                    "delta": old_position[pk] - row["position"],
                    "by": sorted(movers[pk]),
                }
            )
    gone = [pk for pk in before if pk not in rows]
    removed: list[RemovedEntry] = [
        {
            "key": _request_key(pk),
            "title": title,
            "url": request_url(pk),
            "from": old_position[pk],
            "status": FeatureRequest.Status(status).label,
        }
        for pk, title, status in FeatureRequest.objects.filter(pk__in=gone).values_list(
            "id", "title", "status"
        )
    ]
    return {
        "since": since.isoformat() if since else None,
        "new": new,
        "moved": sorted(moved, key=lambda item: -abs(item["delta"])),
        "removed": sorted(removed, key=lambda item: item["from"]),
    }


def _commitments(board: Board, elapsed_percent: int) -> list[CommitmentEntry]:
    items: list[CommitmentEntry] = []
    for commitment in board.commitments:
        request = commitment.request
        done_percent = (
            round(100 * commitment.points_done / commitment.points) if commitment.points else 100
        )
        shipped = request.status == FeatureRequest.Status.SHIPPED
        at_risk = not shipped and elapsed_percent - done_percent > AT_RISK_GAP
        items.append(
            {
                "key": f"commitment-{commitment.pk}",
                "title": request.title,
                "url": reverse("commitments:commitment_list") + f"?quarter={board.quarter.label}",
                "status": request.get_status_display(),
                "points": commitment.points,
                "points_done": commitment.points_done,
                "at_risk": at_risk,
                "risk": f"{done_percent}% done with {elapsed_percent}% of the quarter gone"
                if at_risk
                else "",
            }
        )
    return items


# What a ledger entry's kind is called in the review; any other entry is there because it
# went over the budget.
LEDGER_KINDS: dict[str, str] = {LedgerEntry.Kind.DROP: "Drop", LedgerEntry.Kind.SWAP: "Swap"}


def _changes(quarter: Quarter, since: dt.datetime | None) -> list[ChangeEntry]:
    entries = LedgerEntry.objects.filter(quarter=quarter).filter(
        Q(kind__in=[LedgerEntry.Kind.DROP, LedgerEntry.Kind.SWAP]) | Q(over_budget=True)
    )
    if since is not None:
        entries = entries.filter(at__gt=since)
    return [
        {
            "key": f"ledger-{entry.pk}",
            "title": entry.request.title,
            "url": request_url(entry.request_id),
            "kind": LEDGER_KINDS.get(entry.kind, "Over-budget commitment"),
            "points": entry.points,
            "sunk": entry.sunk_points,
            "penalty": entry.penalty_points,
            "cost": entry.cost,
            "reason": entry.reason,
            "by": entry.actor.full_name,
            "at": entry.at.isoformat(),
        }
        for entry in entries.select_related("request", "actor").order_by("at", "id")
    ]


def _won(quarter: Quarter, board: Board, company: CompanySettings) -> RevenueWonEntry:
    won = budget_revenue(quarter=quarter, remaining=board.remaining, company=company)
    return {
        "committed": won["committed"],
        "below_line": won["below_line"],
        "dropped": won["dropped"],
        "start": won["start"].isoformat(),
        "end": won["end"].isoformat(),
        "current": won["current"],
    }


def _revenue(quarter: Quarter, board: Board, company: CompanySettings) -> RevenueEntry:
    live = (
        FeatureRequest.Status.COMMITTED,
        FeatureRequest.Status.IN_PROGRESS,
        FeatureRequest.Status.SHIPPED,
    )
    committed_arr = (
        RequestDeal.objects.filter(request__commitments__quarter=quarter, request__status__in=live)
        .exclude(deal__stage=Deal.Stage.CLOSED_LOST)
        .aggregate(total=Sum("deal__amount"))["total"]
    )
    closing: dict[int, DealEntry] = {}
    links = (
        RequestDeal.objects.filter(
            request__quarter=quarter,
            request__status=FeatureRequest.Status.RANKED,
            deal__expected_close__gte=quarter.start,
            deal__expected_close__lte=quarter.end,
        )
        .exclude(deal__stage__in=[Deal.Stage.CLOSED_WON, Deal.Stage.CLOSED_LOST])
        .values_list(
            "deal_id",
            "deal__name",
            "deal__customer_id",
            "deal__customer__name",
            "deal__amount",
            "deal__expected_close",
            "request__title",
        )
        .order_by("deal__expected_close", "deal_id")
    )
    for deal_id, name, customer_id, customer, amount, close, title in links:
        deal = closing.setdefault(
            deal_id,
            {
                "key": f"deal-{deal_id}",
                "title": name,
                # The customer's page lists the deal: every reader of the review may open it.
                "url": reverse("requests:customer_detail", args=[customer_id]) + f"#deal-{deal_id}",
                "customer": customer,
                "amount": amount,
                # Never empty: the query keeps only deals closing within the quarter.
                "expected_close": close.isoformat() if close else "",
                "requests": [],
            },
        )
        deal["requests"].append(title)
    return {
        "committed_arr": committed_arr or 0,
        "proposed_arr": sum(row["arr"] for row in board.rows if row["proposed"]),
        "closing_deals": list(closing.values()),
        "won": _won(quarter, board, company),
    }


def _ahead(quarter: Quarter) -> AheadEntry:
    following = Quarter.objects.filter(start__gt=quarter.end).order_by("start").first()
    next_quarter: NextQuarterEntry | None = None
    if following is not None:
        ranked = FeatureRequest.objects.filter(
            quarter=following, status=FeatureRequest.Status.RANKED
        ).order_by("rank_key")[:AHEAD_SHOWN]
        next_quarter = {
            "label": following.label,
            "ranking": [
                {
                    "key": _request_key(pk),
                    "title": title,
                    "url": request_url(pk),
                    "position": position,
                    "estimate": estimate,
                }
                for position, (pk, title, estimate) in enumerate(
                    ranked.values_list("id", "title", "estimate_points"), start=1
                )
            ],
        }
    deferred = (
        RankEvent.objects.filter(quarter=quarter, kind=RankEvent.Kind.REMOVED, note="deferred")
        .values_list("request_id", "request__title", "request__quarter__label")
        .order_by("-id")
    )
    return {
        "next_quarter": next_quarter,
        "deferred": [
            {"key": _request_key(pk), "title": title, "url": request_url(pk), "to": label}
            for pk, title, label in deferred
        ],
        "horizons": HORIZONS,
    }


def _follow_ups(previous: WeeklyReview | None) -> list[FollowUpEntry]:
    if previous is None:
        return []
    return [
        {
            "key": f"followup-{note.pk}",
            "title": note.item_title,
            "url": note.url or previous.get_absolute_url(),
            "kind": note.get_kind_display(),
            "text": note.text,
            "by": note.author.full_name if note.author else "",
            "at": note.at.isoformat(),
        }
        for note in previous.notes.select_related("author")
    ]


# Reading a snapshot ------------------------------------------------------------------------

# Snapshot keys whose string values are ISO dates or datetimes.
DATE_KEYS = frozenset(
    {"start", "end", "week_start", "previous_week_start", "lock_date", "expected_close", "today"}
)
DATETIME_KEYS = frozenset({"generated_at", "since", "at"})
ITEM_KEYS = frozenset({"key", "title", "url"})  # what every item has; the rest are its fields

SECTION_TITLES = {
    "budget": "Budget",
    "decisions": "Decisions needed",
    "ranking_changes": "Ranking changes since the last review",
    "commitments": "Commitments in flight",
    "changes": "Mid-quarter changes since the last review",
    "revenue": "Revenue",
    "ahead": "Looking ahead",
    "follow_ups": "Follow-ups from the last meeting",
}

# The budget is one agenda item of its own: minutes on "the budget" go there.
BUDGET_KEY = "budget"


@dataclass(frozen=True)
class Item:
    """One agenda item of a review: what a decision or note is recorded against."""

    key: str  # names the decision ("request-12", "swap-3", "budget"), not the place it is listed
    title: str
    url: str  # where its decision is taken
    section: str  # the key of the section that lists it here
    fields: Mapping[str, Any]  # the rest of its snapshot entry, dates parsed
    first: bool  # its key's first place on the agenda, which holds its minutes and anchor


@dataclass(frozen=True)
class Part:
    """One list of items within a section, such as the pending swaps of "Decisions needed"."""

    key: str  # unique across the review: "proposed", "swaps", …, "follow_ups"
    title: str  # "" for the only list of a section
    items: tuple[Item, ...]
    empty: str  # what the review says when the list is empty
    ranked: bool = False  # the items are in rank order


@dataclass(frozen=True)
class Section:
    """One of the review's eight sections: its lists of items and the figures beside them."""

    key: str
    number: int  # its place on the agenda, from 1
    title: str
    parts: tuple[Part, ...]
    facts: Mapping[str, Any] = field(default_factory=dict)  # figures, dates parsed

    @property
    def items(self) -> list[Item]:
        return [item for part in self.parts for item in part.items]

    def part(self, key: str) -> Part:
        return next(part for part in self.parts if part.key == key)


def snapshot_of(review: WeeklyReview) -> Snapshot:
    """The review's stored snapshot, read as format 1 (the only format there is so far).

    A review that is not generated yet holds {}, and an older snapshot may lack a part: the
    readers below take every part as optional, so neither is an error.
    """
    return cast(Snapshot, review.data or {})


def parse_dates(value: Any, key: str = "") -> Any:
    """A copy of a snapshot value with its ISO dates and datetimes (by key) parsed.

    A value that does not parse stays a string: an odd snapshot shows its raw text, no 500.
    """
    if isinstance(value, Mapping):
        return {name: parse_dates(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [parse_dates(item, key) for item in value]
    if isinstance(value, str):
        try:
            if key in DATE_KEYS:
                return dt.date.fromisoformat(value)
            if key in DATETIME_KEYS:
                return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return value


class _Walk:
    """Builds the sections in agenda order, numbering them and remembering which item keys
    came already."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.sections = 0

    def items(
        self, section: str, entries: Iterable[Mapping[str, object]] | None
    ) -> tuple[Item, ...]:
        found = []
        for entry in entries or ():
            key = str(entry.get("key", ""))
            found.append(
                Item(
                    key=key,
                    title=str(entry.get("title", "")),
                    url=str(entry.get("url", "")),
                    section=section,
                    fields=parse_dates(
                        {name: value for name, value in entry.items() if name not in ITEM_KEYS}
                    ),
                    first=key not in self.seen,
                )
            )
            self.seen.add(key)
        return tuple(found)

    def section(self, key: str, facts: Mapping[str, Any], *parts: Part) -> Section:
        self.sections += 1
        return Section(
            key=key,
            number=self.sections,
            title=SECTION_TITLES[key],
            parts=parts,
            facts=parse_dates(facts),
        )


def snapshot_day(data: Snapshot) -> dt.date | None:
    """The company's date when the snapshot was taken; for a snapshot older than its `today`,
    the date of its `generated_at`. None if neither reads as one."""
    today = parse_dates(data.get("today"), "today")
    if isinstance(today, dt.date):
        return today
    taken = parse_dates(data.get("generated_at"), "generated_at")
    return taken.date() if isinstance(taken, dt.datetime) else None


def _closing_deals(
    deals: Iterable[Mapping[str, object]] | None, day: dt.date | None
) -> list[Mapping[str, object]]:
    """The deals of "Revenue", each with `close_passed`: its expected close date was before
    the day the snapshot was taken, and it is still open (the snapshot lists open deals only)."""
    marked: list[Mapping[str, object]] = []
    for deal in deals or ():
        close = parse_dates(deal.get("expected_close"), "expected_close")
        passed = day is not None and isinstance(close, dt.date) and close < day
        marked.append({**deal, "close_passed": passed})
    return marked


def review_sections(data: Snapshot) -> list[Section]:
    """The snapshot's eight sections in the agenda's order, each with its lists of items.

    The one reader of a snapshot's sections: the pages, the print view, the Markdown export,
    the e-mail and the agenda (`reviews.services.review_items`) all go through it. A part that
    is missing from an older or odd snapshot reads as empty, never as an error. An item whose
    key came earlier (a proposed request that also moved) is listed again with `first` False.
    A deal of "Revenue" whose expected close date had passed when the snapshot was taken has
    `close_passed` among its fields.
    """
    walk = _Walk()
    budget = data.get("budget") or {}
    decisions = data.get("decisions") or {}
    changes = data.get("ranking_changes") or {}
    revenue = data.get("revenue") or {}
    ahead = data.get("ahead") or {}
    following = ahead.get("next_quarter")
    label = following.get("label") if following else None
    had_previous = bool(data.get("previous_week_start"))
    budget_item = {
        "key": BUDGET_KEY,
        "title": SECTION_TITLES["budget"],
        "url": reverse("commitments:budget_current"),
    }
    return [
        walk.section(
            "budget",
            budget,
            Part("budget", "", walk.items("budget", [budget_item]), empty=""),
        ),
        walk.section(
            "decisions",
            {},
            Part(
                "proposed",
                "Proposed requests awaiting approval",
                walk.items("decisions", decisions.get("proposed")),
                empty="Nothing above the cut line waits for approval.",
                ranked=True,
            ),
            Part(
                "swaps",
                "Swaps awaiting a decision",
                walk.items("decisions", decisions.get("swaps")),
                empty="No swap is waiting.",
            ),
            Part(
                "needs_estimate",
                "Requests needing an estimate",
                walk.items("decisions", decisions.get("needs_estimate")),
                empty="Every ranked request has an estimate.",
            ),
        ),
        walk.section(
            "ranking_changes",
            {"since": changes.get("since")},
            Part(
                "new",
                "New",
                walk.items("ranking_changes", changes.get("new")),
                empty="No request joined the ranking.",
            ),
            Part(
                "moved",
                "Moved",
                walk.items("ranking_changes", changes.get("moved")),
                empty="No request moved.",
            ),
            Part(
                "removed",
                "Removed",
                walk.items("ranking_changes", changes.get("removed")),
                empty="No request left the ranking.",
            ),
        ),
        walk.section(
            "commitments",
            {},
            Part(
                "commitments",
                "",
                walk.items("commitments", data.get("commitments")),
                empty="Nothing is committed this quarter.",
            ),
        ),
        walk.section(
            "changes",
            {},
            Part(
                "changes",
                "",
                walk.items("changes", data.get("changes")),
                empty="No drop, swap or over-budget commitment.",
            ),
        ),
        walk.section(
            "revenue",
            {
                "committed_arr": revenue.get("committed_arr"),
                "proposed_arr": revenue.get("proposed_arr"),
                "won": revenue.get("won"),  # None in reviews taken before it was recorded
            },
            Part(
                "closing_deals",
                "Deals closing this quarter that wait on uncommitted requests",
                walk.items(
                    "revenue", _closing_deals(revenue.get("closing_deals"), snapshot_day(data))
                ),
                empty="No deal closing this quarter waits on an uncommitted request.",
            ),
        ),
        walk.section(
            "ahead",
            {"horizons": ahead.get("horizons", ""), "next_quarter": label},
            Part(
                "next_quarter",
                f"{label} ranking" if label else "Next quarter's ranking",
                walk.items("ahead", following.get("ranking") if following else None),
                empty=f"Nothing is ranked for {label} yet."
                if label
                else "No next quarter is set up yet.",
                ranked=True,
            ),
            Part(
                "deferred",
                "Deferred requests",
                walk.items("ahead", ahead.get("deferred")),
                empty="No request was deferred.",
            ),
        ),
        walk.section(
            "follow_ups",
            {},
            Part(
                "follow_ups",
                "",
                walk.items("follow_ups", data.get("follow_ups")),
                empty="Nothing was recorded at the last meeting."
                if had_previous
                else "There was no earlier review this quarter.",
            ),
        ),
    ]
