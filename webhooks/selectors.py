"""Reads for the webhook pages: the endpoints with their latest delivery, and the log."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Every endpoint, oldest first, with `last_status` and `last_created_at` of its most
    recent delivery: one query however many there are."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-id")
    return (
        WebhookEndpoint.objects.defer("secret")
        .annotate(
            last_status=Subquery(latest.values("status")[:1]),
            last_created_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("id")
    )


def delivery_log(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first (the bodies are left out: the page shows the
    answers, not what was sent)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint).defer("body").order_by("-id")
