"""django-allauth's adapters: where its single sign-on flow hands over to Forcerank.

allauth runs the protocol (OpenID Connect with state and PKCE, SAML with signed assertions)
and builds a "social login" from the identity provider's answer. Here that answer becomes an
`Identity`, and `people.provisioning.sso_sign_in` decides who signs in. Every refusal and
every failed sign-in is a Forcerank page saying what happened, never one of allauth's own
pages (which are not mounted).
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from requests import RequestException

from accounts.models import User
from people.provisioning import Identity, SignInRefused, sso_sign_in

logger = logging.getLogger(__name__)

NAME_STASH = "_forcerank_full_name"


def _groups(value: Any) -> list[str]:
    """A groups claim or attribute as a list of names: a list, or one name on its own."""
    if isinstance(value, str | int):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def identity_from(sociallogin: Any) -> Identity:
    """What the identity provider said, from allauth's social login."""
    provider = sociallogin.provider
    app_settings = provider.app.settings
    addresses = sociallogin.email_addresses
    address = next((a for a in addresses if a.primary), addresses[0] if addresses else None)
    extra = sociallogin.account.extra_data or {}
    if provider.id == "saml":
        groups = _groups(extra.get(app_settings.get("groups_attribute", "groups")))
    else:
        claim = app_settings.get("groups_claim", "groups")
        groups = []
        for claims in (extra.get("userinfo"), extra.get("id_token")):
            if isinstance(claims, dict):
                groups += [g for g in _groups(claims.get(claim)) if g not in groups]
    return Identity(
        provider_id=provider.sub_id,
        provider_name=provider.name,
        email=(address.email if address else "").strip().lower(),
        email_verified=bool(address and address.verified),
        full_name=getattr(sociallogin, NAME_STASH, ""),
        groups=tuple(groups),
    )


def refusal_page(request: HttpRequest, *, title: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "people/sso_refused.html", {"title": title, "message": message}, status=status
    )


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's account side, for its single sign-on flow only: password sign-up and sign-in
    stay Django's own pages."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts are made by admins, or by `sso_sign_in`

    def add_message(self, *args: Any, **kwargs: Any) -> None:
        # allauth's "Successfully signed in as …": a password sign-in says nothing either.
        return None

    def respond_user_inactive(self, request: HttpRequest, user: User) -> HttpResponse:
        # `sso_sign_in` refuses deactivated people first; this is allauth's own check behind it.
        return refusal_page(
            request,
            title="Your account is deactivated",
            message="Your Forcerank account is deactivated. Ask an admin to reactivate it.",
            status=403,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        name = (data.get("name") or "").strip() or " ".join(
            part.strip() for part in (data.get("first_name"), data.get("last_name")) if part
        )
        # Kept on the social login: allauth swaps its user for the stored one when it finds
        # this identity was linked before, and the name is wanted for both.
        setattr(sociallogin, NAME_STASH, name)
        user.full_name = name
        return user

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True  # decided in pre_social_login, which links or creates the person first

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Decide who signs in; allauth then logs them in (the social login exists now)."""
        if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
            # allauth also connects accounts to a signed-in user and signs in "for a redirect";
            # Forcerank only signs people in (the others need pages it does not mount).
            raise ImmediateHttpResponse(
                refusal_page(
                    request,
                    title="This sign-in is not offered",
                    message="Start again from the sign-in page's button.",
                    status=400,
                )
            )
        identity = identity_from(sociallogin)
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            with transaction.atomic():
                sign_in = sso_sign_in(identity=identity, linked_user=linked)
                if linked is None:
                    sociallogin.connect(request, sign_in.user)
                else:
                    sociallogin.user = sociallogin.account.user = sign_in.user
        except IntegrityError as error:  # the same first sign-in, finished in another tab
            raise ImmediateHttpResponse(
                refusal_page(
                    request,
                    title="Please try again",
                    message="You were signing in twice at once. Go back to the sign-in page "
                    "and try again.",
                    status=409,
                )
            ) from error
        except SignInRefused as refusal:
            logger.info(
                "SSO: refused %s from %s: %s",
                identity.email or "(no e-mail)",
                identity.provider_id,
                refusal.message,
            )
            raise ImmediateHttpResponse(
                refusal_page(
                    request, title=refusal.title, message=refusal.message, status=refusal.status
                )
            ) from refusal

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """Every way the protocol can fail, as a page that says what to do; nobody signs in."""
        context = extra_context or {}
        name = provider.name
        cause = exception.__cause__ if exception is not None else None
        logger.warning(
            "SSO: sign-in with %s failed: error=%s exception=%r cause=%r saml=%s",
            provider.sub_id,
            error,
            exception,
            cause,
            context.get("saml_last_error_reason", ""),
        )
        # Some providers leave the state out of their "access denied" answer: it is a
        # cancellation all the same, and signs nobody in.
        if error == AuthError.CANCELLED or request.GET.get("error") == "access_denied":
            messages.info(request, f"Signing in with {name} was cancelled.")
            raise ImmediateHttpResponse(redirect("login"))
        if isinstance(exception, RequestException):
            title = f"{name} cannot be reached"
            message = (
                f"Forcerank could not reach {name} just now, so nobody was signed in. "
                "Try again in a minute."
            )
            status = 502
        elif exception is not None or "saml_errors" in context:
            title = "The sign-in could not be verified"
            message = (
                f"Forcerank could not verify the answer from {name}, so nobody was signed in. "
                "If this happens again, tell your admin: the provider's settings in Forcerank "
                "(issuer, client id, certificate) may not match the provider's."
            )
            status = 400
        elif "state" in context or request.GET.get("error"):  # an error instead of a code
            title = f"{name} did not sign you in"
            message = (
                f"{name} answered with an error ({request.GET.get('error') or 'no code'}), "
                "so nobody was signed in. Try again, or ask your admin."
            )
            status = 400
        else:  # no sign-in of this browser matches: tampered, replayed, expired or foreign
            title = "This sign-in has expired"
            message = (
                "This sign-in was not started from this browser, was already used, or took "
                "more than ten minutes, so nobody was signed in. Start again from the sign-in page."
            )
            status = 400
        raise ImmediateHttpResponse(
            refusal_page(request, title=title, message=message, status=status)
        )
