"""Forms of the request pages. They parse and check input; the services apply the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Role, User
from budgets.models import Quarter
from config.forms import form_field
from feature_requests.models import (
    MAX_COMMENT_LENGTH,
    MAX_ESTIMATE_POINTS,
    MAX_PROBLEM_LENGTH,
    MAX_TITLE_LENGTH,
    Deal,
    FeatureRequest,
    RequestDeal,
)

MAX_DEAL_ROWS = 50


class RequestForm(forms.Form):
    title = forms.CharField(
        max_length=MAX_TITLE_LENGTH,
        error_messages={
            "required": "Give the request a title.",
            "max_length": "Keep the title to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    problem = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_PROBLEM_LENGTH,
        help_text="The customer's problem, in their words: what they cannot do today and why it "
        "matters. Not a solution — engineering will find the best one.",
        error_messages={
            "required": "Describe the customer's problem.",
            "max_length": "Keep the problem to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.none(),
        required=False,
        label="Target quarter",
        empty_label="No particular quarter",
        help_text="When the customer needs it. The sales leader picks the quarter it is ranked in.",
    )

    def __init__(self, *args: Any, quarters: QuerySet[Quarter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "quarter", forms.ModelChoiceField).queryset = quarters


CLOSED_STAGES = (Deal.Stage.CLOSED_WON, Deal.Stage.CLOSED_LOST)


def deals_for(*, user: User, request: FeatureRequest | None = None) -> QuerySet[Deal]:
    """The deals `user` may link: open ones, and for a rep only their own.

    A won or lost deal no longer waits on anything. An edited request keeps its deals on
    offer, even a deal that closed since.
    """
    allowed = ~Q(stage__in=CLOSED_STAGES)
    if user.role == Role.SALES_REP:
        allowed &= Q(owner=user)
    if request is not None:
        allowed |= Q(request_links__request=request)
    return Deal.objects.filter(allowed).distinct().select_related("customer")


class DealLinkForm(forms.Form):
    deal = forms.ModelChoiceField(
        queryset=Deal.objects.none(), required=False, empty_label="— no deal —"
    )
    criticality = forms.ChoiceField(
        choices=RequestDeal.Criticality.choices, initial=RequestDeal.Criticality.IMPORTANT
    )

    def __init__(self, *args: Any, deals: QuerySet[Deal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "deal", forms.ModelChoiceField).queryset = deals


# django-stubs makes these generic in the form or model; Django's take no subscript at runtime.
if TYPE_CHECKING:
    _DealLinkFormSetBase = forms.BaseFormSet[DealLinkForm]
    _RequestChoiceFieldBase = forms.ModelChoiceField[FeatureRequest]
else:
    _DealLinkFormSetBase = forms.BaseFormSet
    _RequestChoiceFieldBase = forms.ModelChoiceField


class BaseDealLinkFormSet(_DealLinkFormSetBase):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            deal = form.cleaned_data.get("deal")
            if deal is None:
                continue
            if deal.pk in seen:
                form.add_error("deal", "This deal is already linked above; link each deal once.")
            seen.add(deal.pk)

    def links(self) -> list[tuple[Deal, str]]:
        """(deal, criticality) for each filled-in row; rows without a deal are left out."""
        return [
            (form.cleaned_data["deal"], form.cleaned_data["criticality"])
            for form in self.forms
            if form.cleaned_data.get("deal") is not None
        ]


DealLinkFormSet = forms.formset_factory(
    DealLinkForm,
    formset=BaseDealLinkFormSet,
    extra=3,
    max_num=MAX_DEAL_ROWS,
    validate_max=True,
    absolute_max=MAX_DEAL_ROWS,
)


def deal_link_formset(
    *, user: User, data: Mapping[str, Any] | None = None, request: FeatureRequest | None = None
) -> BaseDealLinkFormSet:
    initial = None
    if request is not None:
        initial = [
            {"deal": link.deal_id, "criticality": link.criticality}
            for link in request.deal_links.order_by("id")
        ]
    formset = DealLinkFormSet(
        data,
        initial=initial,
        prefix="deals",
        form_kwargs={"deals": deals_for(user=user, request=request)},
    )
    # formset_factory's class subclasses BaseDealLinkFormSet; its stub says BaseFormSet only.
    assert isinstance(formset, BaseDealLinkFormSet)
    return formset


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_COMMENT_LENGTH,
        error_messages={
            "required": "Write something before posting the comment.",
            "max_length": "Keep a comment to %(limit_value)d characters (it has %(show_value)d).",
        },
    )


class AcceptForm(forms.Form):
    quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.none(),
        label="Accept into quarter",
        empty_label=None,
        error_messages={
            "required": "Choose the quarter to rank it in.",
            "invalid_choice": "Choose a quarter that has not ended.",
        },
    )

    def __init__(self, *args: Any, quarters: QuerySet[Quarter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "quarter", forms.ModelChoiceField).queryset = quarters


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the rep sees it)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2_000,
        error_messages={"required": "Say why, so the rep can tell the customer."},
    )


class RequestNumberField(_RequestChoiceFieldBase):
    """A request chosen from a list or typed as its number ("12" or "#12")."""

    def to_python(self, value: Any) -> FeatureRequest | None:
        if isinstance(value, str):
            value = value.strip().removeprefix("#").strip()
        return super().to_python(value)


class MergeForm(forms.Form):
    # Any request validates here; whether it can take a duplicate is the service's rule, which
    # explains itself ("… is declined; merge into a request that is still open").
    keep = RequestNumberField(
        queryset=FeatureRequest.objects.only("id", "title"),
        label="Merge into request",
        error_messages={
            "required": "Choose the request to keep.",
            "invalid_choice": "There is no request with that number.",
        },
    )


class EstimateForm(forms.Form):
    points = forms.IntegerField(
        label="Story points",
        min_value=1,
        max_value=MAX_ESTIMATE_POINTS,
        error_messages={
            "required": "Enter the estimate in story points.",
            "invalid": "Enter a whole number of story points.",
            "min_value": f"An estimate is between 1 and {MAX_ESTIMATE_POINTS:,} story points.",
            "max_value": f"An estimate is between 1 and {MAX_ESTIMATE_POINTS:,} story points.",
        },
    )
