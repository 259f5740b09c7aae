"""Celery tasks of the webhooks: one delivery attempt, and the sweep beat runs every minute."""

from __future__ import annotations

from celery import shared_task

from webhooks.delivery import deliveries_queue_due, delivery_attempt


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one delivery, if it is due. acks_late: a worker that dies mid-way
    leaves the message for another; the attempt's transaction rolled back with it, so the
    delivery is still pending and is sent again under the same webhook-id."""
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(acks_late=True)
def deliver_due_webhooks() -> int:
    """Run by Celery beat every minute: queue the retries that are due and the deliveries
    whose task was lost."""
    return deliveries_queue_due()
