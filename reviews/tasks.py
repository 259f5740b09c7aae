"""Celery tasks of the weekly review. Each takes ids, re-reads, and calls a service."""

from __future__ import annotations

from celery import shared_task

from reviews.services import review_dispatch, review_generate


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def generate_review(review_id: int) -> None:
    """Generate one weekly review. Its `review.ready` event e-mails the agenda to both VPs.

    acks_late: a worker that dies mid-way leaves the message for another; generation is
    idempotent (a ready review is left alone), so running it twice is harmless.
    """
    review_generate(review_id=review_id)


@shared_task(acks_late=True)
def dispatch_reviews() -> int:
    """Run by Celery beat every minute: ask for every review that is due and missing, and
    refresh this week's once at the meeting time if it was prepared earlier."""
    return len(review_dispatch())
