"""The form that saves a request page's filters as a named view."""

from __future__ import annotations

from django import forms

from budgets.models import Quarter
from feature_requests.models import MAX_VIEW_NAME_LENGTH, MAX_VIEW_QUERY_LENGTH, SavedView


class SavedViewForm(forms.Form):
    name = forms.CharField(
        max_length=MAX_VIEW_NAME_LENGTH,
        label="View name",
        error_messages={
            "required": "Give the view a name.",
            "max_length": "Keep the name to %(limit_value)d characters (it has %(show_value)d).",
        },
    )
    page = forms.ChoiceField(
        choices=SavedView.Page.choices,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Views can be saved on the request pages only."},
    )
    query = forms.CharField(
        required=False,
        max_length=MAX_VIEW_QUERY_LENGTH,
        widget=forms.HiddenInput,
        error_messages={"max_length": "These filters are too long to save."},
    )
    quarter = forms.ModelChoiceField(
        queryset=Quarter.objects.all(),
        to_field_name="label",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That quarter no longer exists."},
    )
    shared = forms.BooleanField(required=False, label="Share with my team")
