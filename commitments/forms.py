"""Forms of the decision pages: they parse what was posted; the services decide.

The hidden `expected_*` fields carry the number the user read on the page (an estimate, a
drop cost). They are required: an approval or a drop that does not say which number it
agreed to is refused rather than applied to whatever the number is now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from budgets.models import Quarter
from commitments.models import Commitment
from commitments.services import MAX_POINTS_DONE, PROGRESS_STATUSES
from feature_requests.models import FeatureRequest

REASON_MAX = 2_000
STALE_PAGE = "The page did not say which {what} you saw. Reload it and try again."


def reason_field(label: str, required_message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": required_message,
            "max_length": f"Keep it under {REASON_MAX:,} characters.",
        },
    )


def expected_field(what: str) -> forms.IntegerField:
    message = STALE_PAGE.format(what=what)
    return forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={"required": message, "invalid": message, "min_value": message},
    )


class OverrideFields(forms.Form):
    override = forms.BooleanField(label="Over-budget override", required=False)
    override_reason = forms.CharField(
        label="Override reason",
        required=False,  # the service asks for it only when the override is needed
        max_length=REASON_MAX,
        error_messages={"max_length": f"Keep it under {REASON_MAX:,} characters."},
    )


class ApproveForm(OverrideFields):
    expected_points = expected_field("estimate")


class DeclineForm(forms.Form):
    reason = reason_field(
        "Decline, because (sales sees it)", "Give sales the reason for declining."
    )


class DeferForm(forms.Form):
    to_quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.all(),  # the service refuses one that is not later
        label="Defer to",
        error_messages={
            "required": "Choose the quarter to defer to.",
            "invalid_choice": "Choose one of the later quarters in the list.",
        },
    )


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(status.value, status.label) for status in PROGRESS_STATUSES],
        error_messages={
            "required": "Choose committed, in progress or shipped.",
            "invalid_choice": "Choose committed, in progress or shipped.",
        },
    )
    points_done = forms.IntegerField(
        label="Points done",
        min_value=0,
        max_value=MAX_POINTS_DONE,
        error_messages={
            "required": "Enter the points done so far (0 if none).",
            "invalid": "Points done must be a whole number, such as 3.",
            "min_value": "Points done cannot be negative.",
            "max_value": f"Points done must be a whole number from 0 to {MAX_POINTS_DONE:,}.",
        },
    )


class DropForm(forms.Form):
    reason = reason_field("Why drop it?", "Give the reason for dropping the commitment.")
    expected_cost = expected_field("cost")


class SwapForm(forms.Form):
    """Drop one live commitment, commit one ranked, estimated request of the same quarter.

    The choices are the quarter's candidates, labelled with their points and the drop's cost
    today; a forged id from elsewhere is an invalid choice.
    """

    drop = forms.TypedChoiceField(
        coerce=int,
        label="Drop this commitment",
        error_messages={
            "required": "Choose the commitment to drop.",
            "invalid_choice": "Choose one of the live commitments in the list.",
        },
    )
    commit = forms.TypedChoiceField(
        coerce=int,
        label="Commit this request instead",
        error_messages={
            "required": "Choose the request to commit instead.",
            "invalid_choice": "Choose one of the ranked, estimated requests in the list.",
        },
    )
    reason = reason_field("Why is the swap worth its cost?", "Say why the swap is worth its cost.")

    def __init__(
        self,
        *args: Any,
        drops: Iterable[Commitment],
        commits: Iterable[FeatureRequest],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.drops = {commitment.pk: commitment for commitment in drops}
        self.commits = {request.pk: request for request in commits}
        # `fields` holds the declared fields above, by name.
        drop_field = cast(forms.TypedChoiceField, self.fields["drop"])
        commit_field = cast(forms.TypedChoiceField, self.fields["commit"])
        drop_field.choices = [("", "Choose a commitment")] + [
            (pk, drop_label(commitment)) for pk, commitment in self.drops.items()
        ]
        commit_field.choices = [("", "Choose a request")] + [
            (pk, f"{request.title} — {request.estimate_points} points")
            for pk, request in self.commits.items()
        ]

    def clean_drop(self) -> Commitment:
        return self.drops[self.cleaned_data["drop"]]

    def clean_commit(self) -> FeatureRequest:
        return self.commits[self.cleaned_data["commit"]]


def drop_label(commitment: Commitment) -> str:
    """ "Title — 8 points, 4 done; dropping costs 5 now" (needs `.cost` set on the commitment)."""
    cost = commitment.cost.total
    return (
        f"{commitment.request.title} — {commitment.points} points, {commitment.points_done} done; "
        f"dropping costs {cost} point{'s' if cost != 1 else ''} now"
    )


class SwapApproveForm(OverrideFields):
    expected_cost = expected_field("cost")
    expected_points = expected_field("estimate")


class SwapRejectForm(forms.Form):
    note = reason_field("Reject, because (sales sees it)", "Tell sales why the swap is rejected.")
