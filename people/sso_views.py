"""Company sign-in pages: the login page with a button per identity provider, and the single
sign-on views of django-allauth, each wrapped so that a provider that cannot be reached or an
answer that does not check out is a page saying so, not a 500.

people/sso_urls.py mounts them under /sso/ with allauth's URL names (allauth reverses them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from allauth.socialaccount.providers.openid_connect import views as oidc_views
from allauth.socialaccount.providers.saml import views as saml_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from requests import RequestException

from accounts import views as accounts_views
from people.sso import SignInProvider, form_action_origins, sign_in_provider, sign_in_providers
from people.sso_adapter import refusal_page
from people.sso_forms import SsoAwareLoginForm

logger = logging.getLogger(__name__)


def allow_sign_in_forms(response: HttpResponseBase) -> HttpResponseBase:
    """Let this page's forms lead to the identity providers: a sign-in button posts to
    Forcerank, which redirects to the provider, and browsers hold that redirect to the
    Content-Security-Policy's form-action as well."""
    origins = form_action_origins()
    if origins:
        response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
    return response


class LoginView(accounts_views.LoginView):
    """The login page: e-mail and password (refused for SSO-only domains), and a "Sign in
    with …" button for each company sign-in provider."""

    form_class = SsoAwareLoginForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sign_in_providers"] = sign_in_providers()
        return context

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return allow_sign_in_forms(super().dispatch(request, *args, **kwargs))


def _provider_or_404(provider_id: str, kind: str) -> SignInProvider:
    provider = sign_in_provider(provider_id)
    if provider is None or provider.kind != kind:
        raise Http404("No company sign-in provider has this id.")
    return provider


def _unreachable(request: HttpRequest, provider: SignInProvider) -> HttpResponse:
    logger.warning("SSO: %s could not be reached", provider.id, exc_info=True)
    return refusal_page(
        request,
        title=f"{provider.name} cannot be reached",
        message=f"Forcerank could not reach {provider.name} just now, so nobody was signed in. "
        "Try again in a minute; if it keeps happening, tell your admin.",
        status=502,
    )


def _unverifiable(request: HttpRequest, provider: SignInProvider) -> HttpResponse:
    return refusal_page(
        request,
        title="The sign-in could not be verified",
        message=f"Forcerank could not verify the answer from {provider.name}, so nobody was "
        "signed in. If this happens again, tell your admin: the provider's settings in "
        "Forcerank (issuer, client id, certificate) may not match the provider's.",
        status=400,
    )


def _expired(request: HttpRequest) -> HttpResponse:
    return refusal_page(
        request,
        title="This sign-in has expired",
        message="This sign-in was not started from this browser, was already used, or took "
        "more than ten minutes, so nobody was signed in. Start again from the sign-in page.",
        status=400,
    )


def _start(
    request: HttpRequest, provider: SignInProvider, start: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """A sign-in starts with a POST (with its CSRF token) from a button; a GET (a link, a
    bookmark) shows the button, so that no other site can start one for the visitor."""
    if request.method != "POST":
        next_url = request.GET.get("next", "")
        response = render(
            request, "people/sso_continue.html", {"provider": provider, "next": next_url}
        )
        return allow_sign_in_forms(response)
    return start()


def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponseBase:
    provider = _provider_or_404(provider_id, "openid_connect")
    try:
        return _start(request, provider, lambda: oidc_views.login(request, provider_id))
    except RequestException:  # its discovery document could not be fetched
        return _unreachable(request, provider)


def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponseBase:
    provider = _provider_or_404(provider_id, "openid_connect")
    try:
        response: HttpResponseBase = oidc_views.callback(request, provider_id)
    except RequestException:
        return _unreachable(request, provider)
    return response


def _saml(
    request: HttpRequest,
    organization_slug: str,
    view: Callable[..., HttpResponseBase],
) -> HttpResponseBase:
    provider = _provider_or_404(organization_slug, "saml")
    # python3-saml reads the Host header itself; an HTTP/1.0 client may not send one.
    request.META.setdefault("HTTP_HOST", request.get_host())
    try:
        return view(request, organization_slug=organization_slug)
    except PermissionDenied:  # no sign-in of this browser matches the answer
        return _expired(request)
    except Http404:
        raise
    except OSError:  # its metadata URL could not be read (requests' errors are OSErrors)
        return _unreachable(request, provider)
    except Exception:
        # python3-saml raises many kinds for a response it cannot read (not XML, a DTD, an
        # entity, …), past what allauth turns into its error page: each means the same.
        logger.warning(
            "SSO: %s sent something that is not a usable answer", provider.id, exc_info=True
        )
        return _unverifiable(request, provider)


def saml_login(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    provider = _provider_or_404(organization_slug, "saml")
    return _start(request, provider, lambda: _saml(request, organization_slug, saml_views.login))


@csrf_exempt  # the identity provider posts the assertion; it is signed, and checked later
def saml_acs(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    return _saml(request, organization_slug, saml_views.acs)


def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    return _saml(request, organization_slug, saml_views.finish_acs)


@csrf_exempt  # single logout requests come from the identity provider, signed
def saml_sls(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    return _saml(request, organization_slug, saml_views.sls)


def saml_metadata(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    """Forcerank's SAML metadata, for the identity provider's admin to set up the app."""
    return _saml(request, organization_slug, saml_views.metadata)
