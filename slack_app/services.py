"""Slack's writes: the company's channel choice, people's links and DM choice, and the
messages posted, each once, retried with backoff while Slack refuses or is out of reach."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from slack_sdk.errors import SlackApiError

from accounts.models import Notification, User
from accounts.permissions import Action, require
from config.celery import QueueUnavailable, enqueue
from events.models import Event
from slack_app.client import (
    CALL_ERRORS,
    NOT_CONNECTED,
    SlackUnavailable,
    ask_slack,
    is_connected,
    problem_of,
    web_client,
)
from slack_app.messages import event_message, notification_message, section
from slack_app.models import CHANNEL_KINDS, SlackLink, SlackMessage, SlackSettings
from slack_app.selectors import slack_settings_current

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # then the message is marked failed and stays listed on the admin page
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=1)
# Older notices are not worth a DM any more (say, the token was missing for days).
DM_WITHIN = dt.timedelta(days=2)
SEND_BATCH = 200


# The company's choices -------------------------------------------------------------------


@transaction.atomic
def slack_settings_update(
    *, actor: User, channel_id: str, channel_name: str, kinds: Iterable[str]
) -> SlackSettings:
    """Choose the leadership channel (empty: none) and the kinds of events it gets."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    known = [kind for kind, _ in CHANNEL_KINDS]
    chosen = set(kinds)
    if unknown := chosen - set(known):
        raise ValidationError({"kinds": f"Unknown kinds of event: {', '.join(sorted(unknown))}."})
    config = SlackSettings.load()
    config.channel_id = channel_id
    config.channel_name = channel_name if channel_id else ""
    config.kinds = [kind for kind in known if kind in chosen]
    config.updated_by = actor
    config.save()
    return config


# People's links ----------------------------------------------------------------------------


def slack_link(*, user: User) -> SlackLink:
    """Link `user` to the Slack user with their Forcerank e-mail (users.lookupByEmail).

    Raises SlackUnavailable when Slack is not connected or cannot be asked, and
    ValidationError when no Slack user has that e-mail."""
    answer = ask_slack(
        lambda client: client.users_lookupByEmail(email=user.email), absent="users_not_found"
    )
    if answer is None:
        raise ValidationError(
            f"No one in the Slack workspace has the e-mail {user.email}. Use the same "
            "address in Slack as in Forcerank, or ask your admin."
        )
    slack_user_id = str((answer.get("user") or {}).get("id") or "")
    if not slack_user_id:
        raise SlackUnavailable("Slack did not say which user has that e-mail.")
    return _link_save(user=user, slack_user_id=slack_user_id)


@transaction.atomic
def _link_save(*, user: User, slack_user_id: str) -> SlackLink:
    link, _ = SlackLink.objects.update_or_create(
        user=user, defaults={"slack_user_id": slack_user_id, "linked_at": timezone.now()}
    )
    return link


@transaction.atomic
def slack_dms_set(*, user: User, enabled: bool) -> SlackLink:
    """Turn `user`'s DMs on or off; their account must be linked first."""
    link = SlackLink.objects.select_for_update().filter(user=user).first()
    if link is None:
        raise ValidationError("Link your Slack account first.")
    if enabled and not link.dms_enabled:
        link.dms_enabled_at = timezone.now()
    link.dms_enabled = enabled
    link.save(update_fields=["dms_enabled", "dms_enabled_at"])
    return link


@transaction.atomic
def slack_unlink(*, user: User) -> None:
    SlackLink.objects.filter(user=user).delete()


# Queueing messages ---------------------------------------------------------------------------


def _queue_send(message_id: int) -> None:
    """Queue the send after the surrounding transaction commits; if the queue is down, the
    message stays pending and the beat sweep sends it."""
    transaction.on_commit(partial(_enqueue_send, message_id))


def _enqueue_send(message_id: int) -> None:
    try:
        enqueue("slack_app.tasks.send_message", message_id)
    except QueueUnavailable:
        logger.warning("Slack message #%s not queued; the sweep sends it", message_id)


def channel_post_queue(*, event: Event) -> SlackMessage | None:
    """Queue the leadership channel's post of `event`, once, if Slack is connected, a channel
    is chosen and it gets this kind. Call in the event's delivery transaction."""
    if not is_connected():
        return None
    config = slack_settings_current()
    if not config.channel_id or event.kind not in config.kinds:
        return None
    built = event_message(event)
    if built is None:
        return None
    text, blocks = built
    message, created = SlackMessage.objects.get_or_create(
        event=event,
        target=config.channel_id,
        defaults={"kind": event.kind, "text": text, "blocks": blocks},
    )
    if created:
        _queue_send(message.pk)
    return message


def dms_queue(*, notification_ids: Iterable[int] | None = None) -> int:
    """Queue a DM for each recent notification (of `notification_ids`, or any) of a user who
    turned DMs on before it was made, unless it has one already; returns how many."""
    if not is_connected():
        return 0
    already = SlackMessage.objects.filter(notification=OuterRef("pk"))
    notifications = (
        Notification.objects.filter(
            ~Exists(already),
            Q(created_at__gte=F("user__slack_link__dms_enabled_at")),
            user__slack_link__dms_enabled=True,
            user__is_active=True,
            created_at__gte=timezone.now() - DM_WITHIN,
        )
        .select_related("user__slack_link")
        .order_by("id")
    )
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=list(notification_ids))
    messages = []
    for notification in notifications[:SEND_BATCH]:
        text, blocks = notification_message(notification.message, notification.url)
        link: SlackLink = notification.user.slack_link
        messages.append(
            SlackMessage(
                target=link.slack_user_id,
                kind=notification.kind or "notification",
                notification=notification,
                text=text,
                blocks=blocks,
            )
        )
    if not messages:
        return 0
    # Two routes may find the same notice at once: the constraint keeps one message.
    SlackMessage.objects.bulk_create(messages, ignore_conflicts=True)
    queued = SlackMessage.objects.filter(
        notification_id__in=[message.notification_id for message in messages],
        status=SlackMessage.Status.PENDING,
    ).values_list("id", flat=True)
    for message_id in queued:
        _queue_send(message_id)
    return len(messages)


@transaction.atomic
def slack_test_message_send(*, actor: User) -> SlackMessage:
    """Queue a test message to the leadership channel."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    if not is_connected():
        raise SlackUnavailable(NOT_CONNECTED)
    config = slack_settings_current()
    if not config.channel_id:
        raise ValidationError("Choose the leadership channel first.")
    text = f"Forcerank is connected: {actor.full_name} sent this test message."
    message = SlackMessage.objects.create(
        target=config.channel_id, kind="test", text=text, blocks=[section(text)]
    )
    _queue_send(message.pk)
    return message


# Sending -------------------------------------------------------------------------------------


def _backoff(attempts: int) -> dt.timedelta:
    wait: dt.timedelta = BACKOFF_FIRST * 2 ** max(attempts - 1, 0)
    return min(wait, BACKOFF_MAX)


def _retry_after(error: SlackApiError) -> dt.timedelta | None:
    """Slack's own wait for a rate-limited call (429 with Retry-After, in seconds)."""
    if error.response.status_code != 429:
        return None
    headers = {str(name).lower(): value for name, value in (error.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return dt.timedelta(seconds=max(int(str(value)), 1))
    except ValueError:
        return BACKOFF_FIRST


def slack_message_send(*, message_id: int, now: dt.datetime | None = None) -> SlackMessage | None:
    """Post one pending message that is due (chat.postMessage): record Slack's ts, or the
    error and when to try again. The row lock makes two workers take turns, so a message is
    posted once. Without a token it stays pending until Slack is connected."""
    with transaction.atomic():
        message = SlackMessage.objects.select_for_update().filter(pk=message_id).first()
        now = now or timezone.now()
        if (
            message is None
            or message.status != SlackMessage.Status.PENDING
            or message.next_attempt_at > now
            or not is_connected()
        ):
            return message
        try:
            answer = web_client().chat_postMessage(
                channel=message.target, text=message.text, blocks=message.blocks or None
            )
        except SlackApiError as error:
            _failed(message, problem_of(error), now, _retry_after(error))
        except CALL_ERRORS as error:
            _failed(message, problem_of(error), now, None)
        else:
            message.status = SlackMessage.Status.SENT
            message.ts = str(answer.get("ts") or "")
            message.sent_at = now
            message.last_error = ""
        message.attempts += 1
        message.save()
        return message


def _failed(
    message: SlackMessage, problem: str, now: dt.datetime, wait: dt.timedelta | None
) -> None:
    message.last_error = problem[:2000]
    if message.attempts + 1 >= MAX_ATTEMPTS:
        message.status = SlackMessage.Status.FAILED
        return
    message.next_attempt_at = now + (wait or _backoff(message.attempts + 1))


def slack_messages_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of pending messages whose time has come, oldest first."""
    return list(
        SlackMessage.objects.filter(
            status=SlackMessage.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:SEND_BATCH]
    )
