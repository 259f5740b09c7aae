from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Notification, PasswordResetRequest, User
from config.celery import enqueue

# "Forgot my password" requests accepted per e-mail address and per client in RESET_WINDOW.
RESET_WINDOW = dt.timedelta(hours=1)
RESET_LIMIT_PER_EMAIL = 3
RESET_LIMIT_PER_CLIENT = 20


class ResetLimited(Exception):
    """Too many password-reset requests for this address or from this client just now."""


def password_reset_request(*, email: str, client: str, domain: str, use_https: bool) -> None:
    """Ask for a password-reset e-mail to `email`, from the client at address `client`.

    The same work is done whether or not `email` has an account (counted, then one task
    queued; the task looks the address up), so neither the answer nor its time tells which.
    Raises ResetLimited past RESET_LIMIT_PER_EMAIL requests for the address or
    RESET_LIMIT_PER_CLIENT from the client within RESET_WINDOW, and
    config.celery.QueueUnavailable when the e-mail cannot be queued.
    """
    now = timezone.now()
    digest = _email_digest(email)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(at__lt=now - RESET_WINDOW).delete()
        recent = PasswordResetRequest.objects.filter(at__gte=now - RESET_WINDOW)
        if recent.filter(email_digest=digest).count() >= RESET_LIMIT_PER_EMAIL:
            raise ResetLimited(
                "Reset e-mails for this address were asked for several times in the last "
                "hour. Check your inbox (and spam folder) for the latest one, or try again "
                "in an hour."
            )
        if recent.filter(client=client).count() >= RESET_LIMIT_PER_CLIENT:
            raise ResetLimited(
                "Too many password resets were asked for from your network in the last hour. "
                "Try again in an hour, or ask your admin."
            )
        PasswordResetRequest.objects.create(email_digest=digest, client=client, at=now)
    enqueue("accounts.tasks.send_password_reset_to_address", email, domain, use_https)


def _email_digest(email: str) -> str:
    return salted_hmac("accounts.PasswordResetRequest", email.strip().lower()).hexdigest()


def password_reset_emails_send(*, email: str, domain: str, use_https: bool) -> int:
    """E-mail a reset link to each active account of `email` that has a password; how many."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return sum(
        password_reset_email_send(user_id=user.pk, domain=domain, use_https=use_https)
        for user in users
    )


def password_reset_email_send(*, user_id: int, domain: str, use_https: bool) -> bool:
    """E-mail the password-reset link to an active user; False when there is nobody to send to.

    The token is made here, at sending time, so a queued e-mail carries a fresh token.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": "Forcerank",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    # Django's form knows how to render subject and body into one EmailMultiAlternatives.
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.txt",
        context,
        None,
        user.email,
    )
    return True


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification to its user, once; False when there is nothing to send."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(
                pk=notification_id,
                emailed_at__isnull=True,
                email_wanted=True,
                user__is_active=True,
            )
            .first()
        )
        if notification is None:
            return False
        body = notification.message
        if notification.url:
            body += f"\n\nSee it in Forcerank: {settings.SITE_URL}{notification.url}"
        send_mail(f"Forcerank: {notification.message[:80]}", body, None, [notification.user.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
