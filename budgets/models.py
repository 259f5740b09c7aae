from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

PLANNING_LOCK_DAYS = 14
MAX_CAPACITY_POINTS = 100_000

percent_validators = [
    MinValueValidator(Decimal("0"), "A percentage cannot be below 0."),
    MaxValueValidator(Decimal("100"), "A percentage cannot be above 100."),
]


def percent_field(default: str, verbose_name: str, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=4,
        decimal_places=1,
        default=Decimal(default),
        validators=percent_validators,
        help_text=help_text,
    )


class Quarter(models.Model):
    """A planning quarter: engineering capacity and the share of it that sales may spend."""

    label = models.CharField(
        max_length=7,
        unique=True,
        validators=[RegexValidator(r"^\d{4}-Q[1-4]$", "Use the form 2026-Q4.")],
        help_text="For example 2026-Q4.",
    )
    start = models.DateField()
    end = models.DateField(help_text="The last day of the quarter.")
    capacity_points = models.PositiveIntegerField(
        "capacity (story points)",
        validators=[
            MinValueValidator(1, "Capacity must be at least 1 story point."),
            MaxValueValidator(MAX_CAPACITY_POINTS, "Capacity cannot exceed 100,000 story points."),
        ],
    )
    sales_share_percent = percent_field(
        "10", "sales share (%)", "The percentage of capacity that sales may spend."
    )
    planning_lock_date = models.DateField(
        blank=True,
        help_text=f"After this date dropping a commitment has a cost. "
        f"Leave empty for the start + {PLANNING_LOCK_DAYS} days.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                name="quarter_ends_after_start", condition=models.Q(end__gt=models.F("start"))
            ),
            models.CheckConstraint(
                name="quarter_capacity_in_range",
                condition=models.Q(
                    capacity_points__gte=1, capacity_points__lte=MAX_CAPACITY_POINTS
                ),
            ),
            models.CheckConstraint(
                name="quarter_share_is_a_percentage",
                condition=models.Q(sales_share_percent__gte=0, sales_share_percent__lte=100),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        if self.planning_lock_date is None and self.start:
            self.planning_lock_date = self.start + dt.timedelta(days=PLANNING_LOCK_DAYS)
        super().save(*args, **kwargs)

    @property
    def sales_budget(self) -> int:
        """floor(capacity × share / 100), in story points."""
        exact = Decimal(self.capacity_points) * Decimal(self.sales_share_percent) / 100
        return int(exact.to_integral_value(rounding=ROUND_FLOOR))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def elapsed_percent(self, today: dt.date) -> int:
        """How much of the quarter has passed on `today`, 0–100."""
        if today < self.start:
            return 0
        if today > self.end:
            return 100
        return round(100 * ((today - self.start).days + 1) / self.days)

    def is_locked(self, today: dt.date) -> bool:
        return today > self.planning_lock_date

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start and self.end:
            if self.end <= self.start:
                errors["end"] = "The end must be after the start."
            else:
                overlapping = Quarter.objects.filter(start__lte=self.end, end__gte=self.start)
                if self.pk:
                    overlapping = overlapping.exclude(pk=self.pk)
                clash = overlapping.first()
                if clash:
                    errors["start"] = (
                        f"These dates overlap {clash.label} ({clash.start} to {clash.end})."
                    )
            if self.start and not self.planning_lock_date:
                self.planning_lock_date = self.start + dt.timedelta(days=PLANNING_LOCK_DAYS)
            if "end" not in errors and not (self.start <= self.planning_lock_date <= self.end):
                errors["planning_lock_date"] = (
                    "The planning lock date must fall within the quarter."
                )
        if errors:
            raise ValidationError(errors)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone, such as Europe/Berlin.")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class CompanySettings(models.Model):
    """The company's settings: one row, always id 1 (`CompanySettings.load()`)."""

    company_name = models.CharField(max_length=120, default="Our company")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    meeting_weekday = models.PositiveSmallIntegerField(
        "weekly review day", choices=Weekday.choices, default=Weekday.MONDAY
    )
    meeting_time = models.TimeField("weekly review time", default=dt.time(9, 0))
    disruption_penalty_percent = percent_field(
        "25",
        "disruption penalty (%)",
        "Charged on a dropped commitment's remaining points after the planning lock date.",
    )
    default_sales_share_percent = percent_field(
        "10", "default sales share (%)", "The sales share a new quarter starts with."
    )
    head_of_sales = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role": "sales_leader"},
        help_text="The VP Sales of the weekly review.",
    )
    head_of_product = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"role": "product_leader"},
        help_text="The VP Product of the weekly review.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "company settings"
        verbose_name_plural = "company settings"
        constraints = [
            models.CheckConstraint(name="company_settings_single_row", condition=models.Q(id=1))
        ]

    def __str__(self) -> str:
        return f"Settings of {self.company_name}"

    @classmethod
    def load(cls) -> CompanySettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> dt.date:
        return timezone.localdate(timezone=self.zone)


class AuditEntry(models.Model):
    """Who changed which budget figure or setting, when, from what to what."""

    class Action(models.TextChoices):
        QUARTER_CREATED = "quarter_created", "created the quarter"
        QUARTER_UPDATED = "quarter_updated", "changed the quarter"
        SETTINGS_UPDATED = "settings_updated", "changed the company settings"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    quarter = models.ForeignKey(
        Quarter, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    changes = models.JSONField(default=dict, help_text='{"field": [old, new]}')

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, old, new) for each changed field, for people to read."""
        model = CompanySettings if self.action == self.Action.SETTINGS_UPDATED else Quarter
        return [
            (str(model._meta.get_field(name).verbose_name), old, new)
            for name, (old, new) in self.changes.items()
        ]


class Commitment(models.Model):
    """Product's promise to build a request this quarter, holding its points of the budget.

    The request's status says where the work stands (committed, in progress, shipped or
    dropped); a dropped commitment keeps its row, with `dropped_at`, for the ledger.
    """

    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="commitments")
    request = models.ForeignKey(
        "feature_requests.FeatureRequest", on_delete=models.PROTECT, related_name="commitments"
    )
    points = models.PositiveIntegerField(help_text="The estimate at approval.")
    points_done = models.PositiveIntegerField(default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    over_budget = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(dropped_at__isnull=True),
                name="one_live_commitment_per_request",
            ),
            models.CheckConstraint(
                name="commitment_points_positive", condition=models.Q(points__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} ({self.points} points, {self.quarter})"

    @property
    def remaining_points(self) -> int:
        return max(self.points - self.points_done, 0)

    def drop_cost(self, *, today: dt.date, penalty_percent: Decimal) -> DropCost:
        """What dropping this commitment on `today` charges the sales budget.

        Free until the planning lock date; after it, the sunk points (points done) plus the
        disruption penalty: `penalty_percent` of the remaining points, rounded up.
        """
        if not self.quarter.is_locked(today):
            return DropCost(sunk=0, penalty=0, locked=False)
        penalty = Decimal(self.remaining_points) * Decimal(penalty_percent) / 100
        return DropCost(
            sunk=self.points_done,
            penalty=int(penalty.to_integral_value(rounding=ROUND_CEILING)),
            locked=True,
        )


@dataclass(frozen=True)
class DropCost:
    sunk: int
    penalty: int
    locked: bool  # after the planning lock date

    @property
    def total(self) -> int:
        return self.sunk + self.penalty


@dataclass(frozen=True)
class DropTerms:
    """What a drop costs depends on: the company's today and its disruption penalty."""

    today: dt.date
    penalty_percent: Decimal

    @classmethod
    def load(cls) -> DropTerms:
        company = CompanySettings.load()
        return cls(today=company.today(), penalty_percent=company.disruption_penalty_percent)

    def cost_of(self, commitment: Commitment) -> DropCost:
        return commitment.drop_cost(today=self.today, penalty_percent=self.penalty_percent)


class ProgressUpdate(models.Model):
    """A PM's report on a commitment: its status and points done at that moment."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="progress_updates"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=20)
    points_done = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.points_done} done ({self.status})"


class SwapProposal(models.Model):
    """A sales leader's proposal to drop one commitment and commit a ranked request instead."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="swaps")
    drop = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="swaps")
    commit = models.ForeignKey(
        "feature_requests.FeatureRequest", on_delete=models.PROTECT, related_name="swaps"
    )
    reason = models.TextField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"Swap {self.drop.request} → {self.commit} ({self.status})"


class LedgerEntry(models.Model):
    """One line of a quarter's budget ledger: a commitment, a drop or a swap, with its cost.

    `cost` is what the entry charges the sales budget beyond commitments' own points: the
    sunk points plus the disruption penalty of a drop after the planning lock date.
    """

    class Kind(models.TextChoices):
        COMMIT = "commit", "Commitment"
        DROP = "drop", "Drop"
        SWAP = "swap", "Swap"

    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    request = models.ForeignKey(
        "feature_requests.FeatureRequest", on_delete=models.PROTECT, related_name="+"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    swap = models.ForeignKey(
        SwapProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.IntegerField(help_text="The commitment's points.")
    sunk_points = models.PositiveIntegerField(default=0)
    penalty_points = models.PositiveIntegerField(default=0)
    cost = models.PositiveIntegerField(
        default=0, help_text="Charged to the sales budget: sunk + penalty."
    )
    over_budget = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.request} ({self.quarter})"


class WeeklyReview(models.Model):
    """The agenda of one week's VP Sales / VP Product meeting: an immutable snapshot.

    One per (quarter, week start) in the database, so retries, two workers or a missed beat
    never make two. `data` holds the eight sections in the shape of `format_version` (see
    budgets/reviews.py); it is written once, when the review is generated.
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

    class Meta:
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
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.item_title}"
