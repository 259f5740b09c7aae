"""The event outbox: one row per thing that happened, and one per subscriber it reached."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.Model):
    """Something happened that a person or another system may care about.

    Written by a service in its own transaction, so an event exists exactly when its change
    was committed. `quarter_id` and `request_id` name the subjects without foreign keys: the
    outbox sits below the apps that own them, and keeps its history if they are deleted.
    """

    kind = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quarter_id = models.PositiveBigIntegerField(null=True, blank=True)
    request_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)
    # Set once every subscriber has it; until then the sweep keeps trying.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed deliveries so far.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="events_not_dispatched",
            ),
            models.Index(fields=["quarter_id", "id"], name="events_by_quarter"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class Delivery(models.Model):
    """`subscriber` handled `event`: written in the subscriber's own transaction, so a
    delivery and its effects commit together or not at all, and never twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="event_delivered_once_per_subscriber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}"
