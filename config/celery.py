"""The Celery app. Its settings are the CELERY_* names in config/settings.py."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("forcerank")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat fires the dispatcher often; it generates every review that is due and missing, so a
# missed or doubled beat changes nothing (reviews are unique per quarter and week). Once a
# minute by default, so the agenda is there when the meeting starts; each run is a few queries.
app.conf.beat_schedule = {
    # Every minute: deliver the events whose delivery task was never queued (the broker was
    # down) or did not finish (a worker died); each is delivered once whatever happens.
    "dispatch-pending-events": {
        "task": "events.tasks.dispatch_pending",
        "schedule": float(os.environ.get("EVENT_SWEEP_SECONDS", "60")),
    },
    "dispatch-weekly-reviews": {
        "task": "reviews.tasks.dispatch_reviews",
        "schedule": float(os.environ.get("REVIEW_DISPATCH_SECONDS", "60")),
    },
    # Hourly: the first run after a quarter ends moves its ranking to the next quarter.
    "carry-over-rankings": {
        "task": "feature_requests.tasks.carry_over_rankings",
        "schedule": 60 * 60,
    },
    # Every minute: webhook retries that are due, and deliveries whose task was lost.
    "deliver-due-webhooks": {
        "task": "webhooks.tasks.deliver_due_webhooks",
        "schedule": 60.0,
    },
    # Hourly: queue again the notification e-mails that could not be queued (Redis was down).
    "resend-notification-emails": {
        "task": "accounts.tasks.resend_notification_emails",
        "schedule": 60 * 60,
    },
    # Every minute: post the Slack messages that are due (retries after a Slack error or rate
    # limit, or a queue that was down) and queue DMs of notices no other route queued.
    "send-slack-messages": {
        "task": "slack_app.tasks.send_due_messages",
        "schedule": 60,
    },
    # Every CRM_SYNC_MINUTES (15): sync the CRM's changes since the last committed page (a no-op
    # without a CRM); every minute: CRM write-backs that are due or whose task was lost.
    "sync-crm": {
        "task": "crm.tasks.sync_scheduled",
        "schedule": 60 * float(os.environ.get("CRM_SYNC_MINUTES", "15")),
    },
    "write-back-to-crm": {
        "task": "crm.tasks.write_back_due",
        "schedule": 60.0,
    },
}


class QueueUnavailable(Exception):
    """The broker could not be reached, so the task was not enqueued."""


def enqueue(task: str | Task[..., object], *args: Any) -> None:
    """Send `task` (a task, or its registered name) with `args` once the surrounding
    transaction commits (at once outside one).

    A service names its app's task ("reviews.tasks.generate_review") rather than importing
    it, because the task module imports the service: no import circle.

    Raises QueueUnavailable when the broker is unreachable, so that a view can tell the user
    instead of failing with a 500.
    """

    def send() -> None:
        signature = app.signature(task) if isinstance(task, str) else task.s()
        try:
            signature.delay(*args)
        except OperationalError as error:
            raise QueueUnavailable(str(error)) from error

    transaction.on_commit(send)
