"""The force-ranking of a quarter: a strict order kept in fractional keys.

Each ranked request holds a `rank_key`, ordered as a plain (byte) string. A move writes only
the moved row: its new key lies strictly between its new neighbours' keys, so nobody else's
key changes.

A key is an integer part and a fraction, in base-62 digits (0-9, A-Z, a-z, in byte order).
The integer part's first character says how many digits follow ("a"–"z": 1–26 digits for
0 and up; "Z"–"A": 1–26 for the negatives), so adding at the bottom or the top steps the
integer ("a0", "a1", … "az", "b00", …) and keys grow with the logarithm of the count: 5,000
appends end at four characters. A key between two neighbours takes the next integer when
there is one, else halves the gap in the fraction, which never ends in "0" (so there is
always room below a key). This is the scheme of David Greenspan's "Implementing Fractional
Indexing", as in the rocicorp/fractional-indexing package.

Repeated moves into one gap still lengthen keys there, about one character per six moves.
Whenever a write would make a key longer than MAX_KEY_LENGTH, a few neighbours around the
gap are respaced first (a window that doubles until their keys come out at most half that
long; at worst the whole quarter), under the quarter's row lock; see `room_at`.

Keys mix upper and lower case, which only byte order sorts the way Python does: the column
has the "C" collation on PostgreSQL; SQLite compares bytes by default.

Every change writes one RankEvent. The newest event's id is the ranking's version: a move
made from a board showing an older version is refused (RankingChanged), never misapplied.
Changes hold the quarter's row lock, so two leaders' moves are applied one after the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import Quarter
from budgets.spending import quarter_spent
from events.kinds import Kind
from events.services import publish
from feature_requests.models import FeatureRequest, RankEvent
from feature_requests.status import request_transition

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
MAX_KEY_LENGTH = 24  # no write makes a longer key: it respaces neighbours first
# The lowest integer part: nothing could go before it, so it is never a key of its own.
SMALLEST_INTEGER = "A" + DIGITS[0] * 26


class RankingError(Exception):
    """A move that cannot be applied, with a message for the user."""


class RankingChanged(RankingError):
    """The board the move was made on is out of date."""


def _integer_length(head: str) -> int:
    """The length of an integer part (its head character included) that starts with `head`."""
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise ValueError(f"{head!r} does not start a rank key")


def _split(key: str) -> tuple[str, str]:
    """A key's integer part and fraction; ValueError if `key` is not a well-formed key."""
    if not key or key == SMALLEST_INTEGER:
        raise ValueError(f"{key!r} is not a rank key")
    length = _integer_length(key[0])
    integer, fraction = key[:length], key[length:]
    if len(integer) < length or fraction.endswith(DIGITS[0]):
        raise ValueError(f"{key!r} is not a rank key")
    if any(char not in DIGITS for char in key[1:]):
        raise ValueError(f"{key!r} is not a rank key")
    return integer, fraction


def is_key(key: str) -> bool:
    """Whether `key` is a well-formed rank key (keys of the old base-36 scheme are not)."""
    try:
        _split(key)
    except ValueError:
        return False
    return True


def _increment(integer: str) -> str | None:
    """The next integer part, or None past the largest."""
    head, digits = integer[0], list(integer[1:])
    for index in reversed(range(len(digits))):
        value = DIGITS.index(digits[index])
        if value < BASE - 1:
            digits[index] = DIGITS[value + 1]
            return head + "".join(digits)
        digits[index] = DIGITS[0]
    if head == "Z":
        return "a" + DIGITS[0]
    if head == "z":
        return None
    head = chr(ord(head) + 1)
    if head >= "a":
        digits.append(DIGITS[0])  # one more digit for larger numbers
    else:
        digits.pop()  # one fewer for negatives closer to zero
    return head + "".join(digits)


def _decrement(integer: str) -> str | None:
    """The previous integer part, or None before the smallest."""
    head, digits = integer[0], list(integer[1:])
    for index in reversed(range(len(digits))):
        value = DIGITS.index(digits[index])
        if value > 0:
            digits[index] = DIGITS[value - 1]
            return head + "".join(digits)
        digits[index] = DIGITS[-1]
    if head == "a":
        return "Z" + DIGITS[-1]
    if head == "A":
        return None
    head = chr(ord(head) - 1)
    if head >= "a":
        digits.pop()
    else:
        digits.append(DIGITS[-1])
    return head + "".join(digits)


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between `low` and `high` (None: 1), as short as can be.

    Neither ends in "0"; `low` < `high`.
    """
    if high is not None:
        # Keep the common prefix (low padded with zeros), halve what follows.
        common = 0
        while (low[common] if common < len(low) else DIGITS[0]) == high[common]:
            common += 1
        if common:
            return high[:common] + _midpoint(low[common:], high[common:])
    low_digit = DIGITS.index(low[0]) if low else 0
    high_digit = DIGITS.index(high[0]) if high is not None else BASE
    if high_digit - low_digit > 1:
        return DIGITS[(low_digit + high_digit) // 2]
    # Adjacent digits: high's first digit alone, if high goes on; else low's, then halve
    # what is above the rest of low.
    if high is not None and len(high) > 1:
        return high[0]
    return DIGITS[low_digit] + _midpoint(low[1:], None)


def key_between(low: str | None, high: str | None) -> str:
    """A key strictly between `low` and `high` (None: the start or the end of the list).

    Raises ValueError if `low` is not below `high` or either is not a key.
    """
    if high is None:
        if low is None:
            return spread_keys(1)[0]  # the middle one-digit integer
        low_integer, low_fraction = _split(low)
        larger = _increment(low_integer)
        return low_integer + _midpoint(low_fraction, None) if larger is None else larger
    high_integer, high_fraction = _split(high)
    if low is None:
        if high_integer == SMALLEST_INTEGER:
            return high_integer + _midpoint("", high_fraction)
        if high_fraction:
            return high_integer  # the integer alone sorts just before it
        smaller = _decrement(high_integer)
        if smaller is None:
            raise ValueError(f"No key goes before {high!r}")
        return smaller
    low_integer, low_fraction = _split(low)
    if not low < high:
        raise ValueError(f"{low!r} is not below {high!r}")
    if low_integer == high_integer:
        return low_integer + _midpoint(low_fraction, high_fraction)
    larger = _increment(low_integer)
    if larger is not None and larger < high:
        return larger
    return low_integer + _midpoint(low_fraction, None)


def keys_between(low: str | None, high: str | None, count: int) -> list[str]:
    """`count` ascending keys strictly between `low` and `high` (None: an open end).

    Towards an open end the keys step the integer part; between two keys they halve the gap
    recursively, so their length grows with the logarithm of `count`.
    """
    if count <= 0:
        return []
    if low is None and high is None:
        return spread_keys(count)
    if high is None:
        keys = [key_between(low, None)]
        while len(keys) < count:
            keys.append(key_between(keys[-1], None))
        return keys
    if low is None:
        keys = [key_between(None, high)]
        while len(keys) < count:
            keys.append(key_between(None, keys[-1]))
        return keys[::-1]
    middle = key_between(low, high)
    below = (count - 1) // 2
    return [
        *keys_between(low, middle, below),
        middle,
        *keys_between(middle, high, count - 1 - below),
    ]


def spread_keys(count: int) -> list[str]:
    """`count` short keys, ascending: integers of one width spread evenly over its range, so
    that there is room around each of them and at both ends."""
    width = 1
    while BASE**width <= count:
        width += 1
    head = chr(ord("a") + width - 1)
    span = BASE**width
    keys = []
    for position in range(1, count + 1):
        value = position * span // (count + 1)
        digits = []
        for _ in range(width):
            value, digit = divmod(value, BASE)
            digits.append(DIGITS[digit])
        keys.append(head + "".join(reversed(digits)))
    return keys


def _short_keys(
    low: str | None, high: str | None, count: int, *, limit: int | None = None
) -> list[str] | None:
    """`keys_between`, or None when a neighbour is not a well-formed key or a key would be
    longer than `limit` (MAX_KEY_LENGTH): the caller must make room first."""
    try:
        keys = keys_between(low, high, count)
    except ValueError:
        return None
    limit = MAX_KEY_LENGTH if limit is None else limit
    return keys if all(len(key) <= limit for key in keys) else None


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


@dataclass(frozen=True)
class RankingPlace:
    """Where a ranked request stands in its quarter's ranking, as the board shows it."""

    quarter: Quarter
    position: int
    count: int  # requests in the ranking
    cumulative: int  # estimated points of the requests up to and including this one
    remaining: int  # the quarter's sales budget left: the cut line's points
    estimated: bool

    @property
    def above_cut_line(self) -> bool:
        """The cut line falls before the first request whose cumulative points exceed the
        remaining budget; cumulative points only grow down the ranking."""
        return self.cumulative <= self.remaining

    @property
    def proposed(self) -> bool:
        return self.above_cut_line and self.estimated


def ranking_place(*, request: FeatureRequest) -> RankingPlace | None:
    """`request`'s place in its quarter's ranking (None unless ranked). Three queries: the
    position and cumulative points in one, and what the budget already holds (read through
    budgets.spending, which the commitments app fills in)."""
    if request.status != FeatureRequest.Status.RANKED or request.quarter is None:
        return None
    key = _key_of(request)
    up_to = Q(rank_key__lte=key)
    figures = ranked(request.quarter).aggregate(
        position=Count("id", filter=up_to),
        count=Count("id"),
        cumulative=Sum("estimate_points", filter=up_to),
    )
    return RankingPlace(
        quarter=request.quarter,
        position=figures["position"],
        count=figures["count"],
        cumulative=figures["cumulative"] or 0,
        remaining=request.quarter.sales_budget - quarter_spent(request.quarter),
        estimated=request.estimate_points is not None,
    )


def _position_of(quarter: Quarter, key: str) -> int:
    return ranked(quarter).filter(rank_key__lt=key).count() + 1


def _key_of(request: FeatureRequest) -> str:
    """A ranked request's key (the database gives every ranked request one)."""
    if request.rank_key is None:
        raise ValueError(f"Request #{request.pk} is not ranked: it has no rank key.")
    return request.rank_key


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


def room_at(keys: Sequence[str], index: int) -> tuple[int, int, list[str]]:
    """Where a new key fits at `index` of the ascending `keys`, no key longer than
    MAX_KEY_LENGTH: returns `(start, end, new)`, where `new` replaces `keys[start:end]` and
    holds one key more, the new place's at `new[index - start]`.

    Normally `start == end == index`: the key halfway between the neighbours is short, and
    only the new place gets a key. Otherwise a window of neighbours is respaced: one on each
    side, doubling until evenly spaced keys between the keys just outside it are at most half
    as long as allowed. That slack lets the gap take dozens of moves before it is respaced
    again; respacing just enough to fit would respace on nearly every move into a busy spot.
    The window is the whole list only when nothing smaller will do (or when keys that are not
    well formed, such as the old scheme's, are in the way).
    """
    radius = 0
    while True:
        start, end = max(0, index - radius), min(len(keys), index + radius)
        if start == 0 and end == len(keys):
            return start, end, spread_keys(len(keys) + 1)
        low = keys[start - 1] if start else None
        high = keys[end] if end < len(keys) else None
        limit = MAX_KEY_LENGTH if radius == 0 else MAX_KEY_LENGTH // 2
        new = _short_keys(low, high, end - start + 1, limit=limit)
        if new is not None:
            return start, end, new
        radius = max(1, 2 * radius)


def _make_room(quarter: Quarter, *, moving: FeatureRequest, after: str | None) -> str:
    """Respace `quarter`'s ranking around the place right after the key `after` (None: the
    top) so that `moving` fits there with a short key (see `room_at`); returns that key,
    which the caller writes.

    Call while holding the quarter's row lock. The respaced rows' old keys, and the moving
    row's, are first moved out of the way ("~" sorts after every digit), so no new key meets
    an old one in the unique index.
    """
    rows = [
        (pk, key)
        for pk, key in ranked(quarter).exclude(pk=moving.pk).values_list("id", "rank_key")
        if key is not None  # always: a ranked request has a key
    ]
    keys = [key for _, key in rows]
    index = 0 if after is None else keys.index(after) + 1
    start, end, new = room_at(keys, index)
    moving_key = new.pop(index - start)
    ids = [pk for pk, _ in rows[start:end]]
    out_of_the_way = [*ids, moving.pk] if moving.rank_key is not None else ids
    FeatureRequest.objects.filter(id__in=out_of_the_way).update(
        rank_key=Concat(Value("~"), "rank_key")
    )
    FeatureRequest.objects.bulk_update(
        [FeatureRequest(id=pk, rank_key=key) for pk, key in zip(ids, new, strict=True)],
        ["rank_key"],
        batch_size=500,
    )
    return moving_key


def _key_after(
    quarter: Quarter, *, moving: FeatureRequest, low: str | None, high: str | None
) -> str:
    """The key for `moving` between the neighbouring keys `low` and `high`: the key halfway
    (nothing else is written), or, if that would be too long, one made by respacing
    neighbours (`room_at`). Call while holding the quarter's row lock."""
    short = _short_keys(low, high, 1)
    if short is not None:
        return short[0]
    return _make_room(quarter, moving=moving, after=low)


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
    quarter = Quarter.locked(quarter.pk)
    others = ranked(quarter).exclude(pk=request.pk)
    last = others.values_list("rank_key", flat=True).last()
    position = others.count() + 1
    request.rank_key = _key_after(quarter, moving=request, low=last, high=None)
    request.quarter = quarter
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
    quarter = Quarter.locked(request.quarter.pk)
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
    RankingChanged is raised and nothing is written. Writes the moved row, one rank event and
    one outbox event; when the gap is too narrow for a short key, a few neighbours too.
    """
    require(actor, Action.RANK)
    quarter = Quarter.locked(quarter.pk)
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
    new_key = _key_after(quarter, moving=moving, low=low, high=high)
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
    Quarter.locked(quarter.pk)
    following = Quarter.locked(following.pk)
    moving = list(ranked(quarter))
    if not moving:
        return 0
    last = ranked(following).values_list("rank_key", flat=True).last()
    keys = _short_keys(last, None, len(moving))
    if keys is None:  # too long or not well formed: never in practice, since appends step
        ranking_rebalance(quarter=following)
        last = ranked(following).values_list("rank_key", flat=True).last()
        keys = keys_between(last, None, len(moving))
    start = ranked(following).count()
    events = []
    for offset, (request, key) in enumerate(zip(moving, keys, strict=True), start=1):
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
