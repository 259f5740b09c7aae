"""Who hears which kind of event. Apps register their subscribers in `AppConfig.ready`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from events.kinds import Kind
from events.models import Event

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Subscriber:
    name: str  # recorded on each Delivery: keep it stable once events were delivered
    kinds: frozenset[Kind]
    handler: Handler


_subscribers: dict[str, Subscriber] = {}


def subscribe(*kinds: Kind, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function to run once for every committed event of `kinds`.

    It runs in a transaction of its own, together with the record of its delivery: if it
    raises, neither stays, and the event is offered again later. So it must only write to
    the database (or queue work after commit); anything it does is done exactly once.
    """

    def register(handler: Handler) -> Handler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        existing = _subscribers.get(key)
        if existing is not None and existing.handler is not handler:
            raise ValueError(f"Two event subscribers are named {key!r}.")
        _subscribers[key] = Subscriber(name=key, kinds=frozenset(kinds), handler=handler)
        return handler

    return register


def subscribers_for(kind: str) -> list[Subscriber]:
    return sorted(
        (subscriber for subscriber in _subscribers.values() if kind in subscriber.kinds),
        key=lambda subscriber: subscriber.name,
    )


def all_subscribers() -> list[Subscriber]:
    return sorted(_subscribers.values(), key=lambda subscriber: subscriber.name)
