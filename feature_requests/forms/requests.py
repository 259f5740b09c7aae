"""Forms of the request pages. They parse and check input; the services apply the rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.functional import cached_property

from accounts.models import Role, User
from budgets.models import Quarter
from config.forms import form_field, has_visible_text
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


# The deal picker offers this many matches; typing more narrows them.
DEAL_PICK_LIMIT = 20
MAX_DEAL_QUERY_LENGTH = 100
DEAL_NOT_OFFERED = (
    "This deal cannot be linked here: pick one of the open deals the search offers "
    "(a rep links only their own)."
)
DEAL_NOT_PICKED = "Pick a deal from the matches, or empty this field to skip the row."
TOO_MANY_DEAL_ROWS = (
    "A request links at most %(num)d deals. Only the first %(num)d rows are kept below: "
    "check them and save again."
)


def deals_matching(*, user: User, text: str, limit: int) -> list[Deal]:
    """Up to `limit` of the deals `user` may link whose name or customer's name contains
    `text` (any case), by customer then deal name. The label the picker shows ("Acme:
    Renewal") matches too, so a picked deal's text finds the deal again."""
    matches = Q(name__icontains=text) | Q(customer__name__icontains=text) | Q(label__icontains=text)
    deals = deals_for(user=user).annotate(label=Concat("customer__name", Value(": "), "name"))
    return list(deals.filter(matches).order_by("customer__name", "name", "pk")[:limit])


class DealSearchForm(forms.Form):
    """What the deal picker's search box sends."""

    q = forms.CharField(
        required=False,
        max_length=MAX_DEAL_QUERY_LENGTH,
        error_messages={
            "max_length": "Search with at most %(limit_value)d characters (this has "
            "%(show_value)d): part of the deal's or the customer's name is enough."
        },
    )

    def clean_q(self) -> str:
        text: str = self.cleaned_data["q"]
        # Only invisible characters: nothing to look for, as with an empty box.
        return text if has_visible_text(text) else ""


def _deal_id(value: object) -> int | None:
    """The deal id in a submitted value, or None for anything that cannot be one."""
    text = str(value).strip() if value is not None else ""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


class DealPickField(forms.Field):
    """A deal chosen in the picker, posted as its id from a hidden input.

    It resolves ids against `offered`, the deals the formset looked up in one query for every
    row: a row never queries on its own. An id that is not offered (closed, another rep's,
    unknown or forged) is a form error.
    """

    widget = forms.HiddenInput(attrs={"data-deal-id": ""})
    default_error_messages = {"invalid_choice": DEAL_NOT_OFFERED}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered: Mapping[int, Deal] = {}

    def to_python(self, value: Any) -> Deal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        deal = self.offered.get(_deal_id(value) or 0)
        if deal is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return deal

    def has_changed(self, initial: Any, data: Any) -> bool:
        # As typed: a blank extra row is unchanged (and skipped), a forged one is checked.
        return str(initial or "").strip() != str(data or "").strip()


class DealLinkForm(forms.Form):
    deal = DealPickField(required=False)
    # The picker's text box: what was typed, or the picked deal's name. Only checked to catch a
    # row where something was typed but no deal picked, so nothing is dropped silently.
    search = forms.CharField(required=False, max_length=1_000, label="Deal")
    criticality = forms.ChoiceField(
        choices=RequestDeal.Criticality.choices, initial=RequestDeal.Criticality.IMPORTANT
    )

    def __init__(self, *args: Any, offered: Mapping[int, Deal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "deal", DealPickField).offered = offered
        self.offered = offered

    @property
    def picked_deal(self) -> Deal | None:
        """The deal this row shows as chosen (submitted or saved), if it may be linked."""
        value = self["deal"].value()
        return self.offered.get(_deal_id(value) or 0)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        typed = has_visible_text(cleaned.get("search", ""))
        if typed and cleaned.get("deal") is None and "deal" not in self.errors:
            self.add_error("deal", DEAL_NOT_PICKED)
        return cleaned


# django-stubs makes these generic in the form or model; Django's take no subscript at runtime.
if TYPE_CHECKING:
    _DealLinkFormSetBase = forms.BaseFormSet[DealLinkForm]
    _RequestChoiceFieldBase = forms.ModelChoiceField[FeatureRequest]
else:
    _DealLinkFormSetBase = forms.BaseFormSet
    _RequestChoiceFieldBase = forms.ModelChoiceField


class BaseDealLinkFormSet(_DealLinkFormSetBase):
    default_error_messages = {"too_many_forms": TOO_MANY_DEAL_ROWS}

    def __init__(self, *args: Any, deals: QuerySet[Deal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deals = deals

    @cached_property
    def offered(self) -> dict[int, Deal]:
        """The deals the rows name (submitted, or saved when editing) that may be linked,
        by id: one query for all the rows, none when no row names a deal."""
        if self.is_bound:
            values = [
                self.data.get(f"{self.add_prefix(index)}-deal")
                for index in range(self.total_form_count())
            ]
        else:
            values = [row.get("deal") for row in self.initial or []]
        ids = {deal_id for deal_id in map(_deal_id, values) if deal_id is not None}
        if not ids:
            return {}
        return {deal.pk: deal for deal in self.deals.filter(pk__in=ids)}

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return super().get_form_kwargs(index) | {"offered": self.offered}

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


# formset_factory's class subclasses BaseDealLinkFormSet; its stub says BaseFormSet only.
DealLinkFormSet = cast(
    "type[BaseDealLinkFormSet]",
    forms.formset_factory(
        DealLinkForm,
        formset=BaseDealLinkFormSet,
        extra=3,
        max_num=MAX_DEAL_ROWS,
        validate_max=True,
        absolute_max=MAX_DEAL_ROWS,
    ),
)


def linkable_deal(*, user: User, value: object) -> Deal | None:
    """The deal whose id `value` is (a query string's `?deal=`), if `user` may link it to a
    new request; None for anything else, malformed or not: one query at most."""
    deal_id = _deal_id(value)
    if deal_id is None:
        return None
    return deals_for(user=user).filter(pk=deal_id).first()


def deal_link_formset(
    *,
    user: User,
    data: Mapping[str, Any] | None = None,
    request: FeatureRequest | None = None,
    deal: Deal | None = None,
) -> BaseDealLinkFormSet:
    """The deal rows of the request form: the edited request's links, or for a new request
    `deal` picked in the first row (from `linkable_deal`)."""
    initial = None
    if request is not None:
        initial = [
            {"deal": link.deal_id, "criticality": link.criticality}
            for link in request.deal_links.order_by("id")
        ]
    elif deal is not None:
        initial = [{"deal": deal.pk}]
    return DealLinkFormSet(
        data, initial=initial, prefix="deals", deals=deals_for(user=user, request=request)
    )


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

    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Owning product manager",
        required=False,
        empty_label="Nobody yet",
        error_messages={"invalid_choice": "Choose an active product manager."},
    )

    def __init__(self, *args: Any, quarters: QuerySet[Quarter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "quarter", forms.ModelChoiceField).queryset = quarters
        form_field(self, "owner", forms.ModelChoiceField).queryset = _active_pms()


def _active_pms() -> QuerySet[User]:
    return User.objects.filter(role=Role.PRODUCT_MANAGER, is_active=True).order_by(
        "full_name", "id"
    )


class OwnerForm(forms.Form):
    """A request page's owner form (product leaders): a PM, or nobody."""

    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Owning product manager",
        required=False,
        empty_label="Nobody",
        error_messages={"invalid_choice": "Choose an active product manager."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "owner", forms.ModelChoiceField).queryset = _active_pms()


BULK_TRIAGE_LIMIT = 200  # a page holds 50; more is not a person clicking


def _request_id(value: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit()):  # int() also takes "１" and "1_0"
        raise ValueError(value)
    number = int(value)
    if not 1 <= number < 2**31:  # beyond any id, and beyond what the database takes
        raise ValueError(value)
    return number


class _RequestIdsField(forms.TypedMultipleChoiceField):
    """Request numbers as ticked on the page; which exist is the view's question."""

    def valid_value(self, value: Any) -> bool:
        return True


class BulkTriageForm(AcceptForm):
    """Triage's bulk action: the checked requests, accepted into a quarter or declined."""

    action = forms.ChoiceField(
        choices=[("accept", "Accept"), ("decline", "Decline")],
        error_messages={
            "required": "Choose accept or decline.",
            "invalid_choice": "Choose accept or decline.",
        },
    )
    requests = _RequestIdsField(
        coerce=_request_id,
        error_messages={
            "required": "Tick the requests to triage first.",
            "invalid_choice": "That is not a request number.",
        },
    )
    reason = forms.CharField(max_length=2_000, required=False, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quarter = form_field(self, "quarter", forms.ModelChoiceField)
        quarter.required = False

    def clean_requests(self) -> list[int]:
        ids: list[int] = self.cleaned_data["requests"]
        if len(ids) > BULK_TRIAGE_LIMIT:
            raise ValidationError(f"Triage at most {BULK_TRIAGE_LIMIT} requests at once.")
        return list(dict.fromkeys(ids))

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("action") == "accept" and not data.get("quarter"):
            self.add_error("quarter", "Choose the quarter to accept into.")
        if data.get("action") == "decline" and not has_visible_text(data.get("reason", "")):
            self.add_error("reason", "Say why, so the reps can tell their customers.")
        return data


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
