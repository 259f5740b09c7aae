"""Commitments of a quarter's sales budget, their progress, drops, swaps and the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from budgets.models import CompanySettings, Quarter

if TYPE_CHECKING:
    from config.forms import RowFailure


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
        db_table = "budgets_commitment"  # created by the budgets app; kept when the model moved
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

    # Not fields: set on the commitments a page shows, for its template. `cost` is what
    # dropping it would cost today (commitments.decision_selectors); `failure` a refused
    # action on its row (commitments.views.decisions).
    cost: DropCost
    failure: RowFailure

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
        db_table = "budgets_progressupdate"  # created by the budgets app; kept when the model moved
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
        db_table = "budgets_swapproposal"  # created by the budgets app; kept when the model moved
        ordering = ["-proposed_at", "-id"]

    # Not a field: set on the pending swaps the decision queue shows, what dropping its
    # commitment would cost today (commitments.decision_selectors).
    cost: DropCost

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
        db_table = "budgets_ledgerentry"  # created by the budgets app; kept when the model moved
        ordering = ["-at", "-id"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.request} ({self.quarter})"


class CutLineWatch(models.Model):
    """What the cut line of a quarter looked like when product leaders were last told.

    `order` is the ranking as replayed from the quarter's rank events up to `rank_event_id`;
    `proposed` the estimated requests above the line then (None: not known yet, taken as it
    is now without telling anyone). Following the cut line compares against these under the
    quarter's row lock, so each crossing is announced once however the events arrive.
    """

    quarter = models.OneToOneField(
        Quarter, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    rank_event_id = models.PositiveBigIntegerField(default=0)
    order = models.JSONField(default=list, blank=True)
    proposed = models.JSONField(default=list, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cut line of {self.quarter_id} after rank event {self.rank_event_id}"
