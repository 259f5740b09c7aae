from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Any

from django import forms

from budgets.models import FIRST_YEAR, LAST_YEAR, CompanySettings, Quarter
from config.forms import form_field

# django-stubs makes ModelForm generic in the model; Django's takes no subscript at runtime.
if TYPE_CHECKING:
    _QuarterFormBase = forms.ModelForm[Quarter]
    _CompanySettingsFormBase = forms.ModelForm[CompanySettings]
else:
    _QuarterFormBase = _CompanySettingsFormBase = forms.ModelForm


class DateInput(forms.DateInput):
    input_type = "date"


# The date pickers offer only the years a quarter may fall in (Quarter.clean says so too).
QUARTER_DAYS = {"min": f"{FIRST_YEAR}-01-01", "max": f"{LAST_YEAR}-12-31"}


class QuarterForm(_QuarterFormBase):
    class Meta:
        model = Quarter
        fields = [
            "label",
            "start",
            "end",
            "capacity_points",
            "sales_share_percent",
            "planning_lock_date",
        ]
        widgets = {
            "label": forms.TextInput(attrs={"placeholder": "2026-Q4", "autocomplete": "off"}),
            "start": DateInput(attrs=QUARTER_DAYS),
            "end": DateInput(attrs=QUARTER_DAYS),
            "planning_lock_date": DateInput(attrs=QUARTER_DAYS),
            "capacity_points": forms.NumberInput(attrs={"min": 1, "max": 100_000, "step": 1}),
            "sales_share_percent": forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.1"}),
        }
        error_messages = {
            "label": {"unique": "A quarter with this label exists already."},
            "capacity_points": {
                "invalid": "Enter a whole number of story points, such as 400.",
                # The form field's own floor (0, from PositiveIntegerField) speaks first for -5.
                "min_value": "Capacity must be at least 1 story point.",
            },
            "sales_share_percent": {
                "invalid": "Enter a percentage such as 10 or 12.5.",
                "max_decimal_places": "Use at most one decimal, such as 12.5.",
                "max_digits": "A percentage cannot be above 100.",
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PositiveIntegerField offers min=0 to the browser; the rule is at least 1.
        self.fields["capacity_points"].widget.attrs["min"] = 1


class QuarterEditForm(QuarterForm):
    """The quarter form when editing: it asks for a reason when the change leaves the sales
    budget below what the quarter already holds (`ask_reason`, once the service said so)."""

    below_spent_reason = forms.CharField(
        label="Reason for going below what is committed",
        required=False,
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the quarter's history; the head of sales is told.",
        error_messages={"max_length": "Keep the reason under 1,000 characters."},
    )

    def __init__(self, *args: Any, ask_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_reason and not self.data.get("below_spent_reason"):
            self.fields["below_spent_reason"].widget = forms.HiddenInput()


class CompanySettingsForm(_CompanySettingsFormBase):
    time_zone = forms.ChoiceField(choices=[])

    class Meta:
        model = CompanySettings
        fields = [
            "company_name",
            "time_zone",
            "meeting_weekday",
            "meeting_time",
            "disruption_penalty_percent",
            "default_sales_share_percent",
            "head_of_sales",
            "head_of_product",
        ]
        widgets = {
            "meeting_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "disruption_penalty_percent": forms.NumberInput(
                attrs={"min": 0, "max": 100, "step": "0.1"}
            ),
            "default_sales_share_percent": forms.NumberInput(
                attrs={"min": 0, "max": 100, "step": "0.1"}
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "time_zone", forms.ChoiceField).choices = [
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]
