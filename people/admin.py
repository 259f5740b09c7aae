from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from people.models import GroupRole, SsoOnlyDomain, configured_provider_ids
from people.sign_in_settings import sign_in_rule_delete, sign_in_rule_save

# django-stubs makes these generic in the model; Django's take no subscript at runtime.
if TYPE_CHECKING:
    _GroupRoleAdminBase = admin.ModelAdmin[GroupRole]
    _DomainAdminBase = admin.ModelAdmin[SsoOnlyDomain]
    _GroupRoleFormBase = forms.ModelForm[GroupRole]
    _DomainFormBase = forms.ModelForm[SsoOnlyDomain]
else:
    _GroupRoleAdminBase = _DomainAdminBase = admin.ModelAdmin
    _GroupRoleFormBase = _DomainFormBase = forms.ModelForm

# Identity providers come from the environment (SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS), not
# from rows an admin adds; allauth's tokens are not stored (SOCIALACCOUNT_STORE_TOKENS).
for model in (SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _provider_choices(current: str, *, any_label: str | None) -> list[tuple[str, str]]:
    choices = [(pk, f"{name} ({pk})") for pk, name in configured_provider_ids().items()]
    if current and current not in dict(choices):
        choices.append((current, f"{current} (not configured any more)"))
    return ([("", any_label)] if any_label else []) + choices


class GroupRoleForm(_GroupRoleFormBase):
    class Meta:
        model = GroupRole
        fields = ["group", "provider_id", "role", "manager", "update_on_sign_in", "priority"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].widget = forms.Select(
            choices=_provider_choices(self.instance.provider_id, any_label="Any provider")
        )


class SsoOnlyDomainForm(_DomainFormBase):
    class Meta:
        model = SsoOnlyDomain
        fields = ["domain", "provider_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].widget = forms.Select(
            choices=_provider_choices(self.instance.provider_id, any_label=None)
        )


class _AuditedAdmin:
    """Saves and deletions go through the people app's services, which audit them."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        sign_in_rule_save(actor=request.user, rule=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        assert isinstance(request.user, User)
        sign_in_rule_delete(actor=request.user, rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(GroupRole)
class GroupRoleAdmin(_AuditedAdmin, _GroupRoleAdminBase):
    form = GroupRoleForm
    list_display = ["group", "provider_id", "role", "manager", "update_on_sign_in", "priority"]
    list_filter = ["role", "provider_id"]
    search_fields = ["group"]
    list_select_related = ["manager"]


@admin.register(SsoOnlyDomain)
class SsoOnlyDomainAdmin(_AuditedAdmin, _DomainAdminBase):
    form = SsoOnlyDomainForm
    list_display = ["domain", "provider_id", "created_at"]
    search_fields = ["domain"]
