from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, require

View = Callable[..., HttpResponse]


def allowed_to(action: Action) -> Callable[[View], View]:
    """Log in first, then 403 with a message unless the user may do `action`.

    The view it wraps takes an `AuthenticatedHttpRequest`: by then `request.user` is a User.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require(request.user, action)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
