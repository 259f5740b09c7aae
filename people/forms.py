"""The People page's forms. They parse what was typed; the rules (a rep needs a sales leader
as manager, the last admin stays, an address is used once) are the services' and the model's."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Role, User
from config.forms import form_field, has_visible_text
from people import selectors

MAX_REASON_LENGTH = 1_000


class PersonFilterForm(forms.Form):
    """The list's search and filters, read from the query string; bad values mean "all"."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name or e-mail", "autocomplete": "off"}
        ),
    )
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "All roles"), *Role.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Active and deactivated"),
            (selectors.ACTIVE, "Active"),
            (selectors.INACTIVE, "Deactivated"),
        ],
    )


class PersonForm(forms.Form):
    """Name, role and manager: what an admin may change about a person."""

    full_name = forms.CharField(
        label="Name",
        max_length=150,
        error_messages={
            "required": "Enter the person's name.",
            "max_length": "Keep the name under 150 characters.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        error_messages={"invalid_choice": "Choose one of the roles in the list."},
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="(none)",
        help_text="Sales reps only: the sales leader whose triage queue receives their requests.",
        error_messages={"invalid_choice": "Choose one of the active sales leaders in the list."},
    )

    def __init__(self, *args: Any, current_manager: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "manager", forms.ModelChoiceField).queryset = selectors.manager_choices(
            current=current_manager
        )

    def clean_full_name(self) -> str:
        name: str = self.cleaned_data["full_name"].strip()
        if not has_visible_text(name):
            raise forms.ValidationError("Enter the person's name.")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The manager is asked of reps only; for any other role a chosen one is left out.
        if cleaned.get("role") != Role.SALES_REP:
            cleaned["manager"] = None
        return cleaned


class InviteForm(PersonForm):
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="The invitation goes here; it is also how they sign in.",
        error_messages={
            "required": "Enter the e-mail address to send the invitation to.",
            "invalid": "Enter an e-mail address such as dana@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    field_order = ["full_name", "email", "role", "manager"]


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the audit trail, for example “Left the company on May 31”.",
        error_messages={"max_length": "Keep the reason under 1,000 characters."},
    )
