"""Customers, deals, feature requests, and the records of what happened to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django.utils import timezone

MAX_TITLE_LENGTH = 140
MAX_ESTIMATE_POINTS = 1_000
MAX_PROBLEM_LENGTH = 5_000
MAX_COMMENT_LENGTH = 5_000
MAX_EXTERNAL_ID_LENGTH = 100

_ST = TypeVar("_ST", contravariant=True)  # what a field accepts
_GT = TypeVar("_GT", covariant=True)  # what it gives back


class Customer(models.Model):
    class Segment(models.TextChoices):
        SMB = "smb", "SMB"
        MID_MARKET = "mid_market", "Mid-market"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200, unique=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.MID_MARKET)
    arr = models.PositiveBigIntegerField(
        "ARR", default=0, help_text="Annual recurring revenue, in whole currency units."
    )
    crm_url = models.URLField("CRM link", blank=True)
    # The CRM's id for the customer (an API upsert or a sync keys on it); None until known.
    external_id = models.CharField(
        "CRM id", max_length=MAX_EXTERNAL_ID_LENGTH, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deal(models.Model):
    class Stage(models.TextChoices):
        DISCOVERY = "discovery", "Discovery"
        EVALUATION = "evaluation", "Evaluation"
        NEGOTIATION = "negotiation", "Negotiation"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    name = models.CharField(max_length=200)
    amount = models.PositiveBigIntegerField(
        "amount (ARR)", help_text="The deal's annual recurring revenue."
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.DISCOVERY)
    expected_close = models.DateField("expected close date", null=True, blank=True)
    # When the deal entered a closed stage (None while it is open): which quarter's revenue
    # it counts in. Set by `feature_requests.customers.closed_at_after` on every stage write.
    closed_at = models.DateTimeField("closed at", null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deals",
        limit_choices_to={"role": "sales_rep"},
        help_text="The rep who owns the deal.",
    )
    crm_url = models.URLField("CRM link", blank=True)
    external_id = models.CharField(
        "CRM id", max_length=MAX_EXTERNAL_ID_LENGTH, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "name"], name="deal_name_unique_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer.name}: {self.name}"

    @property
    def is_open(self) -> bool:
        return self.stage not in (self.Stage.CLOSED_WON, self.Stage.CLOSED_LOST)


if TYPE_CHECKING:
    # The stubs' CharField is generic; at run time it cannot be subscripted.
    class _CharField(models.CharField[_ST, _GT]):
        pass
else:

    class _CharField(models.CharField, Generic[_ST, _GT]):
        pass


class ByteOrderCharField(_CharField[_ST, _GT]):
    """A CharField that keeps its `db_collation` on PostgreSQL only.

    The rank key asks for "C" (byte order). SQLite has no collation of that name, and its
    default, BINARY, already compares bytes; so elsewhere the column keeps the default.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        params = super().db_parameters(connection)
        if connection.vendor != "postgresql":
            params["collation"] = None
        return params


class FeatureRequest(models.Model):
    """A customer problem that sales wants engineering to solve, and where it stands."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        RANKED = "ranked", "Ranked"
        DECLINED_BY_SALES = "declined_by_sales", "Declined by sales"
        MERGED = "merged", "Merged"
        COMMITTED = "committed", "Committed"
        DECLINED = "declined", "Declined"
        DEFERRED = "deferred", "Deferred"
        IN_PROGRESS = "in_progress", "In progress"
        SHIPPED = "shipped", "Shipped"
        DROPPED = "dropped", "Dropped"

    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    problem = models.TextField(
        max_length=MAX_PROBLEM_LENGTH,
        help_text="The customer's problem, in their words: what they cannot do today and why it matters. Not a solution.",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_requests"
    )
    quarter = models.ForeignKey(
        "budgets.Quarter",
        on_delete=models.PROTECT,
        related_name="requests",
        null=True,
        blank=True,
        verbose_name="target quarter",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    # The position in the quarter's ranking: a fractional key (see feature_requests.ranking).
    # Set while the request is ranked; null otherwise (NULLs do not clash in the unique key).
    # Compared byte by byte, as Python compares the keys: a locale would mix up "Z" and "a".
    rank_key = ByteOrderCharField(
        max_length=64, null=True, blank=True, editable=False, db_collation="C"
    )
    carried_over = models.BooleanField(
        default=False, help_text="Carried over from an earlier quarter's ranking."
    )
    estimate_points = models.PositiveIntegerField(
        "estimate (story points)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ESTIMATE_POINTS)],
    )
    estimated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    estimated_at = models.DateTimeField(null=True, blank=True)
    # The product manager who owns the request ("assigned to me"): set in triage or by
    # product leaders; empty until someone is chosen.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_requests",
        verbose_name="owning product manager",
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    decline_reason = models.TextField(blank=True)
    deals = models.ManyToManyField(Deal, through="RequestDeal", related_name="requests")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not columns: set on the rows of the triage queue and the estimate queue for their
    # templates, by the views that render them.
    default_quarter_id: int | None  # the quarter the accept form offers first
    estimate_error: str  # why the estimate just entered was refused
    estimate_value: str  # the estimate as entered, shown again with the error
    just_estimated: bool
    similar: list[FeatureRequest]  # the triage card's merge candidates

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "rank_key"], name="rank_key_unique_per_quarter"
            ),
            models.CheckConstraint(
                name="ranked_requests_have_a_key",
                condition=~models.Q(status="ranked")
                | models.Q(rank_key__isnull=False, quarter__isnull=False),
            ),
            models.CheckConstraint(
                name="estimate_in_range",
                condition=models.Q(estimate_points__isnull=True)
                | models.Q(estimate_points__gte=1, estimate_points__lte=MAX_ESTIMATE_POINTS),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return request_url(self.pk)


def request_url(pk: int) -> str:
    """A request's page, by id: what notices and the review link to."""
    return reverse("requests:request_detail", args=[pk])


class RequestDeal(models.Model):
    """A deal behind a request, and how much the deal depends on it."""

    class Criticality(models.TextChoices):
        BLOCKER = "blocker", "Blocker"
        IMPORTANT = "important", "Important"
        NICE_TO_HAVE = "nice_to_have", "Nice to have"

    request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="deal_links")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="request_links")
    criticality = models.CharField(
        max_length=20, choices=Criticality.choices, default=Criticality.IMPORTANT
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "deal"], name="deal_linked_once_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.deal} ({self.get_criticality_display()})"


class StatusChange(models.Model):
    """A request's status history: who moved it from what to what, when and why."""

    request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=FeatureRequest.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FeatureRequest.Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request}: {self.from_status or 'new'} → {self.to_status}"


class Estimate(models.Model):
    """Every estimate a request was given; the request keeps the latest."""

    request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="estimates")
    points = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ESTIMATE_POINTS)]
    )
    estimated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request}: {self.points} points"


class Comment(models.Model):
    request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=MAX_COMMENT_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.request}"


class RankEvent(models.Model):
    """One change to a quarter's ranking: a request added, moved or removed.

    The newest event's id is the ranking's version: a move made from a board that shows an
    older version is refused as stale.
    """

    class Kind(models.TextChoices):
        ADDED = "added", "added"
        MOVED = "moved", "moved"
        REMOVED = "removed", "removed"

    quarter = models.ForeignKey(
        "budgets.Quarter", on_delete=models.CASCADE, related_name="rank_events"
    )
    request = models.ForeignKey(
        FeatureRequest, on_delete=models.CASCADE, related_name="rank_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_position = models.PositiveIntegerField(null=True, blank=True)
    new_position = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["quarter", "-id"], name="rank_events_newest_first")]

    def __str__(self) -> str:
        return f"{self.request} {self.kind} {self.old_position} → {self.new_position}"


MAX_VIEW_NAME_LENGTH = 80
MAX_VIEW_QUERY_LENGTH = 1_000


class SavedView(models.Model):
    """A named set of filters on one of the request pages (`feature_requests.filters`).

    `query` is the page's filter query string as the filter form wrote it, never raw input;
    for the board, `quarter` is the quarter it was saved on (the board's URL names one).
    A shared view is offered to the owner's team: the sales team or the product team.
    """

    class Page(models.TextChoices):
        REQUESTS = "requests", "Requests"
        TRIAGE = "triage", "Triage"
        ESTIMATES = "estimates", "Estimates"
        BOARD = "board", "Ranking board"
        DECISIONS = "decisions", "Decisions"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(max_length=20, choices=Page.choices)
    name = models.CharField(max_length=MAX_VIEW_NAME_LENGTH)
    query = models.CharField(max_length=MAX_VIEW_QUERY_LENGTH, blank=True)
    quarter = models.ForeignKey(
        "budgets.Quarter", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Set by the pages that list views (feature_requests.saved_views.saved_view_url).
    url: str

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"], name="saved_view_name_unique_per_page"
            )
        ]
        indexes = [models.Index(fields=["shared", "page"], name="saved_views_shared")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_page_display()})"
