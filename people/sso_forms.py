"""The login page's form, refusing password sign-in for addresses of SSO-only domains."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from accounts.forms import LoginForm
from people.models import SsoOnlyDomain
from people.sso import sso_only_domain_for


def sso_only_message(rule: SsoOnlyDomain) -> str:
    """Where people of `rule`'s domain sign in. It names the domain, never the account, so it
    says nothing about whether an address has one."""
    return (
        f"People at {rule.domain} sign in with {rule.provider_name}, not with a password: "
        f"use the “Sign in with {rule.provider_name}” button on this page."
    )


class SsoAwareLoginForm(LoginForm):
    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        if email:
            rule = sso_only_domain_for(email)
            if rule is not None:
                # Refused before any password is checked: nothing to guess, nothing counted.
                raise ValidationError(sso_only_message(rule), code="sso_only")
        return super().clean()
