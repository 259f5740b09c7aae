from __future__ import annotations

from celery import shared_task

from budgets.models import Quarter
from feature_requests.board import board_notify_crossings


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def notify_cut_line_crossings(quarter_id: int, was_proposed: list[int]) -> None:
    quarter = Quarter.objects.filter(pk=quarter_id).first()
    if quarter is not None:
        board_notify_crossings(quarter=quarter, was_proposed=set(was_proposed))


@shared_task(acks_late=True)
def carry_over_rankings() -> int:
    """Run by Celery beat: ended quarters hand their ranking on to the next quarter."""
    from budgets.selectors import company_today
    from feature_requests.ranking import ranking_carry_over_ended

    return ranking_carry_over_ended(today=company_today())
