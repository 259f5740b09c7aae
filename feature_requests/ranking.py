"""The force-ranking of a quarter: a strict order kept in fractional keys.

Each ranked request holds a `rank_key`, a string of base-36 digits read as a fraction
(0.k1k2k3…), ordered as plain strings. A move writes only the moved row: its new key lies
strictly between its new neighbours' keys, so nobody else's key changes. Keys never end in
"0", which keeps room below every key. When repeated moves into the same gap make a key
long, the whole quarter is rebalanced to short, evenly spaced keys (rare; many writes).

Only lower-case letters and digits are used: those sort the same under byte order (SQLite,
PostgreSQL "C") and under the usual PostgreSQL locales.

Every change writes one RankEvent. The newest event's id is the ranking's version: a move
made from a board showing an older version is refused (RankingChanged), never misapplied.
Changes hold the quarter's row lock, so two leaders' moves are applied one after the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet, Value
from django.db.models.functions import Concat

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import Quarter
from events.kinds import Kind
from events.services import publish
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.status import request_transition

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
MAX_KEY_LENGTH = 16  # past this, the quarter is rebalanced


class RankingError(Exception):
    """A move that cannot be applied, with a message for the user."""


class RankingChanged(RankingError):
    """The board the move was made on is out of date."""


def key_between(low: str | None, high: str | None) -> str:
    """A key strictly between `low` and `high` (None: the start or the end of the list)."""
    low = low or ""
    if high is not None and not low < high:
        raise ValueError(f"{low!r} is not below {high!r}")
    key = []
    index = 0
    while True:
        low_digit = DIGITS.index(low[index]) if index < len(low) else 0
        high_digit = DIGITS.index(high[index]) if high is not None and index < len(high) else BASE
        if low_digit == high_digit:
            key.append(DIGITS[low_digit])
        else:
            middle = (low_digit + high_digit) // 2
            if middle > low_digit:
                key.append(DIGITS[middle])
                return "".join(key)
            # Adjacent digits: keep low's digit; from here on only low bounds the key.
            key.append(DIGITS[low_digit])
            high = None
        index += 1


def key_for(low: str | None, high: str | None) -> str:
    """The key for a place between two neighbours (None: no neighbour on that side).

    At either end the key steps one digit rather than halving the gap, so adding at the
    bottom or moving to the top many times keeps keys short.
    """
    if low is None and high is not None:
        for index, char in enumerate(high):
            if DIGITS.index(char) > 1:
                return high[:index] + DIGITS[DIGITS.index(char) - 1]
    if high is None and low is not None:
        for index, char in enumerate(low):
            if DIGITS.index(char) < BASE - 1:
                return low[:index] + DIGITS[DIGITS.index(char) + 1]
    return key_between(low, high)


def spread_keys(count: int) -> list[str]:
    """`count` short keys, evenly spaced and ascending, none ending in "0".

    They fill the middle third of the key space, leaving room at both ends.
    """
    width = 1
    while BASE**width <= 3 * count:
        width += 1
    width += 1  # leave gaps of at least BASE - 1 between neighbours
    step = BASE**width // (3 * count + 1)
    keys = []
    for position in range(count + 1, 2 * count + 1):
        value = position * step
        digits = []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        keys.append("".join(reversed(digits)).rstrip("0"))
    return keys


def ranked(quarter: Quarter) -> QuerySet[FeatureRequest]:
    """The quarter's ranked, uncommitted requests, in rank order."""
    return FeatureRequest.objects.filter(
        quarter=quarter, status=FeatureRequest.Status.RANKED
    ).order_by("rank_key")


def ranking_version(quarter: Quarter) -> int:
    """The id of the quarter's newest rank event (0 before the first)."""
    newest = RankEvent.objects.filter(quarter=quarter).aggregate(version=Max("id"))
    version: int | None = newest["version"]
    return version or 0


def _position_of(quarter: Quarter, key: str) -> int:
    return ranked(quarter).filter(rank_key__lt=key).count() + 1


def _key_of(request: FeatureRequest) -> str:
    """A ranked request's key (the database gives every ranked request one)."""
    if request.rank_key is None:
        raise ValueError(f"Request #{request.pk} is not ranked: it has no rank key.")
    return request.rank_key


def _lock(quarter: Quarter) -> Quarter:
    return Quarter.objects.select_for_update().get(pk=quarter.pk)


def ranking_rebalance(*, quarter: Quarter) -> int:
    """Give the quarter's ranking short, evenly spaced keys; returns the rows rewritten.

    Call while holding the quarter's row lock. The old keys are first moved out of the way
    ("~" sorts after every digit), so no new key ever meets an old one in the unique index.
    """
    ids = list(ranked(quarter).values_list("id", flat=True))
    FeatureRequest.objects.filter(id__in=ids).update(rank_key=Concat(Value("~"), "rank_key"))
    FeatureRequest.objects.bulk_update(
        [
            FeatureRequest(id=pk, rank_key=key)
            for pk, key in zip(ids, spread_keys(len(ids)), strict=True)
        ],
        ["rank_key"],
        batch_size=500,
    )
    return len(ids)


# No savepoint of their own: they are steps of the caller's transaction, which they lock.
@transaction.atomic(savepoint=False)
def ranking_append(
    *,
    quarter: Quarter,
    request: FeatureRequest,
    actor: User | None,
    note: str = "",
    status_note: str = "",
    payload: dict[str, Any] | None = None,
) -> int:
    """Put `request` at the bottom of `quarter`'s ranking, status ranked; returns its position.

    Used by triage (accept) and deferral; the caller checks its own permission and holds the
    request's row lock. `note` goes on the rank event; `status_note` on the status change,
    where "{position}" and "{quarter}" are filled in.
    """
    quarter = _lock(quarter)
    others = ranked(quarter).exclude(pk=request.pk)
    last = others.values_list("rank_key", flat=True).last()
    position = others.count() + 1
    request.quarter = quarter
    request.rank_key = key_for(last, None)
    request_transition(
        request=request,
        actor=actor,
        to_status=FeatureRequest.Status.RANKED,
        note=status_note.format(position=position, quarter=quarter.label),
        also_save=["quarter", "rank_key"],
        payload={"quarter": quarter.label, "position": position, **(payload or {})},
    )
    RankEvent.objects.create(
        quarter=quarter,
        request=request,
        actor=actor,
        kind=RankEvent.Kind.ADDED,
        new_position=position,
        note=note,
    )
    return position


@transaction.atomic(savepoint=False)
def ranking_remove(
    *,
    request: FeatureRequest,
    actor: User | None,
    new_status: str,
    note: str = "",
    status_note: str = "",
    payload: dict[str, Any] | None = None,
) -> int:
    """Take a ranked request out of its quarter's ranking, giving it `new_status`; returns
    the position it had. The caller holds the request's row lock."""
    key = _key_of(request)
    if request.quarter is None:
        raise ValueError(f"Request #{request.pk} is not ranked: it has no quarter.")
    quarter = _lock(request.quarter)
    old_position = _position_of(quarter, key)
    request.rank_key = None
    request_transition(
        request=request,
        actor=actor,
        to_status=new_status,
        note=status_note,
        also_save=["rank_key"],
        payload={"quarter": quarter.label, "old_position": old_position, **(payload or {})},
    )
    RankEvent.objects.create(
        quarter=quarter,
        request=request,
        actor=actor,
        kind=RankEvent.Kind.REMOVED,
        old_position=old_position,
        note=note,
    )
    return old_position


@dataclass(frozen=True)
class Move:
    request: FeatureRequest
    old_position: int
    new_position: int
    version: int


@transaction.atomic
def ranking_move(
    *,
    actor: User,
    quarter: Quarter,
    request_id: int,
    after_id: int | None,
    before_id: int | None,
    version: int,
) -> Move:
    """Move a request between two neighbours: it lands after `after_id` and before `before_id`.

    None for `after_id` means the top, None for `before_id` the bottom. `version` is the
    ranking version of the board the user moved on; if anyone changed the ranking since,
    RankingChanged is raised and nothing is written. Writes the moved row and one event.
    """
    require(actor, Action.RANK)
    quarter = _lock(quarter)
    if version != ranking_version(quarter):
        raise RankingChanged(
            "The ranking changed since you loaded it. Here is the current order; please move again."
        )
    ids = {request_id} | {pk for pk in (after_id, before_id) if pk is not None}
    rows = {row.pk: row for row in ranked(quarter).filter(pk__in=ids)}
    if request_id not in rows:
        raise RankingError("That request is not in this quarter's ranking.")
    if request_id in (after_id, before_id):
        raise RankingError("A request cannot be its own neighbour.")
    moving = rows[request_id]
    after = rows.get(after_id) if after_id is not None else None
    before = rows.get(before_id) if before_id is not None else None
    if (after_id is not None and after is None) or (before_id is not None and before is None):
        raise RankingError("A neighbour named in the move is not in this quarter's ranking.")
    others = ranked(quarter).exclude(pk=request_id)
    low = after.rank_key if after else None
    high = before.rank_key if before else None
    if low is not None and high is not None and not low < high:
        raise RankingError("Those two requests are not neighbours in this order.")
    between = others
    if low is not None:
        between = between.filter(rank_key__gt=low)
    if high is not None:
        between = between.filter(rank_key__lt=high)
    if between.exists():
        raise RankingError("Those two requests are not neighbours in this order.")

    old_position = _position_of(quarter, _key_of(moving))
    new_key = key_for(low, high)
    if len(new_key) > MAX_KEY_LENGTH:
        ranking_rebalance(quarter=quarter)
        return ranking_move(
            actor=actor,
            quarter=quarter,
            request_id=request_id,
            after_id=after_id,
            before_id=before_id,
            version=version,
        )
    moving.rank_key = new_key
    moving.save(update_fields=["rank_key"])
    new_position = others.filter(rank_key__lt=new_key).count() + 1
    event = RankEvent.objects.create(
        quarter=quarter,
        request=moving,
        actor=actor,
        kind=RankEvent.Kind.MOVED,
        old_position=old_position,
        new_position=new_position,
    )
    publish(
        Kind.RANKING_MOVED,
        actor=actor,
        quarter_id=quarter.pk,
        request_id=moving.pk,
        payload={
            "title": moving.title,
            "quarter": quarter.label,
            "old_position": old_position,
            "new_position": new_position,
            "version": event.pk,
        },
    )
    return Move(
        request=moving, old_position=old_position, new_position=new_position, version=event.pk
    )


@transaction.atomic
def ranking_carry_over(*, quarter: Quarter, today: dt.date) -> int:
    """Move an ended quarter's ranked, uncommitted requests to the bottom of the next
    quarter's ranking, in the same relative order, marked as carried over; returns how many.

    Waits (returns 0) until the quarter has ended and a next quarter exists. Running it again
    finds nothing left to move.
    """
    if quarter.end >= today:
        return 0
    following = Quarter.objects.filter(start__gt=quarter.end).order_by("start").first()
    if following is None:
        return 0
    # Both rows locked, always in date order, so concurrent carry-overs cannot deadlock.
    _lock(quarter)
    following = _lock(following)
    moving = list(ranked(quarter))
    if not moving:
        return 0
    key = ranked(following).values_list("rank_key", flat=True).last()
    start = ranked(following).count()
    events = []
    for offset, request in enumerate(moving, start=1):
        key = key_for(key, None)
        events.append(
            RankEvent(
                quarter=quarter,
                request=request,
                kind=RankEvent.Kind.REMOVED,
                old_position=offset,
                note=f"carried over to {following.label}",
            )
        )
        events.append(
            RankEvent(
                quarter=following,
                request=request,
                kind=RankEvent.Kind.ADDED,
                new_position=start + offset,
                note=f"carried over from {quarter.label}",
            )
        )
        request.quarter, request.rank_key, request.carried_over = following, key, True
    FeatureRequest.objects.bulk_update(
        moving, ["quarter", "rank_key", "carried_over"], batch_size=500
    )
    RankEvent.objects.bulk_create(events, batch_size=500)
    publish(
        Kind.RANKING_CARRIED_OVER,
        quarter_id=following.pk,
        payload={
            "from_quarter_id": quarter.pk,
            "from_quarter": quarter.label,
            "quarter": following.label,
            "request_ids": [request.pk for request in moving],
        },
    )
    return len(moving)


def ranking_carry_over_ended(*, today: dt.date) -> int:
    """Carry over every ended quarter that still has a ranking; what the scheduler runs."""
    ended = (
        Quarter.objects.filter(end__lt=today, requests__status=FeatureRequest.Status.RANKED)
        .distinct()
        .order_by("start")
    )
    return sum(ranking_carry_over(quarter=quarter, today=today) for quarter in ended)
