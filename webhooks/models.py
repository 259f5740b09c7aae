"""Webhook endpoints that admins register, and each message sent (or to send) to them."""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from events.models import Event

SECRET_BYTES = 24  # the Standard Webhooks spec asks for 24 to 64 random bytes


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    """The `webhook-id` of a new message: unique, and the same for every attempt of it."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """A receiver of signed webhooks: where to send, which event kinds, and the secret.

    The secret must be stored to sign with, so it stays out of `__str__`, lists and logs: it
    is shown only on the endpoint's own page.
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    kinds = models.JSONField(default=list, help_text="The event kinds it receives.")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Deliveries in a row that gave up (reset by any success): at WEBHOOKS_DISABLE_AFTER the
    # endpoint is turned off.
    failing_streak = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:endpoint_detail", args=[self.pk])


class WebhookDelivery(models.Model):
    """One message to one endpoint: an event of a kind it chose, or a test. Its body is built
    once and kept, so every attempt and every resend sends the same bytes under the same
    `webhook-id`, by which receivers recognise a message they already have."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Gave up"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Empty for a test message ("Send a test event"), which has no event behind it.
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_id = models.CharField(max_length=64, unique=True, default=new_message_id)
    kind = models.CharField(max_length=64)
    body = models.TextField(help_text="The JSON body exactly as sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_queued_once_per_endpoint_and_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "failed"]),
                name="webhook_deliveries_waiting",
            ),
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} → endpoint #{self.endpoint_id}"
