"""Company sign-in providers, read from the environment (SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS).

Each variable holds a JSON list, one object per identity provider; settings.py turns both
into django-allauth's SOCIALACCOUNT_PROVIDERS. A mistake stops Forcerank at start-up with a
message naming the variable, the entry and the key, rather than a failed sign-in later.
The README's "Company sign-in (SSO)" section documents the keys.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Used in URLs (/sso/oidc/<id>/login/), in the database (which provider a person signed in
# with) and by admins in the group mappings, so it stays short and plain.
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

OIDC_KEYS = {"id", "name", "issuer", "client_id", "secret", "groups_claim", "scopes", "trust_email"}
SAML_KEYS = {
    "id",
    "name",
    "metadata_url",
    "entity_id",
    "sso_url",
    "x509cert",
    "sp_entity_id",
    "groups_attribute",
    "trust_email",
}

# Where the common identity providers put e-mail and names in a SAML assertion, beyond
# django-allauth's own defaults (which it replaces when given a mapping).
SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
        "mail",
    ],
    "name": [
        "http://schemas.microsoft.com/identity/claims/displayname",
        "urn:oid:2.16.840.1.113730.3.1.241",
        "displayName",
        "name",
    ],
    "first_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
        "firstName",
        "givenName",
    ],
    "last_name": [
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
        "lastName",
        "sn",
    ],
}


def _entries(raw: str, variable: str) -> list[dict[str, Any]]:
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{variable} is not valid JSON: {error}") from error
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ImproperlyConfigured(f"{variable} must be a JSON list of objects, one per provider.")
    return entries


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ImproperlyConfigured(f"{where}: “{key}” must be a non-empty string.")
    return value.strip()


def _url(entry: dict[str, Any], key: str, where: str) -> str:
    value = _text(entry, key, where)
    parts = urlsplit(value)
    if not parts.netloc or parts.scheme not in {"https", "http"}:
        raise ImproperlyConfigured(f"{where}: “{key}” must be an https:// URL, got {value!r}.")
    # Plain HTTP only to this machine: a local mock provider, never a real one.
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ImproperlyConfigured(
            f"{where}: “{key}” must use https:// (plain http:// is for 127.0.0.1 only)."
        )
    return value


def _flag(entry: dict[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ImproperlyConfigured(f"{where}: “{key}” must be true or false.")
    return value


def _common(
    entry: dict[str, Any], index: int, variable: str, keys: set[str]
) -> tuple[str, str, str]:
    where = f"{variable}[{index}]"
    unknown = sorted(set(entry) - keys)
    if unknown:
        raise ImproperlyConfigured(
            f"{where}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(sorted(keys))}."
        )
    provider_id = _text(entry, "id", where)
    if not PROVIDER_ID.match(provider_id):
        raise ImproperlyConfigured(
            f"{where}: “id” must be 1–30 lower-case letters, digits or dashes, got {provider_id!r}."
        )
    return f"{variable}[{index}] ({provider_id})", provider_id, _text(entry, "name", where)


def oidc_apps(raw: str, variable: str = "SSO_OIDC_PROVIDERS") -> list[dict[str, Any]]:
    """django-allauth's `openid_connect` APPS from SSO_OIDC_PROVIDERS.

    PKCE is on. The issuer is pinned: an ID token must name exactly the configured issuer,
    whatever the provider's discovery document says.
    """
    apps = []
    for index, entry in enumerate(_entries(raw, variable)):
        where, provider_id, name = _common(entry, index, variable, OIDC_KEYS)
        issuer = _url(entry, "issuer", where)
        scopes = entry.get("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
            raise ImproperlyConfigured(f"{where}: “scopes” must be a list of scope names.")
        settings: dict[str, Any] = {
            # django-allauth appends /.well-known/openid-configuration to it.
            "server_url": issuer.rstrip("/"),
            "openid_configuration_overrides": {"issuer": issuer},
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            "scope": [
                "openid",
                "profile",
                "email",
                *[s for s in scopes if s not in {"openid", "profile", "email"}],
            ],
            "groups_claim": _text(entry, "groups_claim", where, required=False) or "groups",
        }
        if _flag(entry, "trust_email", where, default=False):
            settings["verified_email"] = True
        apps.append(
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": _text(entry, "client_id", where),
                "secret": _text(entry, "secret", where, required=False),
                "settings": settings,
            }
        )
    return apps


def saml_apps(raw: str, variable: str = "SSO_SAML_PROVIDERS") -> list[dict[str, Any]]:
    """django-allauth's `saml` APPS from SSO_SAML_PROVIDERS.

    The identity provider is described by its metadata URL, or (Google Workspace publishes
    none) by its single sign-on URL and signing certificate. Signed assertions are required
    and sign-ins the identity provider starts on its own are refused.
    """
    apps = []
    for index, entry in enumerate(_entries(raw, variable)):
        where, provider_id, name = _common(entry, index, variable, SAML_KEYS)
        idp: dict[str, Any] = {"entity_id": _text(entry, "entity_id", where)}
        if entry.get("metadata_url"):
            idp["metadata_url"] = _url(entry, "metadata_url", where)
        elif entry.get("sso_url") and entry.get("x509cert"):
            idp["sso_url"] = _url(entry, "sso_url", where)
            idp["x509cert"] = _text(entry, "x509cert", where)
        else:
            raise ImproperlyConfigured(
                f"{where}: give “metadata_url”, or both “sso_url” and “x509cert”."
            )
        settings: dict[str, Any] = {
            "idp": idp,
            "attribute_mapping": SAML_ATTRIBUTES,
            "advanced": {
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
                # python3-saml refuses URLs on one-label hosts (http://forcerank/) otherwise.
                "allow_single_label_domains": True,
            },
            "groups_attribute": _text(entry, "groups_attribute", where, required=False) or "groups",
        }
        if entry.get("sp_entity_id"):
            settings["sp"] = {"entity_id": _text(entry, "sp_entity_id", where)}
        # A SAML assertion has no "e-mail verified" flag; the company's identity provider
        # signs it, so its address is trusted unless the entry says otherwise.
        if _flag(entry, "trust_email", where, default=True):
            settings["verified_email"] = True
        apps.append(
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": provider_id,
                "settings": settings,
            }
        )
    return apps


def socialaccount_providers(oidc_raw: str, saml_raw: str) -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS for both kinds; an id names one provider across both."""
    oidc = oidc_apps(oidc_raw)
    saml = saml_apps(saml_raw)
    seen: set[str] = set()
    for app in [*oidc, *saml]:
        if app["provider_id"] in seen:
            raise ImproperlyConfigured(
                f"Two company sign-in providers have the id {app['provider_id']!r}; ids must differ."
            )
        seen.add(app["provider_id"])
    providers: dict[str, Any] = {}
    if oidc:
        providers["openid_connect"] = {"APPS": oidc}
    if saml:
        providers["saml"] = {"APPS": saml}
    return providers
