"""Duplicate hints in Chromium: a rep types a title like an existing request's, is shown that
request, and adds their deal to it instead of submitting a duplicate."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.usefixtures("demo")


def test_a_rep_adds_their_deal_to_the_existing_request(page, login):
    login("rep.east2@example.com")
    page.goto("/requests/new/")
    page.get_by_label("Title").press_sequentially("Audit log export to S3")
    hints = page.locator("#duplicate-hints")
    expect(hints.get_by_role("link", name="Audit log export", exact=True)).to_be_visible()

    row = page.get_by_role("group", name="Deal 1")
    box = row.get_by_role("combobox", name="Deal")
    box.press_sequentially("first con")
    row.get_by_role("option", name=re.compile("Bluth Homes: First contract")).click()
    expect(box).to_have_value("Bluth Homes: First contract")
    row.get_by_label("Criticality").select_option(label="Blocker")

    existing = FeatureRequest.objects.get(title="Audit log export")
    hints.get_by_role(
        "button", name=re.compile(f"Add my deal to this one instead.*#{existing.pk}")
    ).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Audit log export")
    expect(
        page.get_by_text("Bluth Homes: First contract added to “Audit log export”")
    ).to_be_visible()
    assert not FeatureRequest.objects.filter(title="Audit log export to S3").exists()
    assert existing.deal_links.filter(deal__name="First contract", criticality="blocker").exists()
