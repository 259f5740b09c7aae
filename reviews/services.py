"""The weekly VP Sales / VP Product review: when one is due, how it is generated, what it
holds, and the minutes of the meeting.

A review is a snapshot: `review_build` reads the live data once and stores it as JSON in
the shape of `WeeklyReview.FORMAT_VERSION` (documented on `review_build`); pages render
that, never the live data, so the review shows what the meeting saw. One review exists per
(quarter, week start): the database's unique constraint, not timing, keeps retries, two
workers and missed beats from making two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import CompanySettings, Quarter
from commitments.board import board_for
from commitments.budget_selectors import burnup_for
from commitments.models import DropTerms, LedgerEntry, SwapProposal
from config.celery import QueueUnavailable, enqueue
from events.kinds import Kind
from events.services import publish
from feature_requests.models import Deal, FeatureRequest, RankEvent, RequestDeal
from reviews.models import ReviewNote, WeeklyReview

HORIZONS = "Sales plans 12 months out; product looks 2–5 years ahead."
AHEAD_SHOWN = 15  # next quarter's top requests shown in "Looking ahead"
STALE_QUEUED = dt.timedelta(minutes=10)  # a queued review whose job seems lost is queued again
AT_RISK_GAP = 25  # percentage points of the quarter elapsed beyond the share of work done


# When a review is due ----------------------------------------------------------------------


def week_start_for(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: the week a review belongs to."""
    return day - dt.timedelta(days=day.weekday())


def meeting_at(*, company: CompanySettings, week_start: dt.date) -> dt.datetime:
    """When that week's meeting starts: the company's weekday and time, in its time zone.

    Built in the zone itself, so the wall-clock time holds across daylight-saving changes.
    """
    day = week_start + dt.timedelta(days=company.meeting_weekday)
    return dt.datetime.combine(day, company.meeting_time, tzinfo=company.zone)


def reviews_due(*, now: dt.datetime | None = None) -> list[tuple[Quarter, dt.date]]:
    """The (quarter, week) whose review should exist by `now` and is missing or stuck."""
    company = CompanySettings.load()
    now = now or timezone.now()
    week = week_start_for(now.astimezone(company.zone).date())
    starts = meeting_at(company=company, week_start=week)
    if now < starts:
        return []
    quarter = Quarter.objects.filter(start__lte=starts.date(), end__gte=starts.date()).first()
    if quarter is None:
        return []
    review = WeeklyReview.objects.filter(quarter=quarter, week_start=week).first()
    if review is None or _needs_another_try(review, now):
        return [(quarter, week)]
    return []


def _needs_another_try(review: WeeklyReview, now: dt.datetime) -> bool:
    if review.status == WeeklyReview.Status.FAILED:
        return True
    return review.status == WeeklyReview.Status.QUEUED and review.created_at < now - STALE_QUEUED


def review_dispatch(*, now: dt.datetime | None = None) -> list[WeeklyReview]:
    """Ask for every review that is due and missing (or stuck); what Celery beat runs."""
    return [
        review_request(quarter=q, week_start=w, retry_stale=True)[0]
        for q, w in reviews_due(now=now)
    ]


# Generating a review -----------------------------------------------------------------------


def review_request(
    *,
    quarter: Quarter,
    week_start: dt.date,
    actor: User | None = None,
    retry_stale: bool = False,
) -> tuple[WeeklyReview, bool]:
    """Make sure the week's review exists or is being generated; returns (review, queued now).

    Raises QueueUnavailable when the job could not be queued; the review is then marked
    failed so that asking again (or the next beat) retries it.
    """
    if actor is not None:
        require(actor, Action.RUN_REVIEW)
    if week_start != week_start_for(week_start):
        raise ValidationError("A review's week starts on a Monday.")
    if not quarter.start - dt.timedelta(days=6) <= week_start <= quarter.end:
        raise ValidationError(f"The week of {week_start} is not in {quarter.label}.")
    try:
        with transaction.atomic():
            review, created = WeeklyReview.objects.get_or_create(
                quarter=quarter, week_start=week_start, defaults={"requested_by": actor}
            )
    except IntegrityError:  # someone else created it a moment ago
        review, created = WeeklyReview.objects.get(quarter=quarter, week_start=week_start), False
    retry = review.status == WeeklyReview.Status.FAILED or (
        retry_stale and _needs_another_try(review, timezone.now())
    )
    if not created and not retry:
        return review, False
    if retry:
        WeeklyReview.objects.filter(pk=review.pk).update(
            status=WeeklyReview.Status.QUEUED, error=""
        )
    try:
        enqueue("reviews.tasks.generate_review", review.pk)
    except QueueUnavailable:
        WeeklyReview.objects.filter(pk=review.pk).update(
            status=WeeklyReview.Status.FAILED, error="The job queue was unreachable."
        )
        raise
    review.refresh_from_db()
    return review, True


def review_generate(*, review_id: int) -> tuple[WeeklyReview | None, bool]:
    """Build and store the review's snapshot, once; returns (review, generated by this call).

    Safe to run twice at the same time: the second run waits for the first's row lock and
    then finds the review ready.
    """
    with transaction.atomic():
        review = WeeklyReview.objects.select_for_update().filter(pk=review_id).first()
        if review is None or review.status == WeeklyReview.Status.READY:
            return review, False
        review.status = WeeklyReview.Status.RUNNING
        review.save(update_fields=["status"])
    try:
        with transaction.atomic():
            review = (
                WeeklyReview.objects.select_for_update().select_related("quarter").get(pk=review_id)
            )
            if review.status == WeeklyReview.Status.READY:
                return review, False
            previous = (
                WeeklyReview.objects.filter(
                    quarter=review.quarter,
                    week_start__lt=review.week_start,
                    status=WeeklyReview.Status.READY,
                )
                .order_by("-week_start")
                .first()
            )
            review.data = review_build(
                quarter=review.quarter, week_start=review.week_start, previous=previous
            )
            review.format_version = WeeklyReview.FORMAT_VERSION
            review.status = WeeklyReview.Status.READY
            review.generated_at = timezone.now()
            review.error = ""
            review.save(update_fields=["data", "format_version", "status", "generated_at", "error"])
            publish(
                Kind.REVIEW_READY,
                quarter_id=review.quarter_id,
                payload={
                    "review_id": review.pk,
                    "quarter": review.quarter.label,
                    "week_start": review.week_start.isoformat(),
                    "url": review.get_absolute_url(),
                },
            )
    except Exception as error:
        WeeklyReview.objects.filter(pk=review_id).update(
            status=WeeklyReview.Status.FAILED, error=str(error)[:1000]
        )
        raise
    return review, True


# What a review holds -----------------------------------------------------------------------


def _request_item(pk: int, title: str, **fields) -> dict:
    return {"key": f"request-{pk}", "title": title, "url": f"/requests/{pk}/", **fields}


def review_build(*, quarter: Quarter, week_start: dt.date, previous: WeeklyReview | None) -> dict:
    """The snapshot of the eight sections (format 1), in a constant number of queries.

    Every item has `key`, `title` and `url` (where its decision is taken); the sections are
    budget, decisions, ranking_changes, commitments, changes, revenue, ahead, follow_ups, plus
    `ranking` (the order of request ids) and `last_rank_event_id` for next week's comparison.
    """
    company = CompanySettings.load()
    today = company.today()
    board = board_for(quarter=quarter, today=today)
    figures = board.figures
    since = previous.generated_at if previous else None
    ranking = [row["id"] for row in board.rows]
    return {
        "format": WeeklyReview.FORMAT_VERSION,
        "quarter": {
            "label": quarter.label,
            "start": quarter.start.isoformat(),
            "end": quarter.end.isoformat(),
        },
        "week_start": week_start.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "previous_week_start": previous.week_start.isoformat() if previous else None,
        "budget": {
            "capacity": quarter.capacity_points,
            "share": str(quarter.sales_share_percent),
            "sales_budget": figures.sales_budget,
            "committed": figures.committed,
            "change_costs": figures.change_costs,
            "remaining": figures.remaining,
            "used_percent": figures.used_percent,
            "elapsed_percent": quarter.elapsed_percent(today),
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
        "commitments": _commitments(board, quarter.elapsed_percent(today)),
        "changes": _changes(quarter, since),
        "revenue": _revenue(quarter, board),
        "ahead": _ahead(quarter),
        "follow_ups": _follow_ups(previous),
        "ranking": ranking,
        "last_rank_event_id": board.version,
    }


def _decisions(quarter: Quarter, board, terms: DropTerms) -> dict:
    swaps = SwapProposal.objects.filter(
        quarter=quarter, status=SwapProposal.Status.PENDING
    ).select_related("drop__request", "drop__quarter", "commit", "proposed_by")
    return {
        "proposed": [
            _request_item(
                row["id"],
                row["title"],
                url="/decisions/",
                position=row["position"],
                estimate=row["estimate"],
                cumulative=row["cumulative"],
                arr=row["arr"],
            )
            for row in board.rows
            if row["proposed"]
        ],
        "swaps": [
            {
                "key": f"swap-{swap.pk}",
                "title": f"Swap “{swap.drop.request.title}” for “{swap.commit.title}”",
                "url": f"/swaps/{swap.pk}/",
                "drop_title": swap.drop.request.title,
                "commit_title": swap.commit.title,
                "cost": terms.cost_of(swap.drop).total,
                "proposed_by": swap.proposed_by.full_name,
            }
            for swap in swaps
        ],
        "needs_estimate": [
            _request_item(row["id"], row["title"], url="/estimates/", position=row["position"])
            for row in board.rows
            if row["needs_estimate"]
        ],
    }


def _ranking_changes(
    quarter: Quarter,
    board,
    previous: WeeklyReview | None,
    since,
    week_start: dt.date,
    zone: dt.tzinfo,
) -> dict:
    """New, moved (±positions, by whom) and removed requests since the last review.

    Compares the order now with the order the last review stored; with no last review, with
    the order a week before this one, rebuilt from the rank events.
    """
    rows = {row["id"]: row for row in board.rows}
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
    moved, new = [], []
    for pk, row in rows.items():
        if pk not in old_position:
            new.append(
                _request_item(pk, row["title"], position=row["position"], by=sorted(movers[pk]))
            )
        elif old_position[pk] != row["position"] and pk in touched:
            moved.append(
                _request_item(
                    pk,
                    row["title"],
                    **{"from": old_position[pk]},
                    to=row["position"],
                    delta=old_position[pk] - row["position"],
                    by=sorted(movers[pk]),
                )
            )
    gone = [pk for pk in before if pk not in rows]
    removed = [
        _request_item(
            pk, title, **{"from": old_position[pk]}, status=FeatureRequest.Status(status).label
        )
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


def _commitments(board, elapsed_percent: int) -> list[dict]:
    items = []
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
                "url": f"/commitments/?quarter={board.quarter.label}",
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


def _changes(quarter: Quarter, since: dt.datetime | None) -> list[dict]:
    entries = LedgerEntry.objects.filter(quarter=quarter).filter(
        Q(kind__in=[LedgerEntry.Kind.DROP, LedgerEntry.Kind.SWAP]) | Q(over_budget=True)
    )
    if since is not None:
        entries = entries.filter(at__gt=since)
    kinds = {LedgerEntry.Kind.DROP: "Drop", LedgerEntry.Kind.SWAP: "Swap"}
    return [
        _request_item(
            entry.request_id,
            entry.request.title,
            key=f"ledger-{entry.pk}",
            kind=kinds.get(entry.kind, "Over-budget commitment"),
            points=entry.points,
            sunk=entry.sunk_points,
            penalty=entry.penalty_points,
            cost=entry.cost,
            reason=entry.reason,
            by=entry.actor.full_name,
            at=entry.at.isoformat(),
        )
        for entry in entries.select_related("request", "actor").order_by("at", "id")
    ]


def _revenue(quarter: Quarter, board) -> dict:
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
    closing: dict[int, dict] = {}
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
            "deal__customer__name",
            "deal__amount",
            "deal__expected_close",
            "request__title",
        )
        .order_by("deal__expected_close", "deal_id")
    )
    for deal_id, name, customer, amount, close, title in links:
        deal = closing.setdefault(
            deal_id,
            {
                "key": f"deal-{deal_id}",
                "title": name,
                "url": f"/deals/{deal_id}/edit/",
                "customer": customer,
                "amount": amount,
                "expected_close": close.isoformat(),
                "requests": [],
            },
        )
        deal["requests"].append(title)
    return {
        "committed_arr": committed_arr or 0,
        "proposed_arr": sum(row["arr"] for row in board.rows if row["proposed"]),
        "closing_deals": list(closing.values()),
    }


def _ahead(quarter: Quarter) -> dict:
    following = Quarter.objects.filter(start__gt=quarter.end).order_by("start").first()
    ahead = None
    if following is not None:
        ranked = FeatureRequest.objects.filter(
            quarter=following, status=FeatureRequest.Status.RANKED
        ).order_by("rank_key")[:AHEAD_SHOWN]
        ahead = {
            "label": following.label,
            "ranking": [
                _request_item(pk, title, position=position, estimate=estimate)
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
        "next_quarter": ahead,
        "deferred": [_request_item(pk, title, to=label) for pk, title, label in deferred],
        "horizons": HORIZONS,
    }


def _follow_ups(previous: WeeklyReview | None) -> list[dict]:
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


# Reading reviews ---------------------------------------------------------------------------

SECTION_TITLES = {
    "decisions": "Decisions needed",
    "ranking_changes": "Ranking changes",
    "commitments": "Commitments in flight",
    "changes": "Mid-quarter changes",
    "revenue": "Revenue",
    "ahead": "Looking ahead",
    "follow_ups": "Follow-ups",
}


def review_items(review: WeeklyReview) -> dict[str, dict]:
    """Every agenda item of the review by key: {"title", "section", "url"}."""
    data = review.data or {}
    found: dict[str, dict] = {}

    def add(section: str, items) -> None:
        for item in items or []:
            found.setdefault(
                item["key"],
                {"title": item["title"], "section": section, "url": item.get("url", "")},
            )

    decisions = data.get("decisions", {})
    for part in ("proposed", "swaps", "needs_estimate"):
        add("decisions", decisions.get(part))
    changes = data.get("ranking_changes", {})
    for part in ("new", "moved", "removed"):
        add("ranking_changes", changes.get(part))
    add("commitments", data.get("commitments"))
    add("changes", data.get("changes"))
    add("revenue", data.get("revenue", {}).get("closing_deals"))
    ahead = data.get("ahead", {})
    add("ahead", (ahead.get("next_quarter") or {}).get("ranking"))
    add("ahead", ahead.get("deferred"))
    add("follow_ups", data.get("follow_ups"))
    found.setdefault("budget", {"title": "Budget", "section": "budget", "url": "/budget/"})
    return found


def review_latest(*, quarter: Quarter) -> WeeklyReview | None:
    return (
        WeeklyReview.objects.filter(quarter=quarter, status=WeeklyReview.Status.READY)
        .select_related("quarter", "held_by")
        .order_by("-week_start")
        .first()
    )


def review_archive(*, quarter: Quarter | None = None) -> QuerySet[WeeklyReview]:
    reviews = WeeklyReview.objects.select_related("quarter", "held_by").order_by(
        "-week_start", "-id"
    )
    return reviews.filter(quarter=quarter) if quarter else reviews


def review_for_page(*, label: str, week: str) -> WeeklyReview:
    """The review of quarter `label` and week `week` (YYYY-MM-DD), or a 404 that says why."""
    quarter = Quarter.objects.filter(label=label).first()
    if quarter is None:
        raise Http404(f"There is no quarter {label}.")
    try:
        week_start = dt.date.fromisoformat(week)
    except ValueError:
        raise Http404(f"“{week}” is not a week: use its Monday as YYYY-MM-DD.") from None
    review = (
        WeeklyReview.objects.filter(quarter=quarter, week_start=week_start)
        .select_related("quarter", "held_by", "requested_by")
        .first()
    )
    if review is None:
        raise Http404(f"{quarter.label} has no review for the week of {week_start}.")
    return review


# The meeting -------------------------------------------------------------------------------


@transaction.atomic
def review_note_add(
    *, actor: User, review: WeeklyReview, item_key: str, kind: str, text: str
) -> ReviewNote:
    """Record a decision or note against one agenda item, while the meeting is on."""
    require(actor, Action.RUN_REVIEW)
    review = WeeklyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != WeeklyReview.Status.READY:
        raise ValidationError("This review is not ready yet, so nothing can be recorded on it.")
    if review.is_held:
        raise ValidationError("This review was held and its minutes are closed.")
    item = review_items(review).get(item_key or "")
    if item is None:
        raise ValidationError({"item_key": "That is not an item of this review's agenda."})
    if kind not in ReviewNote.Kind.values:
        raise ValidationError({"kind": "Choose a decision or a note."})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the decision or note."})
    if len(text) > ReviewNote.MAX_LENGTH:
        raise ValidationError(
            {
                "text": f"Keep it to {ReviewNote.MAX_LENGTH:,} characters (this one has {len(text):,})."
            }
        )
    return ReviewNote.objects.create(
        review=review,
        item_key=item_key,
        item_title=item["title"][:200],
        section=item["section"],
        kind=kind,
        text=text,
        url=item["url"][:200],
        author=actor,
    )


@transaction.atomic
def review_mark_held(*, actor: User, review: WeeklyReview) -> WeeklyReview:
    """Close the meeting: the review keeps its minutes, which next week lists as follow-ups."""
    require(actor, Action.RUN_REVIEW)
    review = WeeklyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != WeeklyReview.Status.READY:
        raise ValidationError("Only a ready review can be held.")
    if review.is_held:
        raise ValidationError(f"This review was held already, on {review.held_at:%b %d}.")
    review.held_at, review.held_by = timezone.now(), actor
    review.save(update_fields=["held_at", "held_by"])
    return review
