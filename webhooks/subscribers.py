"""Events of the outbox become webhook messages, one per endpoint that chose their kind.

Registered in `WebhooksConfig.ready`. The subscriber runs once per committed event, in the
outbox's transaction: it only writes the delivery rows and queues their tasks after commit,
so an event is queued once per endpoint whatever happens (the rows are unique per endpoint
and event too).
"""

from __future__ import annotations

from events.kinds import Kind
from events.models import Event
from events.registry import subscribe
from webhooks.delivery import message_body, queue_delivery
from webhooks.kinds import KIND_LABELS
from webhooks.models import WebhookDelivery, WebhookEndpoint


def event_data(event: Event) -> dict[str, object]:
    """What a message says about its event, beyond its type and time."""
    return {
        "event_id": event.pk,
        "actor_id": event.actor_id,
        "quarter_id": event.quarter_id,
        "request_id": event.request_id,
        "payload": event.payload,
    }


@subscribe(*(Kind(kind) for kind in KIND_LABELS), name="webhooks.subscribers.queue_webhooks")
def queue_webhooks(event: Event) -> None:
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).only("id", "kinds")
        if event.kind in endpoint.kinds
    ]
    if not endpoints:
        return
    body = message_body(kind=event.kind, at=event.at, data=event_data(event))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, kind=event.kind, body=body)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        queue_delivery(delivery.pk)
