"""Celery tasks of the requests app. Each takes ids (or nothing), re-reads, calls a service."""

from __future__ import annotations

from celery import shared_task

from budgets.selectors import company_today
from feature_requests.ranking import ranking_carry_over_ended


@shared_task(acks_late=True)
def carry_over_rankings() -> int:
    """Run by Celery beat: ended quarters hand their ranking on to the next quarter."""
    return ranking_carry_over_ended(today=company_today())
