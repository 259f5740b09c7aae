"""Reads for company sign-in: the providers configured, the SSO-only domain of an address, the
role someone's groups map to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from people.models import GroupRole, SsoOnlyDomain


@dataclass(frozen=True)
class SignInProvider:
    id: str
    name: str
    kind: str  # "openid_connect" or "saml"
    # Where the browser is sent to sign in: the login page's forms post to Forcerank, which
    # redirects there, so the page's Content-Security-Policy (form-action) must allow it.
    origin: str

    @property
    def login_url(self) -> str:
        if self.kind == "saml":
            return reverse("saml_login", kwargs={"organization_slug": self.id})
        return reverse("openid_connect_login", kwargs={"provider_id": self.id})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sign_in_providers() -> list[SignInProvider]:
    """The company sign-in providers, as configured (SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS)."""
    providers = []
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", []):
        origin = _origin(app["settings"]["server_url"])
        providers.append(SignInProvider(app["provider_id"], app["name"], "openid_connect", origin))
    for app in settings.SOCIALACCOUNT_PROVIDERS.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        origin = _origin(idp.get("sso_url") or idp["metadata_url"])
        providers.append(SignInProvider(app["provider_id"], app["name"], "saml", origin))
    return providers


def sign_in_provider(provider_id: str) -> SignInProvider | None:
    return next((p for p in sign_in_providers() if p.id == provider_id), None)


def form_action_origins() -> list[str]:
    """The origins the sign-in forms may end up at (CSP form-action, beside 'self')."""
    return sorted({provider.origin for provider in sign_in_providers()})


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def sso_only_domain_for(email: str) -> SsoOnlyDomain | None:
    """The SSO-only rule covering `email`, if its domain has one."""
    domain = email_domain(email)
    if not domain:
        return None
    return SsoOnlyDomain.objects.filter(domain=domain).first()


def group_role_for(*, provider_id: str, groups: Iterable[str]) -> GroupRole | None:
    """The mapping row someone with `groups` gets when signing in with `provider_id`: the
    first by priority among the rows for this provider or for any, comparing names in any case."""
    wanted = {group.casefold() for group in groups if group}
    if not wanted:
        return None
    rows = GroupRole.objects.filter(Q(provider_id=provider_id) | Q(provider_id="")).select_related(
        "manager"
    )
    return next((row for row in rows if row.group.casefold() in wanted), None)
