from __future__ import annotations

from celery import shared_task

from people.services import invitation_email_send


@shared_task(
    autoretry_for=(OSError,),  # SMTP hiccups: try again a little later
    retry_backoff=True,
    max_retries=5,
)
def send_invitation_email(user_id: int, invited_by_id: int, domain: str, use_https: bool) -> None:
    invitation_email_send(
        user_id=user_id, invited_by_id=invited_by_id, domain=domain, use_https=use_https
    )
