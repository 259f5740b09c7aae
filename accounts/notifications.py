"""Tell people what happened to the things they follow: in the app, and by e-mail."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, User
from config.celery import QueueUnavailable, enqueue

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[User], message: str, url: str = "") -> list[Notification]:
    """Leave `message` in each active user's notifications and queue its e-mail copy.

    The e-mail goes out after the surrounding transaction commits. If the queue cannot be
    reached the decision still stands: the notification is in the app, its `emailed_at`
    stays empty, and the failure is logged.
    """
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(user=user, message=message[:300], url=url) for user in recipients.values()
    )
    for notification in notifications:
        transaction.on_commit(partial(_queue_email, notification.pk))
    return notifications


def _queue_email(notification_id: int) -> None:
    try:
        enqueue("accounts.tasks.send_notification_email", notification_id)
    except QueueUnavailable:
        # The notice stands; `resend_notification_emails` (beat, hourly) sends its e-mail.
        logger.warning("E-mail of notification #%s not queued", notification_id, exc_info=True)


def notifications_mark_read(*, user: User) -> int:
    """Mark all of `user`'s unread notifications read; returns how many.

    One UPDATE scoped to the user: there is no id in the request to forge.
    """
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


RESEND_AFTER = dt.timedelta(minutes=10)  # give the first attempt time to go through
RESEND_WITHIN = dt.timedelta(days=2)  # older news is not worth an e-mail any more


def notifications_to_resend(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of recent notifications whose e-mail never went out (say, the queue was down)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now - RESEND_AFTER,
            created_at__gte=now - RESEND_WITHIN,
            user__is_active=True,
        ).values_list("id", flat=True)
    )
