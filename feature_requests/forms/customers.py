from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxValueValidator

from accounts.models import Role, User
from config.forms import form_field
from config.uploads import megabytes
from feature_requests import crm_import
from feature_requests import customers as customer_services
from feature_requests.models import Customer, Deal

# django-stubs makes ModelForm generic in the model; Django's takes no subscript at runtime.
if TYPE_CHECKING:
    _CustomerFormBase = forms.ModelForm[Customer]
    _DealFormBase = forms.ModelForm[Deal]
else:
    _CustomerFormBase = _DealFormBase = forms.ModelForm

MONEY_ERRORS = {
    "invalid": "Enter a whole amount without a currency sign, such as 120000.",
    "min_value": "The amount cannot be negative.",
    "max_value": "That amount is too large.",
    "required": "Enter an amount (0 if there is none yet).",
}
URL_ERRORS = {"invalid": "Enter a web address starting with https://, or leave it empty."}


class DateInput(forms.DateInput):
    input_type = "date"


def crm_url_field() -> forms.URLField:
    # Declared rather than generated so that "crm.example.com/…" gets https:// (Django 6's
    # default, and what a CRM link is), not http://.
    return forms.URLField(
        label="CRM link",
        required=False,
        max_length=200,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        error_messages=URL_ERRORS,
    )


def cap_money(field: forms.IntegerField) -> None:
    """A bigger amount is a typo, and a far bigger one would overflow the column."""
    field.max_value = crm_import.MAX_MONEY
    field.validators.append(MaxValueValidator(crm_import.MAX_MONEY))
    field.widget.attrs["max"] = crm_import.MAX_MONEY


class CustomerForm(_CustomerFormBase):
    crm_url = crm_url_field()

    class Meta:
        model = Customer
        fields = ["name", "segment", "arr", "crm_url"]
        widgets = {
            "arr": forms.NumberInput(attrs={"min": 0, "step": 1}),
        }
        error_messages = {
            "name": {"required": "Enter the customer's name."},
            "arr": MONEY_ERRORS,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap_money(form_field(self, "arr", forms.IntegerField))

    def clean_name(self) -> str:
        name = customer_services.clean_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Enter the customer's name.")
        if customer_services.customer_name_taken(name, exclude_pk=self.instance.pk):
            raise forms.ValidationError("A customer with this name exists already.")
        return name


class DealForm(_DealFormBase):
    """A deal. Reps do not pick an owner: a deal they write down is theirs."""

    crm_url = crm_url_field()

    class Meta:
        model = Deal
        fields = ["customer", "name", "amount", "stage", "expected_close", "owner", "crm_url"]
        widgets = {
            "amount": forms.NumberInput(attrs={"min": 0, "step": 1}),
            "expected_close": DateInput(),
        }
        error_messages = {
            "name": {"required": "Enter the deal's name."},
            "amount": MONEY_ERRORS,
            "expected_close": {"invalid": "Enter a date such as 2026-12-31."},
            "customer": {
                "required": "Choose the customer.",
                "invalid_choice": "Choose one of the customers in the list.",
            },
            "owner": {"invalid_choice": "Choose one of the active sales reps in the list."},
            NON_FIELD_ERRORS: {
                "unique_together": "This customer has a deal with this name already."
            },
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        cap_money(form_field(self, "amount", forms.IntegerField))
        if actor.role == Role.SALES_REP:
            # Not shown, and a forged value is ignored: the owner is the rep (see clean).
            del self.fields["owner"]
        else:
            owners = customer_services.active_reps()
            if self.instance.owner_id:
                # A deal whose rep has left stays editable without reassigning it at once.
                owners = owners | User.objects.filter(pk=self.instance.owner_id)
            form_field(self, "owner", forms.ModelChoiceField).queryset = owners.distinct()

    def clean_name(self) -> str:
        name = customer_services.clean_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Enter the deal's name.")
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()  # a ModelForm's clean returns its cleaned_data
        if "owner" not in self.fields:
            self.cleaned_data["owner"] = (
                self.instance.owner if self.instance.owner_id else self.actor
            )
        return self.cleaned_data


class DealFilterForm(forms.Form):
    """The deal list's filters, read from the query string; bad values mean "all"."""

    stage = forms.ChoiceField(
        required=False,
        choices=[("", "All stages"), ("open", "Open (not closed)"), *Deal.Stage.choices],
    )
    show = forms.ChoiceField(
        required=False, choices=[("mine", "My deals"), ("all", "All deals")], label="Owner"
    )


class CrmImportForm(forms.Form):
    csv_file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 text, at most 2 MB and 5,000 rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose the CSV file to import.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to import.",
        },
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if too_large:
            field = self.fields["csv_file"]
            field.error_messages = {
                **field.error_messages,
                "required": f"The file is larger than {megabytes(crm_import.MAX_IMPORT_BYTES)}. "
                f"Split it into files of at most {crm_import.MAX_IMPORT_ROWS:,} rows.",
            }
