"""Password sign-in refused for SSO-only e-mail domains, whichever page asks for it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from people.sso import sso_only_domain_for


class SsoOnlyDomainBackend:
    """Stops every password check for an address in an SSO-only domain.

    Deliberately not a BaseBackend: without `get_user` it is never the backend a session is
    restored through (Django and allauth pick the first backend that has one).

    The login page says so itself (people.sso_forms); this covers the other ways in, such
    as the Django admin's login. Raising PermissionDenied makes Django stop at this backend
    (the others never see the password) and report a failed sign-in.
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> User | None:
        email = credentials.get("username") or credentials.get("email")
        if credentials.get("password") is not None and email and sso_only_domain_for(str(email)):
            raise PermissionDenied("This address signs in with single sign-on only.")
        return None
