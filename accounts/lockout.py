"""Logins that resist guessing, with django-axes.

An account is locked after `AXES_FAILURE_LIMIT` wrong passwords in a row (5), from anywhere.
An address is locked after `AXES_ADDRESS_FAILURE_LIMIT` failures over all accounts (50): a
guesser trying many e-mails is stopped, but one person's typos do not lock out everyone
behind the same office address. Either lock lasts `AXES_COOLOFF_TIME`; while it lasts even
the right password is refused, with a page that never says whether the e-mail has an account
(unknown e-mails are counted and locked the same way). Each lockout writes one log line.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("forcerank.security")


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler, counting an address's failures against its own, higher limit.

    Axes compares one number with one limit (`AXES_FAILURE_LIMIT`), for a pre-check and when
    a failure is recorded; this number is the account's failures, or the address's scaled to
    that limit, whichever is nearer to it.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # One query set per lockout parameter, in the order of AXES_LOCKOUT_PARAMETERS.
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        scaled = by_address * settings.AXES_FAILURE_LIMIT // settings.AXES_ADDRESS_FAILURE_LIMIT
        return int(max(by_account, scaled))

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful sign-in, forget that account's failures only: a colleague signing
        in from the same address must not clear a guesser's count against it."""
        by_account = self.filter_user_attempts(request, credentials)[0]
        deleted, _ = by_account.delete()
        return int(deleted)


def log_lockout(
    sender: object, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    """One log line when a lock starts, and one for each sign-in refused while it lasts."""
    # Counted (not None) only by the failure that started the lock.
    if getattr(request, "axes_failures_since_start", None) is not None:
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        text = f"Sign-in locked for {minutes} minutes after repeated failures"
    else:
        text = "Sign-in refused while locked"
    logger.warning("%s: account %r, address %s", text, username or "", ip_address)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The page a locked-out sign-in gets (429): what happened and what to do, the same for
    an e-mail with an account and one without."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def forget_failures(email: str) -> int:
    """Clear an account's failed sign-ins (however its e-mail was typed): its owner just
    proved they read its mail by setting a new password from a reset link, so the lock a
    guesser caused must not keep them out. An address's own count stays."""
    deleted, _ = AccessAttempt.objects.filter(username__iexact=email).delete()
    return int(deleted)
