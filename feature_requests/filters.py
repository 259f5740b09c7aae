"""Filters and sorting for the pages that list requests, read from the query string.

One form (`RequestFilterForm`) serves the request list, triage, the estimates queue, the board
and the decision queue; each page shows the fields that make sense for it (`PAGE_FIELDS`).
The filters live in the URL, so a filtered page can be shared, bookmarked, saved as a view
(`feature_requests.saved_views`) and reached with the back button.

A bad value (a word where a number goes, a customer segment that does not exist) is shown as
the field's error and that filter is left out; the page still answers, with the rest applied.

Every filter is a condition on the request row itself (deal facts are `Exists` and scalar
subqueries, never joins), so it never multiplies the rows or the ARR the list annotates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.functional import cached_property

from accounts.models import Role, User
from budgets.models import Quarter
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.selectors import CRITICALITY_ORDER

Page = Literal["requests", "triage", "estimates", "board", "decisions"]

DEAL_FIELDS: Final = ("customer", "segment", "rep", "manager", "criticality", "arr_min", "arr_max")
PAGE_FIELDS: Final[dict[Page, tuple[str, ...]]] = {
    "requests": ("quarter", "status", *DEAL_FIELDS, "estimate", "sort"),
    "triage": ("quarter", *DEAL_FIELDS, "estimate", "sort"),
    "estimates": ("quarter", *DEAL_FIELDS),
    # The board and the decision queue are in rank order, of the quarter they are about.
    "board": (*DEAL_FIELDS, "estimate", "side"),
    "decisions": (*DEAL_FIELDS, "estimate", "side"),
}
# Query-string keys a page keeps as they are (not filters): the decision queue's quarter,
# triage's "every submitted request", the estimates' "assigned to me".
KEPT_PARAMS: Final[dict[Page, tuple[str, ...]]] = {
    "decisions": ("quarter",),
    "triage": ("all",),
    "estimates": ("mine",),
}

SORTS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    # key: (label, order_by); the id breaks ties so pages never repeat or skip a row.
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "arr": ("Most ARR at stake", ("-filter_arr", "-id")),
    "title": ("Title, A to Z", ("title", "id")),
}

MAX_CUSTOMER_TEXT = 100
MAX_ARR = 10**12


def _open_links() -> QuerySet[RequestDeal]:
    """The request's links to deals not lost (a lost deal's ARR and criticality no longer
    count, as on the board)."""
    return RequestDeal.objects.filter(request=OuterRef("pk")).exclude(
        deal__stage=Deal.Stage.CLOSED_LOST
    )


def arr_at_stake_expression() -> Coalesce:
    """The request's ARR at stake as a scalar subquery (0 with no open deal)."""
    total = (
        _open_links()
        .order_by()
        .values("request")
        .annotate(total=Sum("deal__amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


class RequestFilterForm(forms.Form):
    quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.order_by("start"),
        to_field_name="label",
        required=False,
        empty_label="Any quarter",
        error_messages={"invalid_choice": "There is no quarter with that label."},
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *FeatureRequest.Status.choices],
        error_messages={"invalid_choice": "That is not a request status."},
    )
    customer = forms.CharField(
        required=False,
        max_length=MAX_CUSTOMER_TEXT,
        strip=True,
        label="Customer",
        error_messages={"max_length": "Type at most %(limit_value)d characters of the name."},
    )
    segment = forms.ChoiceField(
        required=False,
        choices=[("", "Any segment"), *Customer.Segment.choices],
        error_messages={"invalid_choice": "That is not a customer segment."},
    )
    rep = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.SALES_REP).order_by("full_name", "id"),
        required=False,
        empty_label="Any rep",
        label="Submitted by",
        error_messages={"invalid_choice": "There is no sales rep with that number."},
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.SALES_LEADER).order_by("full_name", "id"),
        required=False,
        empty_label="Any manager",
        label="Rep's manager",
        error_messages={"invalid_choice": "There is no sales leader with that number."},
    )
    criticality = forms.ChoiceField(
        required=False,
        choices=[("", "Any criticality"), *((c.value, c.label) for c in CRITICALITY_ORDER)],
        label="Highest criticality",
        error_messages={"invalid_choice": "That is not a criticality."},
    )
    estimate = forms.ChoiceField(
        required=False,
        choices=[("", "With or without"), ("yes", "Estimated"), ("no", "Needs an estimate")],
        label="Estimate",
    )
    arr_min = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ARR,
        label="ARR from ($)",
        error_messages={"invalid": "Enter a whole number of dollars."},
    )
    arr_max = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ARR,
        label="ARR up to ($)",
        error_messages={"invalid": "Enter a whole number of dollars."},
    )
    side = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Both sides"),
            ("above", "Above the cut line"),
            ("below", "Below the cut line"),
        ],
        label="Side of the line",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        label="Sort",
    )

    def __init__(self, data: QueryDict | Mapping[str, Any], *, page: Page) -> None:
        # The ids are prefixed so they never clash with a form elsewhere on the page.
        super().__init__(data, auto_id="filter-%s")
        self.page = page
        for name in list(self.fields):
            if name not in PAGE_FIELDS[page]:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("arr_min"), cleaned.get("arr_max")
        if low is not None and high is not None and low > high:
            self.add_error("arr_max", "The upper ARR bound is below the lower one.")
        return cleaned

    @cached_property
    def criteria(self) -> dict[str, Any]:
        """The valid, non-empty filters (a field in error is left out)."""
        self.is_valid()
        values = getattr(self, "cleaned_data", {})
        return {
            name: value
            for name, value in values.items()
            if name in self.fields and name not in self.errors and value not in (None, "")
        }

    @property
    def active_count(self) -> int:
        """How many filters narrow the list (sorting does not)."""
        return sum(1 for name in self.criteria if name != "sort")

    @property
    def active(self) -> bool:
        return self.active_count > 0

    @property
    def sort_key(self) -> str:
        return str(self.criteria.get("sort", ""))

    def query_string(self) -> str:
        """The applied filters (and the page's kept params), as a query string: what a saved
        view stores and what the pager's links carry."""
        query = QueryDict(mutable=True)
        for name in KEPT_PARAMS.get(self.page, ()):
            if self.data.get(name):
                query[name] = self.data[name]
        for name in self.fields:
            if name in self.criteria:
                query[name] = str(self.data.get(name, "")).strip()
        return query.urlencode()


def requests_filtered(
    requests: QuerySet[FeatureRequest], criteria: Mapping[str, Any]
) -> QuerySet[FeatureRequest]:
    """`requests` narrowed by `criteria` (a `RequestFilterForm.criteria`); "side" is left to
    the board, which alone knows where the cut line falls."""
    conditions = Q()
    if "quarter" in criteria:
        conditions &= Q(quarter=criteria["quarter"])
    if "status" in criteria:
        conditions &= Q(status=criteria["status"])
    if "rep" in criteria:
        conditions &= Q(submitted_by=criteria["rep"])
    if "manager" in criteria:
        conditions &= Q(submitted_by__manager=criteria["manager"])
    if "estimate" in criteria:
        conditions &= Q(estimate_points__isnull=criteria["estimate"] == "no")
    links = RequestDeal.objects.filter(request=OuterRef("pk"))
    if "customer" in criteria:
        conditions &= Q(Exists(links.filter(deal__customer__name__icontains=criteria["customer"])))
    if "segment" in criteria:
        conditions &= Q(Exists(links.filter(deal__customer__segment=criteria["segment"])))
    if "criticality" in criteria:
        # The highest criticality among the open deals is the one asked for: one of them has
        # it and none has a higher one.
        wanted = RequestDeal.Criticality(criteria["criticality"])
        higher = CRITICALITY_ORDER[: CRITICALITY_ORDER.index(wanted)]
        conditions &= Q(Exists(_open_links().filter(criticality=wanted)))
        if higher:
            conditions &= ~Q(Exists(_open_links().filter(criticality__in=higher)))
    requests = requests.filter(conditions)
    if "arr_min" in criteria or "arr_max" in criteria:
        requests = requests.alias(filter_arr=arr_at_stake_expression())
        if "arr_min" in criteria:
            requests = requests.filter(filter_arr__gte=criteria["arr_min"])
        if "arr_max" in criteria:
            requests = requests.filter(filter_arr__lte=criteria["arr_max"])
    return requests


def requests_sorted(
    requests: QuerySet[FeatureRequest], sort: str, *, default: str = "newest"
) -> QuerySet[FeatureRequest]:
    key = sort if sort in SORTS else default
    if key == "arr":
        requests = requests.alias(filter_arr=arr_at_stake_expression())
    return requests.order_by(*SORTS[key][1])
