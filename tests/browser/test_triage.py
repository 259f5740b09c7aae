"""A sales manager triages several of their reps' requests at once, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.usefixtures("demo")
Status = FeatureRequest.Status


def test_it_lets_a_manager_accept_ticked_requests_with_an_owner(page, login):
    login("manager.east@example.com")
    page.goto("/triage/")
    cards = page.locator(".triage-item")
    titles = ["Offline mode for store tablets", "Slack alerts for anomalies"]
    for title in titles:
        card = cards.filter(has=page.get_by_role("link", name=title))
        expect(card.locator(".criticality")).to_have_text("Nice to have")
        card.get_by_role("checkbox").check()
    bulk = page.locator("#triage-bulk")
    bulk.get_by_label("Owning product manager").select_option(label="Paul Mendes")
    bulk.get_by_role("button", name="Accept ticked").click()
    expect(page.get_by_role("status").first).to_contain_text("2 requests accepted into")
    for title in titles:
        expect(page.get_by_role("link", name=title)).to_have_count(0)
        request = FeatureRequest.objects.get(title=title)
        assert request.status == Status.RANKED
        assert request.owner is not None and request.owner.full_name == "Paul Mendes"
