"""A fake HubSpot and a fake Salesforce on 127.0.0.1, and Forcerank connected to one of them
the way an admin connects a real CRM: through the environment's settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm.fakes.hubspot import FakeHubSpot


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def connected(settings, hubspot: FakeHubSpot) -> FakeHubSpot:
    """Forcerank connected to the fake HubSpot (HUBSPOT_ACCESS_TOKEN and its URL)."""
    settings.CRM_PROVIDER = ""
    settings.HUBSPOT_ACCESS_TOKEN = hubspot.token
    settings.HUBSPOT_API_URL = hubspot.url
    settings.HUBSPOT_PORTAL_ID = str(hubspot.portal_id)
    settings.SALESFORCE_CLIENT_ID = ""
    settings.CRM_RATE_LIMIT_MAX_WAIT = 5
    return hubspot


@pytest.fixture
def sync(db, connected):
    """Run one whole sync now, as the worker would; returns the finished run."""
    from crm.connection import provider
    from crm.models import SyncRun, Vendor
    from crm.sync import sync_run, sync_start

    def run(**kwargs):
        started, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
        return sync_run(run_id=started.pk, provider=provider(), **kwargs)

    return run


@pytest.fixture
def crm_rep(make_user):
    """A rep whose e-mail the fake CRM's deal owners use."""
    from accounts.models import Role

    return make_user(Role.SALES_REP, email="rita.rep@example.com", full_name="Rita Rep")


@pytest.fixture
def deliver(deliver_events, django_capture_on_commit_callbacks):
    """Deliver the published events and run what they queue for after commit (the
    write-back tasks, eager), as the worker would once the outbox's transaction commits."""

    def run() -> None:
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                delivered = deliver_events()
            if not delivered and not callbacks:
                return

    return run
