"""`manage.py crm_fake`'s HubSpot against the demo: the first sync adopts the demo's customers
and deals (typed in before the CRM was connected) and brings the one company it lacks."""

from __future__ import annotations

import pytest

from crm.fakes.hubspot import FakeHubSpot
from crm.models import SyncRun, Vendor
from crm.providers.hubspot import HubSpotProvider
from crm.selectors import settings_for
from crm.sync import sync_run, sync_start
from demo.management.commands.crm_fake import seed_fake
from demo.management.commands.seed_demo import DEMO_CUSTOMERS, DEMO_DEALS
from feature_requests.models import Customer, Deal

pytestmark = pytest.mark.django_db


def test_the_fake_crm_matches_the_demo_and_adds_one_company(seed):
    seed()
    fake = FakeHubSpot()
    seed_fake(fake)
    fake.start()
    try:
        crm_settings = settings_for(Vendor.HUBSPOT)
        crm_settings.arr_field = "annualrevenue"
        crm_settings.save()
        started, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
        run = sync_run(
            run_id=started.pk,
            provider=HubSpotProvider(access_token=fake.token, api_url=fake.url),
        )
    finally:
        fake.stop()

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert (run.created, run.skipped) == (2, 0), run.problems
    assert run.updated == len(DEMO_CUSTOMERS) + len(DEMO_DEALS)  # each takes its CRM id
    assert Customer.objects.count() == len(DEMO_CUSTOMERS) + 1
    assert Deal.objects.count() == len(DEMO_DEALS) + 1
    assert not Deal.objects.filter(external_id__isnull=True).exists()
    assert Customer.objects.get(name="Wayne Enterprises").arr == 2_400_000
