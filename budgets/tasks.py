"""Celery tasks of the budgets app. Each takes ids, re-reads, and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from budgets import reviews


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def generate_review(review_id: int) -> None:
    """Generate one weekly review; once generated, e-mail it to both VPs (a task of its own).

    acks_late: a worker that dies mid-way leaves the message for another; generation is
    idempotent (a ready review is left alone), so running it twice is harmless.
    """
    _, generated = reviews.review_generate(review_id=review_id)
    if generated:
        transaction.on_commit(lambda: email_review.delay(review_id), robust=True)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_review(review_id: int) -> int:
    from budgets.review_email import review_email_send

    review = reviews.WeeklyReview.objects.select_related("quarter").filter(pk=review_id).first()
    return review_email_send(review=review) if review is not None else 0


@shared_task(acks_late=True)
def dispatch_reviews() -> int:
    """Run by Celery beat every minute: ask for every review that is due and missing."""
    return len(reviews.review_dispatch())
