"""Tell people what happened to the things they follow: in the app, and by e-mail."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, User
from config.celery import QueueUnavailable, enqueue
from events.kinds import Kind

logger = logging.getLogger(__name__)


# The notices people may choose to get by e-mail as well, by the kind of event behind them.
EMAIL_CHOICES: list[tuple[str, str]] = [
    (Kind.REQUEST_SUBMITTED, "one of my reps submits a request"),
    (Kind.REQUEST_ACCEPTED, "a request of mine is ranked, or a ranked request needs an estimate"),
    (Kind.ESTIMATE_CHANGED, "a request of mine is estimated"),
    (Kind.REQUEST_OWNER_CHANGED, "a request is assigned to me as its owning product manager"),
    (Kind.REQUEST_DECLINED_BY_SALES, "sales declines a request of mine"),
    (Kind.COMMITMENT_APPROVED, "a request of mine is committed, or a commitment goes over budget"),
    (Kind.REQUEST_DECLINED, "product declines a request of mine"),
    (Kind.COMMITMENT_SHIPPED, "a request of mine ships"),
    (Kind.COMMITMENT_DROPPED, "a commitment is dropped, and what it cost"),
    (Kind.SWAP_PROPOSED, "a swap is proposed"),
    (Kind.SWAP_APPROVED, "a swap is approved"),
    (Kind.SWAP_REJECTED, "a swap of mine is rejected"),
    (Kind.CUT_LINE_CROSSED, "a request crosses above the cut line"),
    (Kind.BUDGET_CHANGED, "capacity or share changes the sales budget"),
]


def notify(
    *, users: Iterable[User | None], message: str, url: str = "", kind: str = ""
) -> list[Notification]:
    """Leave `message` in each active user's notifications and queue its e-mail copy, unless
    the user reads notices of this `kind` (an event kind) in the app only.

    The e-mail goes out after the surrounding transaction commits. If the queue cannot be
    reached the decision still stands: the notification is in the app, its `emailed_at`
    stays empty, and the failure is logged.
    """
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(
            user=user,
            message=message[:300],
            url=url,
            kind=kind,
            email_wanted=kind not in user.email_muted_kinds,
        )
        for user in recipients.values()
    )
    for notification in notifications:
        if notification.email_wanted:
            transaction.on_commit(partial(_queue_email, notification.pk))
    return notifications


def notification_emails_choose(*, user: User, kinds: Iterable[str]) -> list[str]:
    """Keep `kinds` coming by e-mail and read every other kind in the app only; returns the
    kinds now muted. Notices already made keep the choice they were made with."""
    wanted = set(kinds)
    known = [kind for kind, _ in EMAIL_CHOICES]
    if unknown := wanted - set(known):
        raise ValidationError({"kinds": f"Unknown kinds of notice: {', '.join(sorted(unknown))}."})
    muted = [kind for kind in known if kind not in wanted]
    user.email_muted_kinds = muted
    user.save(update_fields=["email_muted_kinds"])
    return muted


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
            email_wanted=True,
            created_at__lte=now - RESEND_AFTER,
            created_at__gte=now - RESEND_WITHIN,
            user__is_active=True,
        ).values_list("id", flat=True)
    )
