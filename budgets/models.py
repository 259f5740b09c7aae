from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.expressions import Combinable
from django.utils import timezone

PLANNING_LOCK_DAYS = 14
MAX_CAPACITY_POINTS = 100_000
# Quarters are planned in this century: a year far outside it is a typo, and one near 9999
# would run the budget's week series past the last date Python can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2100

percent_validators = [
    MinValueValidator(Decimal("0"), "A percentage cannot be below 0."),
    MaxValueValidator(Decimal("100"), "A percentage cannot be above 100."),
]


def percent_field(
    default: str, verbose_name: str, help_text: str = ""
) -> models.DecimalField[str | float | Decimal | Combinable, Decimal]:
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.planning_lock_date is None and self.start:
            self.planning_lock_date = self.start + dt.timedelta(days=PLANNING_LOCK_DAYS)
        super().save(*args, **kwargs)

    @classmethod
    def locked(cls, pk: int) -> Quarter:
        """The quarter's row, locked until the transaction ends. Every write to its ranking
        or to what its budget holds takes this lock first, so they apply one at a time."""
        return cls.objects.select_for_update().get(pk=pk)

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
        # The label's format is its field's validator; its year is checked here.
        if self.label and self.label[:4].isdigit() and not _in_years(int(self.label[:4])):
            errors["label"] = f"Use a year from {FIRST_YEAR} to {LAST_YEAR}, such as 2026-Q4."
        for name in ("start", "end"):
            day = getattr(self, name)
            if day and not _in_years(day.year):
                errors[name] = f"Use a date from {FIRST_YEAR} to {LAST_YEAR}."
        if self.start and self.end and not errors.keys() & {"start", "end"}:
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


def _in_years(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


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
    """Who changed which budget figure, setting or person, when, from what to what."""

    class Action(models.TextChoices):
        QUARTER_CREATED = "quarter_created", "created the quarter"
        QUARTER_UPDATED = "quarter_updated", "changed the quarter"
        SETTINGS_UPDATED = "settings_updated", "changed the company settings"
        # People and sign-in (the people app): `person` is who it was about.
        PERSON_INVITED = "person_invited", "invited"
        PERSON_PROVISIONED = "person_provisioned", "signed in for the first time with SSO"
        PERSON_UPDATED = "person_updated", "changed"
        PERSON_DEACTIVATED = "person_deactivated", "deactivated"
        PERSON_REACTIVATED = "person_reactivated", "reactivated"
        SIGN_IN_SETTINGS_UPDATED = "sign_in_updated", "changed the sign-in settings"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    quarter = models.ForeignKey(
        Quarter, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="The person a people change was about.",
    )
    changes = models.JSONField(default=dict, help_text='{"field": [old, new]}')
    reason = models.TextField(
        blank=True, help_text="Why, when the change needed one (a budget below what it holds)."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, old, new) for each changed field, for people to read."""
        model: type[models.Model]
        if self.action == self.Action.SETTINGS_UPDATED:
            model = CompanySettings
        elif self.person_id is not None:
            model = get_user_model()
        else:
            model = Quarter
        return [(_verbose_name(model, name), old, new) for name, (old, new) in self.changes.items()]


def _verbose_name(model: type[models.Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    # Only a model's own fields are audited; a reverse relation has no verbose name.
    return str(field.verbose_name) if isinstance(field, models.Field) else name
