"""Rules every request meets before any view: the methods Forcerank answers, the characters
it accepts, and that signed-in pages stay out of shared caches.

These sit innermost in settings.MIDDLEWARE, so that their early answers (400, 405) still
pass through the security headers (CSP, X-Frame-Options) and the signed-in user is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseNotAllowed,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from config.uploads import megabytes

GetResponse = Callable[[HttpRequest], HttpResponseBase]

ALLOWED_METHODS = ("GET", "HEAD", "POST")

# No address needs a control character (a tab or line break included), and PostgreSQL
# refuses NUL in text outright: a NUL that reached a query would answer 500. A lone
# surrogate cannot be stored or encoded either.
_UNUSABLE_IN_PATH = re.compile(r"[\x00-\x1f\ud800-\udfff]")
# Typed text (query values, form fields) may hold tabs and line breaks: a textarea sends them.
_UNUSABLE_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

UNUSABLE = "a character that cannot be used, such as NUL or another control character"


class AllowedMethodsMiddleware:
    """405 to anything but GET, HEAD and POST: no page or action uses another method, and
    a function view would otherwise answer a PUT or DELETE as if it were a GET."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)  # with an Allow header
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """413, with the site's page that says why, when a request declares a body larger than
    `MAX_REQUEST_BYTES`: refused before anything reads (or spools) it. A body sent without a
    length is bounded as it is read (`DATA_UPLOAD_MAX_MEMORY_SIZE`, config.uploads)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            message = "The request's length is not a number."
            return render(request, "400.html", {"exception": message}, status=400)
        if length > settings.MAX_REQUEST_BYTES:
            limit = megabytes(settings.MAX_REQUEST_BYTES)
            message = (
                f"What was sent is larger than this site takes ({limit}). "
                "Send a smaller file: split a large CSV into several."
            )
            response = render(request, "400.html", {"exception": message}, status=413)
            response["Connection"] = "close"  # the unread body must not be taken as a request
            return response
        return self.get_response(request)


class UnusableInputMiddleware:
    """400, with the site's page that says why, when the address, a query parameter, a form
    field or a cookie holds a character no text may hold (NUL and other control characters,
    lone surrogates). Uploaded files' contents are their importer's business."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if any(_UNUSABLE_IN_PATH.search(name + value) for name, value in request.COOKIES.items()):
            return _refuse_cookies()
        problem = unusable_input(request)
        if problem:
            return render(request, "400.html", {"exception": problem}, status=400)
        return self.get_response(request)


def _refuse_cookies() -> HttpResponseBase:
    """The 400 page for a cookie no browser would have been given (`"\\000"` in a quoted
    value is a NUL). The session key is a cookie: it must not reach the database, so the
    page is drawn without the request, as nobody's."""
    message = f"A cookie contains {UNUSABLE}. Clear this site's cookies, then sign in again."
    response = HttpResponseBadRequest(render_to_string("400.html", {"exception": message}))
    # Said here, so that PrivateCacheMiddleware does not look up the user for it.
    patch_cache_control(response, private=True, no_store=True)
    return response


def unusable_input(request: HttpRequest) -> str | None:
    """What is wrong with the request's address, query or form fields, if anything."""
    if _UNUSABLE_IN_PATH.search(request.path):
        return f"The address contains {UNUSABLE}."
    for where, values in (("address", request.GET), ("form", request.POST)):
        for name, items in values.lists():
            if _UNUSABLE_IN_PATH.search(name):
                return f"A name in the {where} contains {UNUSABLE}."
            if any(_UNUSABLE_IN_TEXT.search(item) for item in items):
                return f"The {where}’s “{name}” value contains {UNUSABLE}."
    # The names of the fields that carry uploads; their contents are not text.
    if request.method == "POST" and any(_UNUSABLE_IN_PATH.search(name) for name in request.FILES):
        return f"A name in the form contains {UNUSABLE}."
    return None


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on what a signed-in user is shown, unless the view
    set its own: a shared proxy or the browser's back button must not hand one person's
    budget to the next user of the machine. Static files keep theirs."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Cheapest test first: a response with its own Cache-Control (/healthz has one)
        # needs no session lookup.
        if (
            not response.has_header("Cache-Control")
            and not request.path.startswith(settings.STATIC_URL or "/static/")
            and _signed_in(request)
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


class HtmxVaryMiddleware:
    """`Vary: HX-Request` on every page: views answer an htmx request with a fragment and a
    plain one with the whole page at the same URL, so no cache may hand out one for the
    other (the back button included)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL or "/static/"):
            patch_vary_headers(response, ("HX-Request",))
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)  # absent when AuthenticationMiddleware is not on
    return bool(user is not None and user.is_authenticated)
