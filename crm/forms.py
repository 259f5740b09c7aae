"""The CRM mapping form: which fields hold ARR, segment and the "Forcerank status", each CRM
stage's Forcerank stage, the default owner of deals, and write-back on or off."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from accounts.models import Role, User
from crm.models import CrmSettings
from feature_requests.models import Deal

NOT_MAPPED = ("", "Not mapped: won/lost from the CRM, else unchanged")


class CrmFieldName(forms.CharField):
    """A CRM field's API name (HubSpot `arr`, Salesforce `ARR__c`), or empty for none."""

    def __init__(self, *, label: str, help_text: str) -> None:
        super().__init__(
            label=label,
            max_length=100,
            required=False,
            help_text="The field's API name (internal name), as the CRM's API knows it. "
            + help_text,
            validators=[
                RegexValidator(
                    r"\A[A-Za-z][A-Za-z0-9_]*\Z",
                    "Give the field's API name: letters, digits and _ only.",
                )
            ],
        )


class CrmSettingsForm(forms.Form):
    arr_field = CrmFieldName(
        label="ARR field (company/account)", help_text="Empty: Forcerank's ARR is kept."
    )
    segment_field = CrmFieldName(
        label="Segment field (company/account)",
        help_text="Values containing “enterprise”, “mid” or “smb”/“small”.",
    )
    summary_field = CrmFieldName(
        label="“Forcerank status” field (deal/opportunity)",
        help_text="A text field Forcerank keeps up to date. Empty: notes only.",
    )
    default_owner = forms.ModelChoiceField(
        label="Default owner",
        queryset=User.objects.none(),
        required=False,
        empty_label="None: skip such deals",
        help_text="Owns synced deals whose CRM owner is not an active sales rep here.",
    )
    write_back = forms.BooleanField(
        label="Write rankings and decisions to the linked deals", required=False
    )
    new_stage_name = forms.CharField(
        label="Another CRM stage",
        max_length=100,
        required=False,
        help_text="Its id (HubSpot) or name (Salesforce), to map it before the sync meets it.",
    )
    new_stage = forms.ChoiceField(
        label="Its Forcerank stage", choices=[NOT_MAPPED, *Deal.Stage.choices], required=False
    )

    def __init__(self, *args: Any, crm_settings: CrmSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field = self.fields["default_owner"]
        assert isinstance(form_field, forms.ModelChoiceField)
        form_field.queryset = User.objects.filter(role=Role.SALES_REP, is_active=True).order_by(
            "full_name"
        )
        # One select per CRM stage the mapping names or the sync met; the stage names come
        # from the server, never from the form.
        self.crm_stages = sorted(set(crm_settings.stage_map) | set(crm_settings.stages_seen))
        for index, crm_stage in enumerate(self.crm_stages):
            self.fields[f"stage_{index}"] = forms.ChoiceField(
                label=crm_stage,
                choices=[NOT_MAPPED, *Deal.Stage.choices],
                required=False,
                initial=crm_settings.stage_map.get(crm_stage, ""),
            )

    def stage_fields(self) -> list[forms.BoundField]:
        return [self[f"stage_{index}"] for index in range(len(self.crm_stages))]

    def plain_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "arr_field",
                "segment_field",
                "summary_field",
                "default_owner",
                "write_back",
            )
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["new_stage_name"] = " ".join(str(cleaned.get("new_stage_name") or "").split())
        return cleaned

    def stage_map(self) -> dict[str, str]:
        mapping = {
            crm_stage: self.cleaned_data[f"stage_{index}"]
            for index, crm_stage in enumerate(self.crm_stages)
            if self.cleaned_data.get(f"stage_{index}")
        }
        if self.cleaned_data.get("new_stage_name") and self.cleaned_data.get("new_stage"):
            mapping[self.cleaned_data["new_stage_name"]] = self.cleaned_data["new_stage"]
        return mapping

    def settings_values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "arr_field",
                "segment_field",
                "summary_field",
                "default_owner",
                "write_back",
            )
        }
