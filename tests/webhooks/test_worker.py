"""End to end through Redis and a real Celery worker: an event committed by a domain service
reaches the receiver, signed, once."""

from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook

from accounts.models import Role
from feature_requests.services import request_submit
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create

pytestmark = pytest.mark.celery_worker


def test_it_delivers_a_committed_event_through_the_worker(
    celery_worker, postgres, cast, quarter, receiver, wait_for
):
    endpoint = endpoint_create(
        actor=cast[Role.ADMIN], url=receiver.url, description="", kinds=["request.submitted"]
    )
    # Committed at once (a transactional test): the outbox's task, then the webhook's, run in
    # the worker.
    request = request_submit(
        actor=cast[Role.SALES_REP],
        title="Audit log",
        problem="Auditors need a trail.",
        quarter=quarter,
        deal_links=[],
    )
    assert wait_for(
        lambda: WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).exists()
    )
    [received] = receiver.requests
    message = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert (message["type"], message["data"]["request_id"]) == ("request.submitted", request.pk)
    time.sleep(0.5)  # nothing else arrives
    assert len(receiver.requests) == 1
