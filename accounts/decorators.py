from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from accounts.permissions import Action, require

View = Callable[..., HttpResponse]


def allowed_to(action: Action) -> Callable[[View], View]:
    """Log in first, then 403 with a message unless the user may do `action`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
