"""Events reach a real receiver on 127.0.0.1: signed, retried, once per event, logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from accounts.models import Notification, Role
from events.kinds import Kind
from webhooks import delivery as delivery_module
from webhooks.delivery import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    deliveries_due,
    delivery_attempt,
)
from webhooks.kinds import KIND_LABELS
from webhooks.models import WebhookDelivery
from webhooks.services import delivery_resend, endpoint_create, endpoint_enable

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


def sweep(now: dt.datetime) -> list[str]:
    """What the beat sweep does at `now`, with its task run inline: returns the outcomes."""
    return [
        delivery_attempt(delivery_id=pk, now=now)
        for pk in deliveries_due(now=now, grace=dt.timedelta(0))
    ]


def test_it_sends_a_submitted_request_signed_with_the_endpoints_secret(
    endpoint, receiver, submit, deliver_events
):
    request = submit("Audit log")
    deliver_events()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == Status.PENDING

    assert delivery_attempt(delivery_id=delivery.pk) == Status.SUCCEEDED

    [received] = receiver.requests
    message = Webhook(endpoint.secret).verify(received.body, received.headers)
    assert message["type"] == "request.submitted"
    assert message["data"]["request_id"] == request.pk
    assert message["data"]["payload"]["title"] == "Audit log"
    assert received.headers["webhook-id"] == delivery.message_id
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"] == "Forcerank-Webhooks/1"
    # Anyone without the secret cannot forge it.
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(received.body, received.headers)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code, delivery.last_response_body) == (
        1,
        200,
        "thanks",
    )
    assert delivery.delivered_at is not None and delivery.last_response_ms is not None


def test_it_queues_an_event_only_for_active_endpoints_that_chose_its_kind(
    admin, endpoint, receiver, submit, deliver_events
):
    other = endpoint_create(
        actor=admin, url=receiver.url, description="", kinds=["commitment.shipped"]
    )
    off = endpoint_create(
        actor=admin, url=receiver.url, description="", kinds=["request.submitted"]
    )
    off.is_active = False
    off.save()
    submit()
    deliver_events()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    assert not WebhookDelivery.objects.filter(endpoint__in=[other, off]).exists()


def test_it_retries_a_failing_receiver_until_it_recovers_and_each_event_arrives_once(
    endpoint, receiver, submit, deliver_events
):
    receiver.fail_next(5)  # the first five requests get a 500
    submit("Audit log")
    submit("SSO")
    deliver_events()
    now = timezone.now()
    rounds = 0
    while due := deliveries_due(now=now, grace=dt.timedelta(0)):
        for pk in due:
            delivery_attempt(delivery_id=pk, now=now)
        now += dt.timedelta(hours=1)  # past the next retry of each
        rounds += 1
    assert rounds <= 4

    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint))
    assert [d.status for d in deliveries] == [Status.SUCCEEDED, Status.SUCCEEDED]
    assert sum(d.attempts for d in deliveries) == 7  # five failures, two successes
    # Each event reached the receiver's handler exactly once, with its own webhook-id.
    delivered = [r.headers["webhook-id"] for r in receiver.requests if r.answered == 200]
    assert sorted(delivered) == sorted(d.message_id for d in deliveries)
    assert receiver.processed == delivered
    # Every attempt of a message carried the same body.
    for d in deliveries:
        bodies = {r.body for r in receiver.requests if r.headers["webhook-id"] == d.message_id}
        assert bodies == {d.body.encode()}


def test_it_follows_the_standard_webhooks_retry_schedule(
    endpoint, receiver, submit, deliver_events
):
    receiver.fail_next(2, status=503)
    submit()
    deliver_events()
    delivery = WebhookDelivery.objects.get()
    start = timezone.now()

    assert delivery_attempt(delivery_id=delivery.pk, now=start) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=5)
    assert (delivery.attempts, delivery.last_status_code) == (1, 503)
    assert delivery.last_error == "The receiver answered 503."
    # Not due yet: nothing is sent.
    assert delivery_attempt(delivery_id=delivery.pk, now=start) == "not due"
    assert len(receiver.requests) == 1

    second = start + dt.timedelta(seconds=5)
    assert sweep(second) == [Status.FAILED]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == second + dt.timedelta(minutes=5)
    assert sweep(second + dt.timedelta(minutes=5)) == [Status.SUCCEEDED]
    assert sweep(second + dt.timedelta(days=2)) == []
    assert len(receiver.requests) == 3
    assert sum(RETRY_DELAYS, dt.timedelta()) > dt.timedelta(hours=24)  # about a day


def give_up(delivery_id: int, start: dt.datetime) -> dt.datetime:
    """Run the delivery's whole schedule against a receiver that always fails."""
    now = start
    for _ in range(MAX_ATTEMPTS):
        delivery_attempt(delivery_id=delivery_id, now=now)
        now += dt.timedelta(hours=10)
    return now


def test_it_gives_up_after_a_day_and_turns_the_endpoint_off_after_repeated_give_ups(
    settings, cast, make_user, endpoint, receiver, submit, deliver_events
):
    settings.WEBHOOKS_DISABLE_AFTER = 2
    other_admin = make_user(Role.ADMIN)
    receiver.fail_next(10_000)
    submit("One")
    submit("Two")
    deliver_events()
    first, second = WebhookDelivery.objects.order_by("id")

    now = give_up(first.pk, timezone.now())
    first.refresh_from_db()
    endpoint.refresh_from_db()
    assert (first.status, first.attempts) == (Status.GAVE_UP, MAX_ATTEMPTS)
    assert first.next_attempt_at is None
    assert endpoint.is_active  # one give-up is not enough

    give_up(second.pk, now)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "2 deliveries in a row failed" in endpoint.disabled_reason
    assert len(receiver.requests) == 2 * MAX_ATTEMPTS
    # Each admin is told once; nobody else is.
    for admin in (cast[Role.ADMIN], other_admin):
        [notice] = Notification.objects.filter(user=admin)
        assert "was turned off" in notice.message and endpoint.url in notice.message
        assert notice.url == endpoint.get_absolute_url()
    assert Notification.objects.filter(kind="webhook.disabled").count() == 2

    # Off: new events are not queued for it.
    submit("Three")
    deliver_events()
    assert WebhookDelivery.objects.count() == 2

    # An admin turns it back on; it sends again.
    endpoint_enable(actor=cast[Role.ADMIN], endpoint=endpoint)
    receiver.fail_next(0)
    submit("Four")
    deliver_events()
    assert sweep(timezone.now()) == [Status.SUCCEEDED]


def test_it_counts_give_ups_in_a_row_only(settings, endpoint, receiver, submit, deliver_events):
    settings.WEBHOOKS_DISABLE_AFTER = 2
    receiver.fail_next(MAX_ATTEMPTS)
    submit("Gives up")
    submit("Succeeds")
    deliver_events()
    first, second = WebhookDelivery.objects.order_by("id")
    now = give_up(first.pk, timezone.now())
    assert delivery_attempt(delivery_id=second.pk, now=now) == Status.SUCCEEDED
    endpoint.refresh_from_db()
    assert endpoint.failing_streak == 0 and endpoint.is_active


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside: not an Exception, nothing catches it."""


def test_it_sends_again_with_the_same_id_when_the_worker_dies_after_sending(
    monkeypatch, endpoint, receiver, submit, deliver_events
):
    submit()
    deliver_events()
    delivery = WebhookDelivery.objects.get()
    record = delivery_module.delivery_record
    calls = []

    def dies_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise WorkerKilled
        record(**kwargs)

    monkeypatch.setattr(delivery_module, "delivery_record", dies_once)
    with pytest.raises(WorkerKilled):
        delivery_attempt(delivery_id=delivery.pk)
    # The receiver has the message, but its transaction rolled back: still pending.
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    assert len(receiver.requests) == 1

    # The sweep finds it and sends it again, under the same webhook-id.
    assert sweep(timezone.now() + dt.timedelta(minutes=1)) == [Status.SUCCEEDED]
    assert receiver.ids == [delivery.message_id, delivery.message_id]
    assert receiver.processed == [delivery.message_id]  # the deduping receiver acted once
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 1)


def test_it_resends_the_same_body_under_the_same_id(
    admin, endpoint, receiver, submit, deliver_events
):
    submit()
    deliver_events()
    delivery = WebhookDelivery.objects.get()
    delivery_attempt(delivery_id=delivery.pk)
    delivery_resend(actor=admin, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert delivery_attempt(delivery_id=delivery.pk) == Status.SUCCEEDED
    first, again = receiver.requests
    assert first.body == again.body
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    Webhook(endpoint.secret).verify(again.body, again.headers)


def test_it_keeps_the_first_500_bytes_of_the_answer_and_follows_no_redirect(
    endpoint, receiver, submit, deliver_events
):
    receiver.fail_next(1, status=302)
    receiver.answer_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    receiver.answer_body = "é".encode() * 1000
    submit()
    deliver_events()
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
    assert len(receiver.requests) == 1  # the redirect was not followed
    assert delivery.last_response_body == "é" * 250  # 500 bytes


def test_it_records_a_receiver_that_is_down(endpoint, receiver, submit, deliver_events):
    endpoint.url = "http://127.0.0.1:9/nobody-listens"
    endpoint.save()
    submit()
    deliver_events()
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk) == Status.FAILED
    delivery.refresh_from_db()
    assert delivery.last_status_code is None
    assert "ConnectionError" in delivery.last_error


def test_it_builds_the_body_as_json_of_the_event(endpoint, submit, deliver_events):
    request = submit()
    deliver_events()
    body = json.loads(WebhookDelivery.objects.get().body)
    assert set(body) == {"type", "timestamp", "data"}
    assert set(body["data"]) == {"event_id", "actor_id", "quarter_id", "request_id", "payload"}
    assert body["data"]["actor_id"] == request.submitted_by_id
    assert dt.datetime.fromisoformat(body["timestamp"])


def test_it_offers_every_event_kind_but_the_company_settings():
    assert set(KIND_LABELS) == set(Kind) - {Kind.SETTINGS_CHANGED}
