"""Celery tasks of the Slack app: post a message, sweep up what is due, answer a command."""

from __future__ import annotations

import logging

from celery import shared_task
from slack_sdk.webhook import WebhookClient

from slack_app.client import CALL_ERRORS, TIMEOUT, SlackUnavailable
from slack_app.commands import command_answer
from slack_app.models import SlackMessage
from slack_app.services import dms_queue, slack_message_send, slack_messages_due

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_message(message_id: int) -> str:
    """Queued when a message is made: post it now. A failure is recorded on the message,
    with when to try again; the sweep below does."""
    message = slack_message_send(message_id=message_id)
    return message.status if message is not None else "missing"


@shared_task
def send_due_messages() -> int:
    """Beat, every minute: queue DMs of notices no route queued yet, then post every pending
    message that is due (retries after an error or a rate limit, or a queue that was down)."""
    dms_queue()
    sent = 0
    for message_id in slack_messages_due():
        message = slack_message_send(message_id=message_id)
        sent += message is not None and message.status == SlackMessage.Status.SENT
    return sent


@shared_task
def answer_command(slack_user_id: str, text: str, response_url: str) -> int:
    """Answer a `/forcerank` command at its response_url (Slack keeps it for 30 minutes)."""
    try:
        reply, blocks = command_answer(slack_user_id=slack_user_id, text=text)
    except SlackUnavailable as error:
        reply, blocks = f"Forcerank could not ask Slack who you are: {error}", []
    try:
        response = WebhookClient(response_url, timeout=TIMEOUT).send(
            text=reply, blocks=blocks or None, response_type="ephemeral"
        )
    except CALL_ERRORS:
        logger.warning("The answer to a /forcerank command did not reach Slack", exc_info=True)
        return 0
    return response.status_code
