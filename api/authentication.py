# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any, allow-untyped-calls
"""`Authorization: Bearer <key>`: a key from the API keys page acts as its owner."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import User
from api.models import ApiKey
from api.selectors import api_key_for
from api.services import api_key_touch

BAD_KEY = "This API key is not valid: it is unknown or revoked, or its owner was deactivated."


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no key: the session may still authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the key as `Authorization: Bearer <key>`, with no spaces in the key."
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(BAD_KEY) from None
        key = api_key_for(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(BAD_KEY)
        api_key_touch(key=key)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        # Answer "401 Unauthorized" (with this challenge) rather than 403 when none is sent.
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describes the key in the OpenAPI schema (a bearer token)."""

    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from the API keys page: `Authorization: Bearer frk_…`.",
        }
