"""Two workers taking the same delivery at once (the task queued at commit and the beat
sweep): PostgreSQL's row lock lets one send; the other skips it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from webhooks.delivery import delivery_attempt, message_body
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create


@pytest.mark.usefixtures("transactional_db", "postgres")
def test_it_sends_once_when_two_workers_take_the_same_delivery_at_once(
    cast, receiver, run_together
):
    endpoint = endpoint_create(
        actor=cast[Role.ADMIN], url=receiver.url, description="", kinds=["request.submitted"]
    )
    # Made directly, so that no task queued at commit sends it first.
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        kind="webhook.test",
        body=message_body(kind="webhook.test", at=timezone.now(), data={}),
    )
    receiver.answer_delay = 0.5  # the first worker is still sending when the second looks
    outcomes = run_together(
        lambda: delivery_attempt(delivery_id=delivery.pk),
        lambda: delivery_attempt(delivery_id=delivery.pk),
    )
    assert sorted(outcomes) == ["busy", WebhookDelivery.Status.SUCCEEDED]
    assert receiver.ids == [delivery.message_id]
