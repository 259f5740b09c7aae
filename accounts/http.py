"""Typed requests for views: what the middleware and the login check guarantee."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """Any request: django-htmx's middleware sets `htmx` on each."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind `allowed_to` (or `login_required`): `user` is a User,
    never anonymous, so views read `request.user.role` without a cast."""

    user: User
