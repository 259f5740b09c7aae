from __future__ import annotations

from celery import shared_task

from accounts.notifications import notifications_to_resend
from accounts.services import (
    notification_email_send,
    password_reset_email_send,
    password_reset_emails_send,
)


@shared_task(
    autoretry_for=(OSError,),  # SMTP hiccups: try again a little later
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset_email(user_id: int, domain: str, use_https: bool) -> None:
    # Kept for reset e-mails queued before send_password_reset_to_address replaced it.
    password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset_to_address(email: str, domain: str, use_https: bool) -> int:
    """The reset e-mail for whatever account `email` has, if any: the lookup is here, not in
    the request, so a request for an unknown address looks and takes the same."""
    return password_reset_emails_send(email=email, domain=domain, use_https=use_https)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    notification_email_send(notification_id=notification_id)


@shared_task(acks_late=True)
def resend_notification_emails() -> int:
    """Run by Celery beat: queue again the e-mails that could not be queued the first time.

    Sending is idempotent (`emailed_at` is set once, under a row lock), so a copy queued twice
    is sent once.
    """
    ids = notifications_to_resend()
    for notification_id in ids:
        send_notification_email.delay(notification_id)
    return len(ids)
