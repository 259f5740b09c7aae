"""Ending sessions: "sign out everywhere", and at once for a person who is deactivated.

Every session holds a hash of its user's password and session generation
(`User.get_session_auth_hash`); Django checks it on each request and treats a session whose
hash no longer matches as signed out. Raising the generation therefore ends every session of
the user, wherever it is, with no list of sessions to search.
"""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.db.models import F
from django.http import HttpRequest

from accounts.models import User


def sign_out_everywhere(user: User, *, keep: HttpRequest | None = None) -> None:
    """End every session of `user`; with `keep`, the session of that request stays signed in
    (the person who asked stays where they are)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    if keep is not None:
        update_session_auth_hash(keep, user)
