"""Celery tasks of the CRM: a sync, the scheduled sync, one write-back, and the sweep."""

from __future__ import annotations

from celery import shared_task

from crm import services
from crm.writeback import write_back_attempt, write_backs_queue_due


@shared_task(acks_late=True)
def sync(run_id: int) -> str:
    """Run a started sync. acks_late: a worker that dies mid-way leaves the run to go stale;
    the next start closes it, and the pages it saved are not fetched again."""
    return services.sync_continue(run_id=run_id)


@shared_task
def sync_scheduled() -> str:
    """Run by Celery beat every CRM_SYNC_MINUTES: sync if a CRM is connected and no sync runs."""
    return services.sync_scheduled()


@shared_task(acks_late=True)
def write_back(write_back_id: int) -> str:
    return write_back_attempt(write_back_id=write_back_id)


@shared_task
def write_back_due() -> int:
    """Run by Celery beat every minute: write-backs due for a retry, or whose task was lost."""
    return write_backs_queue_due()
