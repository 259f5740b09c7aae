"""The Celery app. Its settings are the CELERY_* names in config/settings.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("forcerank")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat fires the dispatcher often; it generates every review that is due and missing, so a
# missed or doubled beat changes nothing (reviews are unique per quarter and week). Once a
# minute by default, so the agenda is there when the meeting starts; each run is a few queries.
app.conf.beat_schedule = {
    "dispatch-weekly-reviews": {
        "task": "budgets.tasks.dispatch_reviews",
        "schedule": float(os.environ.get("REVIEW_DISPATCH_SECONDS", "60")),
    },
    # Hourly: the first run after a quarter ends moves its ranking to the next quarter.
    "carry-over-rankings": {
        "task": "feature_requests.tasks.carry_over_rankings",
        "schedule": 60 * 60,
    },
}


class QueueUnavailable(Exception):
    """The broker could not be reached, so the task was not enqueued."""


def enqueue(task, *args) -> None:
    """Send `task` with `args` once the surrounding transaction commits (at once outside one).

    Raises QueueUnavailable when the broker is unreachable, so that a view can tell the user
    instead of failing with a 500.
    """
    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError as error:
            raise QueueUnavailable(str(error)) from error

    transaction.on_commit(send)
