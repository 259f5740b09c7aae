"""A database outage answers 503 "try again shortly", not 500 "something went wrong".

While PostgreSQL restarts or fails over, every request that touches it fails for a few
seconds. Those failures are not bugs: the user should be told that the database is
unreachable, that nothing already saved was lost and when to try again, and load balancers
and clients should see a 503 with Retry-After, which they know how to wait out.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import weakref
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response
from django_htmx.middleware import HtmxDetails

logger = logging.getLogger("forcerank.outage")

RETRY_AFTER_SECONDS = 30

# For htmx, which shows no error page: a line a client-side handler can put in front of the user.
HTMX_MESSAGE = (
    "The database is unreachable for a moment; nothing already saved was lost. "
    "If you just made a change, it may have been saved: reload the page to see where "
    "things stand, or try again shortly."
)

# PostgreSQL SQLSTATEs that mean "no usable connection": class 08 (connection exception),
# the server shutting down, crashing or still starting (57P01-57P03), and no free connection
# slot (53300). Deadlocks, serialization failures and timeouts are not outages.
_POSTGRES_OUTAGE_STATES = {"57P01", "57P02", "57P03", "53300"}
# SQLite (the embedded setup): the file cannot be opened or read.
_SQLITE_OUTAGE_CODES = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR}

# The outage each request in flight ran into, noted by process_exception or by the receiver
# below; __call__ answers and logs it.
_outages: weakref.WeakKeyDictionary[HttpRequest, BaseException] = weakref.WeakKeyDictionary()


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached, rather than that a query failed.

    Django wraps the driver's error and keeps it as `__cause__`. Its SQLSTATE (none at all
    when libpq could not connect or lost the socket) or SQLite result code tells a lost or
    refused connection from a deadlock, a statement timeout or a missing table.
    """
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        return code is None or code & 0xFF in _SQLITE_OUTAGE_CODES
    if cause is not None and hasattr(cause, "sqlstate"):  # psycopg
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in _POSTGRES_OUTAGE_STATES
    return True


def close_broken_connections() -> None:
    """Drop connections that an outage broke, so that the next request connects afresh
    instead of failing on the dead socket until CONN_MAX_AGE runs out."""
    for connection in connections.all(initialized_only=True):
        # Inside an atomic block (a test's transaction, ATOMIC_REQUESTS) closing would
        # break the block; whoever opened it rolls back and cleans up.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def outage_page(request: HttpRequest) -> HttpResponse:
    """The 503 that tells the user the database is unreachable and when to try again."""
    if HtmxDetails(request):
        response = HttpResponse(HTMX_MESSAGE, content_type="text/plain; charset=utf-8")
    else:
        # A plain render: no request, so no context processor, session or user, each of
        # which would reach for the database that is down.
        response = HttpResponse(render_to_string("503.html"))
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


@receiver(got_request_exception)
def _note_outage(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent while Django turns an exception into a 500, with the exception being handled.
    error = sys.exc_info()[1]
    if request is not None and error is not None and is_database_outage(error):
        _outages.setdefault(request, error)


class DatabaseOutageMiddleware:
    """Turn a lost or refused database connection into a 503 page with Retry-After.

    Errors from views and from rendering arrive in `process_exception`. Errors from the
    middleware listed after this one (the session saved in SessionMiddleware, say) never
    reach `__call__` as exceptions: Django wraps every middleware in
    `convert_exception_to_response`, which has already made them a 500 by then. So the
    `got_request_exception` signal notes them, and `__call__` swaps that 500 for the 503.
    Either way `__call__` logs the outage once, as a warning: it is not a bug.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = _outages.pop(request, None)
        if error is None:
            return response
        if response.status_code != 503 or not response.has_header("Retry-After"):
            response = outage_page(request)
        # Also marks the response as logged, so that Django does not log it again as an error.
        log_response(
            "Database unreachable, answered 503: %s (%s)",
            request.path,
            str(error).strip(),
            response=response,
            request=request,
            logger=logger,
            level="warning",
        )
        close_broken_connections()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None  # a bug or a refused query: Django's 500 page, as before
        _outages.setdefault(request, exception)
        return outage_page(request)
