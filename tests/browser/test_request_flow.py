"""A request's way from a rep's deal to the ranking board, through every role's screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.usefixtures("demo")

TITLE = "Approval workflows for purchase orders"


def log_in_as(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("forcerank-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_it_takes_a_request_from_a_rep_to_the_board(page):
    # The rep submits a request behind one of their deals.
    log_in_as(page, "rep.east2@example.com")
    page.goto("/requests/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Problem").fill(
        "Finance must approve every purchase order by e-mail today; orders stall for days."
    )
    deal_row = page.get_by_role("group", name="Deal 1")
    deal_row.get_by_role("combobox", name="Deal").press_sequentially("first con")
    deal_row.get_by_role("listbox").get_by_role(
        "option", name=re.compile("Bluth Homes: First contract")
    ).click()
    deal_row.get_by_label("Criticality").select_option(label="Blocker")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("$15,000").first).to_be_visible()
    log_out(page)

    # Their manager accepts it into the current quarter's ranking.
    log_in_as(page, "manager.east@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage").click()
    item = page.locator(".triage-item").filter(has=page.get_by_role("link", name=TITLE))
    item.get_by_role("button", name="Accept").click()
    request = FeatureRequest.objects.get(title=TITLE)
    assert request.status == FeatureRequest.Status.RANKED
    log_out(page)

    # A PM estimates it inline.
    log_in_as(page, "pm2@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Estimates").click()
    page.get_by_label(f"Story points for “{TITLE}”").fill("5")
    row = page.locator("tr").filter(has=page.get_by_label(f"Story points for “{TITLE}”"))
    row.get_by_role("button", name="Estimate").click()
    expect(row).to_contain_text("Paul Mendes")
    request.refresh_from_db()
    assert request.estimate_points == 5
    log_out(page)

    # It is on the board, last, with its deal's ARR and its estimate.
    log_in_as(page, "vp.sales@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ranking").click()
    board_row = page.locator("#board tr.board-row").last
    expect(board_row.get_by_role("link", name=TITLE)).to_be_visible()
    expect(board_row).to_contain_text("Bluth Homes")
    expect(board_row).to_contain_text("$15,000")
    expect(board_row.locator("td").nth(4)).to_have_text("5")
