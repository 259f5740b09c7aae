"""Reads about feature requests, for the pages that show them.

Each list is one query whatever its length: deal counts and ARR are annotated, the people and
quarters shown are joined, never fetched per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, Sum, Value, When

from accounts.models import Role, User
from budgets.models import Quarter
from feature_requests.models import (
    Comment,
    Deal,
    Estimate,
    FeatureRequest,
    RankEvent,
    RequestDeal,
    StatusChange,
)

# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------

Status = FeatureRequest.Status

# A lost deal's ARR is no longer at stake.
ARR_AT_STAKE = Sum(
    "deal_links__deal__amount", filter=~Q(deal_links__deal__stage=Deal.Stage.CLOSED_LOST)
)
# Requests another request can still be merged into.
MERGE_TARGET_STATUSES = (
    Status.SUBMITTED,
    Status.RANKED,
    Status.COMMITTED,
    Status.DEFERRED,
    Status.IN_PROGRESS,
)


Criticality = RequestDeal.Criticality
# Highest first; a lost deal's criticality no longer counts, as its ARR does not.
CRITICALITY_ORDER = (Criticality.BLOCKER, Criticality.IMPORTANT, Criticality.NICE_TO_HAVE)
# The rank (0 = blocker) of the highest criticality among a request's open deals; the board
# and triage both show it.
TOP_CRITICALITY_RANK = Min(
    Case(
        *(
            When(deal_links__criticality=value, then=Value(rank))
            for rank, value in enumerate(CRITICALITY_ORDER)
        ),
        output_field=IntegerField(),
    ),
    filter=~Q(deal_links__deal__stage=Deal.Stage.CLOSED_LOST),
)


def with_triage_figures(requests: QuerySet[FeatureRequest]) -> QuerySet[FeatureRequest]:
    """Deal count, ARR at stake and `top_criticality`, the label of the highest criticality
    among the open linked deals ("" if none), in the same query as the rows."""
    return (
        _with_deal_figures(requests)
        .annotate(criticality_rank=TOP_CRITICALITY_RANK)
        .annotate(
            top_criticality=Case(
                *(
                    When(criticality_rank=rank, then=Value(value.label))
                    for rank, value in enumerate(CRITICALITY_ORDER)
                ),
                default=Value(""),
            )
        )
    )


def _with_deal_figures(requests: QuerySet[FeatureRequest]) -> QuerySet[FeatureRequest]:
    """Annotate `deal_count` and `arr` (ARR at stake) in the same query as the rows."""
    return requests.annotate(deal_count=Count("deal_links", distinct=True), arr=ARR_AT_STAKE)


def request_list_for(*, user: User) -> QuerySet[FeatureRequest]:
    """Newest first. A rep sees the requests they submitted; everyone else sees them all."""
    requests = FeatureRequest.objects.select_related("submitted_by", "quarter")
    if user.role == Role.SALES_REP:
        requests = requests.filter(submitted_by=user)
    return _with_deal_figures(requests).order_by("-created_at", "-id")


def triage_queue_for(*, leader: User, everyone: bool = False) -> QuerySet[FeatureRequest]:
    """Submitted requests waiting for a sales leader, oldest first.

    By default those of the leader's own reps (and their own); `everyone` shows all of them.
    """
    requests = FeatureRequest.objects.filter(status=Status.SUBMITTED).select_related(
        "submitted_by", "quarter", "owner"
    )
    if not everyone:
        requests = requests.filter(Q(submitted_by__manager=leader) | Q(submitted_by=leader))
    return with_triage_figures(requests).order_by("created_at", "id")


def merge_candidates(*, exclude: FeatureRequest | None = None) -> QuerySet[FeatureRequest]:
    """Open requests a duplicate may be merged into, newest first (id and title only)."""
    requests = FeatureRequest.objects.filter(status__in=MERGE_TARGET_STATUSES).only("id", "title")
    if exclude is not None:
        requests = requests.exclude(pk=exclude.pk)
    return requests.order_by("-created_at", "-id")


def product_managers_active() -> QuerySet[User]:
    """Who may own a request: the active product managers, by name."""
    return User.objects.filter(role=Role.PRODUCT_MANAGER, is_active=True).order_by(
        "full_name", "id"
    )


def quarters_open(*, today: dt.date, keep: Quarter | None = None) -> QuerySet[Quarter]:
    """Quarters that have not ended: the ones a request can target or be accepted into.

    `keep` stays on offer even if it has ended: an edited request may keep its target.
    """
    condition = Q(end__gte=today)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return Quarter.objects.filter(condition).order_by("start")


# The estimate queue's sections, most pressing first.
ON_BOARD, SUBMITTED_SECTION, ESTIMATED = 0, 1, 2
ESTIMATE_SECTIONS = {
    ON_BOARD: "On the board, needs an estimate",
    SUBMITTED_SECTION: "Submitted, not triaged yet",
    ESTIMATED: "Already estimated, most recent first",
}
_ESTIMATE_SECTION = Case(
    When(estimate_points__isnull=False, then=Value(ESTIMATED)),
    When(status=Status.RANKED, then=Value(ON_BOARD)),
    default=Value(SUBMITTED_SECTION),
    output_field=IntegerField(),
)


def _estimate_candidates(owner: User | None) -> QuerySet[FeatureRequest]:
    requests = FeatureRequest.objects.filter(status__in=(Status.RANKED, Status.SUBMITTED))
    return requests if owner is None else requests.filter(owner=owner)


def estimate_queue(*, owner: User | None = None) -> QuerySet[FeatureRequest]:
    """What product managers should estimate, most pressing first, each row with its
    `section`: ranked requests without an estimate (the board cannot weigh them) in quarter
    and rank order, then submitted ones oldest first, then those already estimated, newest
    estimate first (for re-estimates). One query; page it.

    `owner`: only the requests that product manager owns ("assigned to me").
    """
    requests = _with_deal_figures(
        _estimate_candidates(owner).select_related("quarter", "estimated_by", "submitted_by")
    ).annotate(section=_ESTIMATE_SECTION)

    def within(section: int, field: str) -> Case:
        return Case(When(section=section, then=F(field)))

    return requests.order_by(
        "section",
        within(ON_BOARD, "quarter__start").asc(),
        within(ON_BOARD, "rank_key").asc(),
        within(SUBMITTED_SECTION, "created_at").asc(),
        within(ESTIMATED, "estimated_at").desc(),
        "id",
    )


def estimate_queue_counts(requests: QuerySet[FeatureRequest]) -> dict[int, int]:
    """How many of `requests` (the estimate queue, filtered) each section holds; one query."""
    counts = dict.fromkeys(ESTIMATE_SECTIONS, 0)
    rows = (
        FeatureRequest.objects.filter(pk__in=requests.values("pk"))
        .annotate(section=_ESTIMATE_SECTION)
        .order_by()
        .values_list("section")
        .annotate(count=Count("id"))
    )
    counts.update(dict(rows))
    return counts


def estimates_needed_count() -> int:
    """Ranked requests without an estimate: they cannot be weighed against the budget."""
    return FeatureRequest.objects.filter(status=Status.RANKED, estimate_points__isnull=True).count()


def owned_open_count(*, owner: User) -> int:
    """Requests a product manager owns that are still open (submitted, ranked or committed
    and not yet shipped): the dashboard's "assigned to you"."""
    return FeatureRequest.objects.filter(
        owner=owner,
        status__in=(Status.SUBMITTED, Status.RANKED, Status.COMMITTED, Status.IN_PROGRESS),
    ).count()


def estimate_row(*, pk: int) -> FeatureRequest:
    """One row of the estimate queue, with the same annotations as the queue."""
    return (
        _with_deal_figures(
            FeatureRequest.objects.select_related("quarter", "estimated_by", "submitted_by")
        )
        .annotate(section=_ESTIMATE_SECTION)
        .get(pk=pk)
    )


@dataclass
class RequestDetail:
    request: FeatureRequest
    deal_links: list[RequestDeal]
    status_changes: list[StatusChange]
    estimates: list[Estimate]
    rank_events: list[RankEvent]
    comments: list[Comment]
    duplicates: list[FeatureRequest]

    @property
    def arr_at_stake(self) -> int:
        return sum(
            link.deal.amount
            for link in self.deal_links
            if link.deal.stage != Deal.Stage.CLOSED_LOST
        )


def request_detail(*, request: FeatureRequest) -> RequestDetail:
    """Everything the request page shows, one query per section."""
    return RequestDetail(
        request=request,
        deal_links=list(
            request.deal_links.select_related("deal__customer").order_by(
                "deal__customer__name", "deal__name"
            )
        ),
        status_changes=list(request.status_changes.select_related("actor")),
        estimates=list(request.estimates.select_related("estimated_by").order_by("-at", "-id")),
        rank_events=list(request.rank_events.select_related("actor", "quarter").order_by("-id")),
        comments=list(request.comments.select_related("author")),
        duplicates=list(request.duplicates.order_by("id").only("id", "title")),
    )


def request_for_page(*, pk: int) -> FeatureRequest:
    """The request with the people and quarter its page names (DoesNotExist if unknown)."""
    return FeatureRequest.objects.select_related(
        "submitted_by", "quarter", "estimated_by", "duplicate_of", "owner"
    ).get(pk=pk)
