from __future__ import annotations

from celery import shared_task

from accounts.services import password_reset_email_send


@shared_task(
    autoretry_for=(OSError,),  # SMTP hiccups: try again a little later
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset_email(user_id: int, domain: str, use_https: bool) -> None:
    password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    from accounts.services import notification_email_send

    notification_email_send(notification_id=notification_id)
