"""Reads about API keys: one's own, everyone's (admins), and the key a request presents."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from api.models import ApiKey
from api.services import KEY_START, key_hash


def api_keys_of(*, user: User) -> QuerySet[ApiKey]:
    """The user's keys, newest first, revoked ones included (they say so)."""
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-id")


def api_keys_all() -> QuerySet[ApiKey]:
    """Everyone's keys with their owners, active first, newest first: one query."""
    return ApiKey.objects.select_related("user").order_by("revoked_at", "-created_at", "-id")


def api_key_for(raw_key: str) -> ApiKey | None:
    """The active key of an active user that `raw_key` is, or None: looked up by its hash
    (indexed; the hash, not the key, is what the database compares)."""
    if not raw_key.startswith(KEY_START):
        return None
    return (
        ApiKey.objects.select_related("user")
        .filter(key_hash=key_hash(raw_key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
