"""The endpoint form: where to send, a description, which kinds of event."""

from __future__ import annotations

from django import forms

from webhooks.kinds import KIND_CHOICES


class EndpointForm(forms.Form):
    # A plain CharField: the scheme and the address are checked by the service (any scheme
    # typed gets the "http and https only" message rather than a generic one).
    url = forms.CharField(
        label="URL",
        max_length=2000,
        help_text="Where Forcerank POSTs each event, e.g. https://hooks.example.com/forcerank.",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )
    description = forms.CharField(
        label="Description", max_length=200, required=False, help_text="What receives it."
    )
    kinds = forms.MultipleChoiceField(
        label="Events to send",
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of event to send."},
    )
