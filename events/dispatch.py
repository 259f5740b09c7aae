"""Delivering events to their subscribers: each once, after the change committed.

Two routes lead here, and either may run first or both at once: the task queued when the
publishing transaction commits, and the sweep that Celery beat runs every minute for
whatever that task never delivered (the broker was down, a worker died mid-way). A
subscriber's work and its Delivery row commit together under the event's row lock, so the
second route finds the delivery made and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.models import Delivery, Event
from events.registry import Subscriber, subscribers_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # after this many failed deliveries an event waits for a person (admin)
SWEEP_BATCH = 500


def _deliver(event_id: int, subscriber: Subscriber) -> bool:
    """Run one subscriber for one event unless it ran already; True when it is delivered."""
    with transaction.atomic():
        # The row lock makes concurrent dispatchers of this event take turns.
        event = Event.objects.select_for_update().get(pk=event_id)
        if Delivery.objects.filter(event=event, subscriber=subscriber.name).exists():
            return True
        subscriber.handler(event)
        Delivery.objects.create(event=event, subscriber=subscriber.name)
        return True


def event_dispatch(*, event_id: int) -> bool:
    """Deliver the event to every subscriber that does not have it yet.

    Returns True when all have it (the event is then marked dispatched). A subscriber that
    fails is logged and counted; the others still get the event, and the sweep tries the
    failed one again later.
    """
    event = Event.objects.filter(pk=event_id).only("kind", "dispatched_at").first()
    if event is None or event.dispatched_at is not None:
        return True
    failed = False
    for subscriber in subscribers_for(event.kind):
        try:
            _deliver(event_id, subscriber)
        except Exception as error:  # one subscriber's bug must not stop the rest
            failed = True
            logger.exception("Event #%s (%s) failed in %s", event_id, event.kind, subscriber.name)
            Event.objects.filter(pk=event_id).update(
                attempts=F("attempts") + 1, last_error=f"{subscriber.name}: {error!r}"[:2000]
            )
    if failed:
        return False
    Event.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True


def events_pending(
    *, now: dt.datetime | None = None, grace: dt.timedelta | None = None
) -> list[int]:
    """Ids of committed events that are not yet delivered everywhere, oldest first.

    Events younger than `grace` (EVENTS_SWEEP_GRACE_SECONDS) are left to the task queued at
    their commit, so the sweep rarely races it (a race would be harmless, only wasted work).
    """
    now = now or timezone.now()
    if grace is None:
        grace = dt.timedelta(seconds=settings.EVENTS_SWEEP_GRACE_SECONDS)
    return list(
        Event.objects.filter(
            dispatched_at__isnull=True, at__lte=now - grace, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("id")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )


def events_dispatch_pending(*, grace: dt.timedelta | None = None) -> int:
    """Deliver every event that is still waiting; returns how many were fully delivered."""
    return sum(event_dispatch(event_id=pk) for pk in events_pending(grace=grace))
