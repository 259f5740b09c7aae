"""What Slack hears of the outbox: leadership events in the channel, notices as DMs.

Subscribers of the event outbox (registered in `SlackAppConfig.ready`): each runs once per
committed event, in a transaction of its own; they only write the messages to send and
queue their sending after the commit, so a redelivered event posts nothing twice.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Notification
from accounts.notifications import EMAIL_CHOICES
from events.kinds import Kind
from events.models import Event
from events.registry import subscribe
from slack_app.models import CHANNEL_KINDS
from slack_app.services import channel_post_queue, dms_queue


@subscribe(*(Kind(kind) for kind, _ in CHANNEL_KINDS), name="slack_app.post_to_channel")
def post_to_channel(event: Event) -> None:
    channel_post_queue(event=event)


# The kinds whose subscribers leave notices. Named to sort after the domain apps'
# subscribers, which run first for the same event (subscribers run in name order): the
# notices they just made are found here. The beat sweep (`send_due_messages`) catches any other.
@subscribe(*(Kind(kind) for kind, _ in EMAIL_CHOICES), name="slack_app.zz_direct_messages")
def direct_messages(event: Event) -> None:
    dms_queue()


def notification_created(
    sender: type[Notification], instance: Notification, created: bool, **kwargs: Any
) -> None:
    """post_save of a notification saved one by one (`notify` makes them in bulk, without
    the signal: the subscriber above finds those)."""
    if created:
        dms_queue(notification_ids=[instance.pk])
