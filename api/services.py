"""Writes to API keys: create (the secret is returned once), revoke, note a use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from api.models import ApiKey

KEY_START = "frk_"
PREFIX_BYTES = 6  # 8 url-safe characters
SECRET_BYTES = 32
MAX_NAME_LENGTH = 80
# The last-used time is written at most this often per key, not on every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, actor: User, name: str) -> tuple[ApiKey, str]:
    """Make a key for `actor`; returns it and the full key, which is never shown again."""
    require(actor, Action.USE_API)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Name the key, e.g. after the script that uses it."})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"Keep the name to {MAX_NAME_LENGTH} characters."})
    # The prefix is unique (it identifies the key on the pages): draw again on the rare clash.
    prefix = secrets.token_urlsafe(PREFIX_BYTES)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_urlsafe(PREFIX_BYTES)
    raw = f"{KEY_START}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    key = ApiKey.objects.create(user=actor, name=name, prefix=prefix, key_hash=key_hash(raw))
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: User, key: ApiKey) -> ApiKey:
    """Revoke a key: its owner, or an admin (anyone's). Revoking twice changes nothing."""
    require(actor, Action.USE_API if key.user_id == actor.pk else Action.MANAGE_INTEGRATIONS)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Note that `key` was used now, at most once a minute (one write, no read)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
