"""Sending webhook messages: signed (Standard Webhooks), retried for about a day, logged.

Each attempt runs inside one transaction that holds the delivery's row lock, HTTP call
included. So two workers (the task queued at commit and the beat sweep) never send the same
message at once: the second skips the locked row, or finds it delivered. The price is that
a worker that dies after the receiver got the message, but before the result was committed,
leaves the delivery pending: it is sent again later with the same `webhook-id`, which the
receiver uses to ignore what it already has (the spec asks receivers to do so). That is the
"at least once" every webhook sender gives; it never loses a message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from math import floor
from typing import Any

import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks import Webhook

from accounts.models import Role, User
from accounts.notifications import notify
from config.celery import QueueUnavailable, app, enqueue
from webhooks.addresses import check_url
from webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver_webhook"
USER_AGENT = "Forcerank-Webhooks/1"
TIMEOUT_SECONDS = 10
RESPONSE_EXCERPT_BYTES = 500
# The Standard Webhooks schedule: the first attempt at once, then these waits between
# attempts (27½ hours in all); after the last one the delivery gives up.
RETRY_DELAYS = [
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Retries due this soon get a task of their own with a countdown; later ones are left to
# the beat sweep (every minute), so no task waits in Redis for hours.
COUNTDOWN_LIMIT = dt.timedelta(minutes=5)
# The sweep leaves deliveries that fell due this recently to the task queued for them.
SWEEP_GRACE = dt.timedelta(seconds=30)
SWEEP_BATCH = 500

Status = WebhookDelivery.Status


def message_body(*, kind: str, at: dt.datetime, data: dict[str, Any]) -> str:
    """The JSON body of a message, built once: `{"type", "timestamp", "data"}`."""
    return json.dumps(
        {"type": kind, "timestamp": at.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def queue_delivery(delivery_id: int) -> None:
    """Queue the delivery's task once the surrounding transaction commits. If the broker is
    down the delivery stays pending and the beat sweep sends it."""

    def send() -> None:
        try:
            enqueue(DELIVER_TASK, delivery_id)
        except QueueUnavailable:
            logger.warning("Webhook delivery #%s not queued; the sweep sends it", delivery_id)

    transaction.on_commit(send)


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    ms: int
    body: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(*, secret: str, message_id: str, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt, signed now (receivers refuse a
    timestamp more than five minutes off, so every attempt is signed afresh)."""
    now = dt.datetime.now(dt.UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
    }


def _excerpt(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL; the excerpt is for people to read.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> AttemptResult:
    """POST the message once. Never raises for what the network or the receiver does."""
    try:
        check_url(endpoint.url)  # again: the host's DNS may point elsewhere since registration
    except ValidationError as error:
        return AttemptResult(None, 0, "", "Refused: " + " ".join(error.messages))
    headers = signed_headers(
        secret=endpoint.secret, message_id=delivery.message_id, body=delivery.body
    )
    started = time.monotonic()
    try:
        with requests.post(
            endpoint.url,
            data=delivery.body.encode("utf-8"),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,  # a redirect could lead past the address check
            stream=True,  # read only the first bytes of whatever the receiver answers
        ) as response:
            # The first chunk only (requests already read a redirect's whole body).
            excerpt = next(response.iter_content(chunk_size=RESPONSE_EXCERPT_BYTES), b"")
            status_code = response.status_code
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        ms = round((time.monotonic() - started) * 1000)
        return AttemptResult(None, ms, "", f"{type(error).__name__}: {error}"[:500])
    ms = round((time.monotonic() - started) * 1000)
    problem = "" if 200 <= status_code < 300 else f"The receiver answered {status_code}."
    return AttemptResult(status_code, ms, _excerpt(excerpt), problem)


def delivery_record(*, delivery: WebhookDelivery, result: AttemptResult, now: dt.datetime) -> None:
    """Store what one attempt gave and what comes next: delivered, a retry, or giving up.

    Call inside the attempt's transaction, holding the delivery's row lock.
    """
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    delivery.last_response_ms = result.ms
    delivery.last_response_body = result.body
    delivery.last_error = result.error
    if result.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Status.SUCCEEDED,
            now,
            None,
        )
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = Status.GAVE_UP, None
    else:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "last_response_ms",
            "last_response_body",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if result.ok:
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, failing_streak__gt=0).update(
            failing_streak=0
        )
    elif delivery.status == Status.GAVE_UP:
        _count_give_up(delivery.endpoint_id, now)


def _count_give_up(endpoint_id: int, now: dt.datetime) -> None:
    """One more delivery in a row gave up: at WEBHOOKS_DISABLE_AFTER the endpoint is turned
    off and every admin is told (once: only the delivery that turns it off tells them)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.failing_streak += 1
    endpoint.save(update_fields=["failing_streak"])
    if not endpoint.is_active or endpoint.failing_streak < settings.WEBHOOKS_DISABLE_AFTER:
        return
    endpoint.is_active, endpoint.disabled_at = False, now
    endpoint.disabled_reason = (
        f"Turned off automatically: {endpoint.failing_streak} deliveries in a row failed for "
        "about a day each."
    )
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    notify(
        users=User.objects.filter(role=Role.ADMIN, is_active=True),
        message=f"The webhook to {endpoint.url} was turned off: {endpoint.failing_streak} "
        "deliveries in a row failed. Fix the receiver, then turn it back on.",
        url=endpoint.get_absolute_url(),
        kind="webhook.disabled",
    )


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Make the delivery's next attempt if it is due; returns its status afterwards, or why
    nothing was done ("busy": another worker holds it; "not due"; "endpoint off")."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "busy"  # or deleted with its endpoint
        now = now or timezone.now()
        if delivery.status in (Status.SUCCEEDED, Status.GAVE_UP):
            return str(delivery.status)
        if not delivery.endpoint.is_active and delivery.event_id is not None:
            # Events wait while it is off (turning it on sends them); a test message goes,
            # since checking a receiver before turning it on again is what it is for.
            return "endpoint off"
        if delivery.next_attempt_at is None or delivery.next_attempt_at > now:
            return "not due"
        result = _post(delivery.endpoint, delivery)
        delivery_record(delivery=delivery, result=result, now=now)
        if delivery.status == Status.FAILED and delivery.next_attempt_at is not None:
            wait = delivery.next_attempt_at - now
            if wait <= COUNTDOWN_LIMIT:
                transaction.on_commit(lambda: _retry_later(delivery_id, wait))
        return str(delivery.status)


def _retry_later(delivery_id: int, wait: dt.timedelta) -> None:
    try:
        app.signature(DELIVER_TASK, args=(delivery_id,)).apply_async(countdown=wait.total_seconds())
    except Exception:  # the broker is down: the sweep retries it
        logger.warning("Retry of webhook delivery #%s not queued", delivery_id, exc_info=True)


def deliveries_due(
    *, now: dt.datetime | None = None, grace: dt.timedelta = SWEEP_GRACE
) -> list[int]:
    """Ids of deliveries waiting for an attempt that is due (for longer than `grace`, so the
    task queued for it goes first), oldest first: events to active endpoints, and tests."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status__in=[Status.PENDING, Status.FAILED],
            next_attempt_at__lte=now - grace,
        )
        .filter(Q(endpoint__is_active=True) | Q(event__isnull=True))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )


def deliveries_queue_due(*, now: dt.datetime | None = None) -> int:
    """Queue a task for every delivery that is due (beat, every minute): retries whose time
    came, and deliveries whose task was lost (broker down, worker killed). Returns how many."""
    due = deliveries_due(now=now)
    for delivery_id in due:
        try:
            enqueue(DELIVER_TASK, delivery_id)
        except QueueUnavailable:
            logger.warning("Webhook sweep stopped: the queue is unreachable")
            return 0
    return len(due)
