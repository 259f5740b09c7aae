"""Publishing an event: a row in the caller's transaction, delivered after it commits."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction

from events.kinds import Kind
from events.models import Event
from events.tasks import dispatch_event

if TYPE_CHECKING:
    # The stubs' name for settings.AUTH_USER_MODEL: events sits below the app that defines it.
    from django.contrib.auth.models import _User

logger = logging.getLogger(__name__)


def _send(event_id: int) -> None:
    try:
        dispatch_event.delay(event_id)
    except Exception:  # the broker is down: the beat sweep delivers it later
        logger.warning("Event #%s not queued; the sweep will deliver it", event_id, exc_info=True)


def publish(
    kind: Kind,
    *,
    actor: _User | None = None,
    quarter_id: int | None = None,
    request_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Record that `kind` happened, as part of the caller's transaction.

    Call it inside the transaction that makes the change: the event then exists exactly when
    the change does. Its subscribers hear of it after the commit, once each.
    """
    event = Event.objects.create(
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        quarter_id=quarter_id,
        request_id=request_id,
        payload=payload or {},
    )
    transaction.on_commit(lambda: _send(event.pk))
    return event
