"""The CRM in Chromium: an admin connects HubSpot (a fake one on 127.0.0.1), tests the
connection, syncs and reads the counts; a deal's amount changed in HubSpot shows on the board
after the next sync."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from crm.fakes.hubspot import FakeHubSpot
from feature_requests.models import Deal

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def hubspot(settings) -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot()
    fake.start()
    # What an admin puts in the environment to connect a real HubSpot.
    settings.HUBSPOT_ACCESS_TOKEN = fake.token
    settings.HUBSPOT_API_URL = fake.url
    settings.CRM_PROVIDER = ""
    yield fake
    fake.stop()


def test_an_admin_connects_syncs_and_a_crm_change_reaches_the_board(page, login, hubspot):
    # HubSpot knows Globex (a customer of the demo's, typed in before the CRM was connected)
    # and its "Global rollout" deal, and one company Forcerank has never seen.
    globex = hubspot.add_company("Globex Corporation", arr=1_300_000)
    rollout = hubspot.add_deal(
        "Global rollout",
        globex,
        400_000,
        stage="presentationscheduled",
        owner_email="rep.west1@example.com",
    )
    hooli = hubspot.add_company("Hooli Labs")
    hubspot.add_deal("Pilot", hooli, 25_000, owner_email="rep.west1@example.com")

    login("admin@example.com")
    page.locator(".site-header").get_by_role("link", name="Integrations").click()
    page.get_by_role("navigation", name="Integrations").get_by_role("link", name="CRM").click()
    expect(page.get_by_test_id("crm-connected")).to_contain_text("HubSpot")

    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_test_id("crm-test-ok")).to_contain_text("12345678")

    page.get_by_role("button", name="Sync now").click()
    status = page.get_by_test_id("crm-sync-status")
    expect(status).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("crm-created")).to_have_text("2")  # Hooli Labs and its deal
    expect(page.get_by_test_id("crm-updated")).to_have_text("2")  # Globex and its deal adopted
    assert Deal.objects.get(external_id=rollout).name == "Global rollout"

    # The board shows the request Global rollout waits on with the deal's ARR...
    page.goto("/board/?customer=globex")
    row = page.locator("#board-rows tr.board-row").filter(has_text="Globex")
    expect(row.first).to_contain_text("$400,000")

    # ...and after the deal grows in HubSpot and the next sync, with the new amount.
    hubspot.update("deals", rollout, amount="650000")
    page.goto("/integrations/crm/")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("crm-sync-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("crm-updated")).to_have_text("1")
    page.goto("/board/?customer=globex")
    expect(row.first).to_contain_text("$650,000")
    expect(page.get_by_text(re.compile(r"\$400,000"))).to_have_count(0)
