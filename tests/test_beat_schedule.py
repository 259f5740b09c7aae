"""Every periodic job the README promises is in Celery beat's schedule, and names a task."""

from __future__ import annotations

import re
from pathlib import Path

from config.celery import app

README = Path(__file__).resolve().parents[1] / "README.md"


def periodic_tasks_in_readme() -> set[str]:
    text = README.read_text()
    section = text[text.index("### The weekly review, the worker and beat") :]
    section = section[: section.index("\n## ")]
    return set(
        re.findall(
            r"`((?:events|accounts|budgets|feature_requests|commitments|reviews)\.tasks\.\w+)`",
            section,
        )
    )


def test_every_periodic_task_the_readme_names_is_scheduled():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    promised = periodic_tasks_in_readme() - {
        "reviews.tasks.generate_review"
    }  # queued, not periodic
    assert promised == {
        "events.tasks.dispatch_pending",
        "reviews.tasks.dispatch_reviews",
        "feature_requests.tasks.carry_over_rankings",
        "accounts.tasks.resend_notification_emails",
    }
    assert promised <= scheduled, promised - scheduled


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
