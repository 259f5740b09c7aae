"""The weekly VP Sales / VP Product review and the minutes of its meeting."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from budgets.models import Quarter


class WeeklyReview(models.Model):
    """The agenda of one week's VP Sales / VP Product meeting: a snapshot of the live data.

    One per (quarter, week start) in the database, so retries, two workers or a missed beat
    never make two. `data` holds the eight sections in the shape of `format_version` (see
    `reviews.snapshot.Snapshot`); it is written when the review is generated and rewritten
    whenever it is refreshed (by a leader, or once at the meeting time), until the review is
    marked held: from then on it never changes.
    """

    FORMAT_VERSION = 1

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="reviews")
    week_start = models.DateField(
        help_text="The Monday of the review's week, in the company's time zone."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    format_version = models.PositiveSmallIntegerField(default=FORMAT_VERSION)
    data = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refresh_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a fresh snapshot of this ready review was asked for; empty once it is "
        "stored, or when the review was held first.",
    )

    class Meta:
        db_table = "budgets_weeklyreview"  # created by the budgets app; kept when the model moved
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "week_start"], name="one_review_per_quarter_week"
            )
        ]

    def __str__(self) -> str:
        return f"Weekly review {self.quarter} week of {self.week_start}"

    def get_absolute_url(self) -> str:
        return f"/reviews/{self.quarter.label}/{self.week_start.isoformat()}/"

    @property
    def is_held(self) -> bool:
        return self.held_at is not None

    @property
    def is_refreshing(self) -> bool:
        """A fresh snapshot was asked for and is not stored yet (nor did the last try fail)."""
        return self.refresh_requested_at is not None and not self.error


class ReviewNote(models.Model):
    """A decision or note recorded in the meeting against one agenda item: the minutes."""

    MAX_LENGTH = 2_000

    class Kind(models.TextChoices):
        DECISION = "decision", "Decision"
        NOTE = "note", "Note"

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="notes")
    item_key = models.CharField(
        max_length=60, help_text='The agenda item, e.g. "request-12" or "swap-3".'
    )
    item_title = models.CharField(max_length=200)
    section = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(max_length=MAX_LENGTH)
    url = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "budgets_reviewnote"  # created by the budgets app; kept when the model moved
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.item_title}"
