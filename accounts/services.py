from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Notification, User


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
