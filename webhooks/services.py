"""What admins do to webhooks: register, change, turn off and on, delete endpoints; rotate
their secret; send a test message; resend a delivery."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from webhooks.addresses import check_url
from webhooks.delivery import message_body, queue_delivery
from webhooks.kinds import KIND_LABELS, TEST_KIND
from webhooks.models import WebhookDelivery, WebhookEndpoint, new_secret


def _clean(*, url: str, description: str, kinds: Iterable[str]) -> tuple[str, str, list[str]]:
    url, description = url.strip(), description.strip()
    chosen = set(kinds)
    if unknown := chosen - set(KIND_LABELS):
        raise ValidationError({"kinds": f"Unknown event kinds: {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"kinds": "Choose at least one kind of event to send."})
    check_url(url)
    # Stored in the form's order, so the page lists them as the form does.
    return url, description, [kind for kind in KIND_LABELS if kind in chosen]


@transaction.atomic
def endpoint_create(
    *, actor: User, url: str, description: str, kinds: Iterable[str]
) -> WebhookEndpoint:
    """Register an endpoint with a new signing secret; it receives events from now on."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    url, description, chosen = _clean(url=url, description=description, kinds=kinds)
    return WebhookEndpoint.objects.create(
        url=url, description=description, kinds=chosen, created_by=actor
    )


@transaction.atomic
def endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, url: str, description: str, kinds: Iterable[str]
) -> WebhookEndpoint:
    """Change where an endpoint is and what it receives; messages already queued keep
    their bodies and go to the new URL."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    url, description, chosen = _clean(url=url, description=description, kinds=kinds)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.url, endpoint.description, endpoint.kinds = url, description, chosen
    endpoint.save(update_fields=["url", "description", "kinds"])
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret, at once: attempts from now on are signed with it (the old one
    stops working, so update the receiver right after)."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


@transaction.atomic
def endpoint_disable(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending: new events are not queued for it, and what waits stays waiting."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise ValidationError("This endpoint is off already.")
    endpoint.is_active, endpoint.disabled_at = False, timezone.now()
    endpoint.disabled_reason = f"Turned off by {actor.full_name or actor.email}."
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    return endpoint


@transaction.atomic
def endpoint_enable(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send again: new events are queued, and deliveries still waiting go out with the next
    sweep (within a minute). Its count of failures in a row starts over."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active:
        raise ValidationError("This endpoint is on already.")
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
    endpoint.failing_streak = 0
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "failing_streak"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


@transaction.atomic
def endpoint_send_test(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` message to the endpoint (on or off: checking a receiver before
    turning it back on is what the button is for)."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    now = timezone.now()
    body = message_body(
        kind=TEST_KIND,
        at=now,
        data={"message": "A test event from Forcerank.", "sent_by_id": actor.pk},
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, kind=TEST_KIND, body=body, next_attempt_at=now
    )
    queue_delivery(delivery.pk)
    return delivery


@transaction.atomic
def delivery_resend(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery again, at once, with the same body and webhook-id, and a full retry
    schedule. (A receiver that already has the message ignores it by its webhook-id.)"""
    require(actor, Action.MANAGE_INTEGRATIONS)
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    locked.status, locked.attempts, locked.next_attempt_at = (
        WebhookDelivery.Status.PENDING,
        0,
        timezone.now(),
    )
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    queue_delivery(locked.pk)
    return locked
