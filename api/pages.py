"""The API key pages: one's own keys (create, revoke) and, for admins, everyone's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from api import selectors, services
from api.models import ApiKey

# The new key goes from the POST to the page after it through the session, once: it is
# never stored in clear, and a reload of that page no longer shows it.
NEW_KEY_SESSION = "api_new_key"
KEYS_PER_PAGE = 50


def _own_page(
    request: AuthenticatedHttpRequest, *, status: int = 200, error: str = "", name: str = ""
) -> HttpResponse:
    return render(
        request,
        "api/keys.html",
        {
            "keys": selectors.api_keys_of(user=request.user),
            "new_key": request.session.pop(NEW_KEY_SESSION, None),
            "error": error,
            "name": name,
            "may_see_all": can(request.user, Action.MANAGE_INTEGRATIONS),
        },
        status=status,
    )


@allowed_to(Action.USE_API)
@require_safe
def key_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _own_page(request)


@allowed_to(Action.USE_API)
@require_POST
def key_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    try:
        key, raw = services.api_key_create(actor=request.user, name=name)
    except ValidationError as refusal:
        return _own_page(request, status=400, error=" ".join(refusal.messages), name=name)
    request.session[NEW_KEY_SESSION] = {"name": key.name, "key": raw}
    return redirect("api:key_list")


@allowed_to(Action.USE_API)
@require_POST
def key_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(actor=request.user, key=key)
    messages.success(request, f"The key “{key.name}” is revoked: it no longer works.")
    if key.user_id != request.user.pk:
        return redirect("api:key_list_all")
    return redirect("api:key_list")


@allowed_to(Action.MANAGE_INTEGRATIONS)
@require_safe
def key_list_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.api_keys_all(), KEYS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "api/keys_all.html", {"page": page})
