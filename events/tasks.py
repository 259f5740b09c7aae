"""Celery tasks of the outbox: deliver one event now, or sweep up what is still waiting."""

from __future__ import annotations

from celery import shared_task

from events.dispatch import event_dispatch, events_dispatch_pending


@shared_task(acks_late=True)
def dispatch_event(event_id: int) -> bool:
    """Queued when the publishing transaction commits. acks_late: a worker that dies
    mid-way leaves the message for another, and the delivery records make a rerun harmless."""
    return event_dispatch(event_id=event_id)


@shared_task(acks_late=True)
def dispatch_pending() -> int:
    """Run by Celery beat every minute: deliver events whose task never ran or failed."""
    return events_dispatch_pending()
