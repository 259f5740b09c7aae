"""A Celery worker killed in the middle of a sync (SIGKILL: no goodbye): the pages it saved stay,
the run is closed as stopped, and the next sync resumes after the last saved page with no
duplicate. A real worker process on PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from crm import services
from crm.connection import provider
from crm.models import SyncRun, Vendor
from crm.sync import STALE_AFTER, sync_run, sync_start
from feature_requests.models import Deal

pytestmark = pytest.mark.celery_worker
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_loses_nothing_and_the_next_sync_resumes(
    postgres, service_missing, connected, crm_rep, cast, wait_for
):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("CELERY_BROKER_URL is not set: no Redis for a real worker")
    from config.celery import app

    company = connected.add_company("Acme Corp")
    connected.add_deals(1000, company_id=company, owner_email=crm_rep.email)
    connected.delay = 0.2  # a slow CRM: the sync takes a few seconds, time to kill it
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/"
        f"{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "HUBSPOT_ACCESS_TOKEN": connected.token,
        "HUBSPOT_API_URL": connected.url,
        "DEBUG": "1",
    }
    app.conf.task_always_eager = False
    app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run, started = services.sync_now(actor=cast[Role.ADMIN])
        assert started
        assert wait_for(lambda: Deal.objects.count() >= 300, 60), "the worker did not sync"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
        app.control.purge()
        app.conf.task_always_eager = True

    run.refresh_from_db()
    saved = Deal.objects.count()
    assert run.status == SyncRun.Status.RUNNING  # nobody closed it: the worker just vanished
    assert saved % 100 == 0 and 300 <= saved < 1000  # whole pages, each with its cursor

    # Ten minutes without a heartbeat later, the next sync closes it and resumes.
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - timezone.timedelta(seconds=1)
    )
    connected.delay = 0
    searches_before = len(connected.requests_to("/crm/v3/objects/deals/search"))
    resumed, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.SCHEDULED)
    resumed = sync_run(run_id=resumed.pk, provider=provider())

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED and "Stopped without finishing" in run.message
    assert resumed.status == SyncRun.Status.SUCCEEDED, resumed.message
    assert resumed.created == 1000 - saved
    assert Deal.objects.count() == 1000
    assert Deal.objects.values("external_id").distinct().count() == 1000
    pages_left = (1000 - saved) // 100
    searched = len(connected.requests_to("/crm/v3/objects/deals/search")) - searches_before
    assert searched <= pages_left + 1  # from the saved cursor, not from the start
