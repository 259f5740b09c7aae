"""The outbox under faults, with the real parts: a Celery worker process killed in the middle
of a delivery, and Redis stopped while events are published. Each event still reaches each
subscriber exactly once.

Both need PostgreSQL (row locks, a second process on the same database) and Redis; they skip
locally without them and fail under CI=true.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification, Role
from config.celery import app
from events.dispatch import events_dispatch_pending, events_pending
from events.kinds import Kind
from events.models import Delivery, Event
from events.registry import subscribers_for
from events.tasks import dispatch_pending
from feature_requests import services

ROOT = Path(__file__).resolve().parents[2]
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
pytestmark = pytest.mark.celery_worker


@pytest.fixture
def broker(transactional_db, postgres, service_missing):
    """Tasks go through Redis (not run inline), and the queue starts empty."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("CELERY_BROKER_URL is not set, so there is no Redis broker to test against")
    app.control.purge()
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.fixture
def submitted(cast, quarter):
    """A submitted request of 5 points (the budget is 40), its setup events all delivered."""
    rep, pm = cast[Role.SALES_REP], cast[Role.PRODUCT_MANAGER]
    request = services.request_submit(
        actor=rep, title="Audit log", problem="No audit trail.", quarter=quarter, deal_links=[]
    )
    services.request_estimate(actor=pm, request=request, points=5)
    events_dispatch_pending(grace=dt.timedelta(0))
    app.control.purge()
    Notification.objects.all().delete()
    return request


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker_process(log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *CELERY_WORKER,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited: {log.read_text()[-2000:]}")
        if app.control.ping(timeout=0.5):
            return process
    process.kill()
    pytest.fail(f"the worker did not start: {log.read_text()[-2000:]}")


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def told(user, text: str) -> int:
    return Notification.objects.filter(user=user, message__contains=text).count()


def test_an_event_whose_worker_was_killed_mid_delivery_is_delivered_once(
    broker, cast, quarter, submitted, tmp_path
):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    worker = start_worker_process(tmp_path / "worker.log")
    # Keep notices from being written for a while: the notice to the rep then waits inside
    # the worker's delivery transaction, before its commit, and the worker is killed there.
    # The cut line's follower, which runs before it and writes no notice, completes.
    blocker = psycopg.connect(database_url())
    watcher = psycopg.connect(database_url(), autocommit=True)  # sees pg_stat_activity afresh
    try:
        blocker.execute("LOCK TABLE accounts_notification IN SHARE MODE")
        services.request_accept(actor=leader, request=submitted, quarter=quarter)
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'INSERT INTO \"accounts_notification\"%%'"
        )
        assert wait_for(lambda: watcher.execute(waiting).fetchone()[0] > 0), (
            tmp_path / "worker.log"
        ).read_text()[-2000:]
        worker.kill()
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
        if worker.poll() is None:
            worker.kill()

    event = Event.objects.get(kind=Kind.REQUEST_ACCEPTED)
    tell_the_rep = "feature_requests.subscribers.tell_the_rep_and_pms_about_the_ranking"
    # Nothing of the killed delivery stayed (its transaction never committed); the delivery
    # that finished before it did.
    assert wait_for(
        lambda: not Delivery.objects.filter(event=event, subscriber=tell_the_rep).exists(), 10
    )
    # (The subscribers that run before it: the cut line's follower and the CRM write-back,
    # which writes nothing here, with no CRM connected.)
    assert sorted(event.deliveries.values_list("subscriber", flat=True)) == [
        "commitments.subscribers.follow_the_cut_line",
        "crm.subscribers.write_back",
    ]
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert told(rep, "was accepted") == 0

    # Celery beat's sweep (without waiting out its grace period) finishes it, once.
    assert events_dispatch_pending(grace=dt.timedelta(0)) >= 1
    assert events_dispatch_pending(grace=dt.timedelta(0)) == 0
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.deliveries.count() == len(subscribers_for(Kind.REQUEST_ACCEPTED))
    assert told(rep, "was accepted") == 1
    assert told(cast[Role.PRODUCT_LEADER], "crossed above the cut line") == 1


def redis_command(*args: str) -> subprocess.CompletedProcess:
    url = urlsplit(settings.CELERY_BROKER_URL)
    return subprocess.run(
        [REDIS_CLI, "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 6379), *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def start_redis() -> None:
    """The machine's own command for its Redis (see .ci/services)."""
    url = urlsplit(settings.CELERY_BROKER_URL)
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(REDIS_SERVER, "--daemonize", "yes", "--bind", "127.0.0.1", "-::1"),
            *("--port", str(url.port or 6379), "--save", "", "--appendonly", "no"),
            *("--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"),
        ],
        check=True,
        timeout=10,
    )
    assert wait_for(lambda: redis_command("ping").stdout.strip() == "PONG", 20)


def test_events_published_while_redis_was_down_are_delivered_once_it_is_back(
    broker, cast, quarter, submitted, request, settings
):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    assert redis_command("ping").stdout.strip() == "PONG"
    redis_command("shutdown", "nosave")
    try:
        assert wait_for(lambda: redis_command("ping").returncode != 0, 10)
        # The decision stands while the queue is down; only its delivery waits.
        services.request_accept(actor=leader, request=submitted, quarter=quarter)
        submitted.refresh_from_db()
        assert submitted.status == "ranked"
    finally:
        start_redis()

    event = Event.objects.get(kind=Kind.REQUEST_ACCEPTED)
    assert event.dispatched_at is None
    assert told(rep, "was accepted") == 0

    settings.EVENTS_SWEEP_GRACE_SECONDS = 0
    assert events_pending() == [event.pk]
    request.getfixturevalue("celery_worker")  # a real worker, consuming from the new Redis
    for _ in range(5):  # the first publish after the restart may meet a stale connection
        try:
            dispatch_pending.delay()  # what Celery beat sends every minute
            break
        except Exception:
            time.sleep(0.5)
    assert wait_for(lambda: Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists())
    dispatch_pending.delay()  # a second sweep finds nothing to do
    time.sleep(1)
    assert told(rep, "was accepted") == 1
    assert told(cast[Role.PRODUCT_LEADER], "crossed above the cut line") == 1
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0
