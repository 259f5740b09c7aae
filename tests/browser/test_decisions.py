"""The VP Product decides on the demo's proposed requests in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from budgets.selectors import quarter_current

pytestmark = pytest.mark.usefixtures("demo")


def log_in_as(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("forcerank-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def rows_above_the_line(page) -> int:
    return page.locator("#board tr.cut-line").evaluate(
        "line => { let n = 0, row = line.previousElementSibling;"
        " while (row) { if (row.classList.contains('board-row')) n++; row = row.previousElementSibling; }"
        " return n; }"
    )


def test_it_lets_the_vp_product_approve_the_top_proposed_request(page, console_errors):
    quarter = quarter_current()
    log_in_as(page, "vp.product@example.com")
    page.goto(f"/board/{quarter.label}/")
    assert rows_above_the_line(page) == 6
    expect(page.get_by_test_id("remaining")).to_contain_text("37")

    page.get_by_role("link", name="Decisions", exact=True).click()
    top = page.locator(".decision-item").first
    expect(top.get_by_role("link", name="EU data residency for workspaces")).to_be_visible()

    # One compact row each; a form opens for the action chosen, one at a time.
    expect(top.get_by_label("Decline, because")).to_be_hidden()
    top.locator("summary", has_text="Approve").click()
    expect(top.get_by_role("button", name="Approve 8 points")).to_be_visible()
    top.locator("summary", has_text="Decline").click()
    expect(top.get_by_role("button", name="Approve 8 points")).to_be_hidden()
    expect(page.locator("details.decision-action[open]")).to_have_count(1)

    # Declining needs a reason: blanks get past the browser, and the server refuses them.
    top.get_by_label("Decline, because").fill("   ")
    top.get_by_role("button", name="Decline “EU data residency").click()
    top = page.locator(".decision-item").first
    expect(top.locator(".errorlist")).to_have_text("Give sales the reason for declining.")
    expect(top.get_by_label("Decline, because")).to_be_visible()  # reopened with its error
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )

    top = page.locator(".decision-item").first
    top.locator("summary", has_text="Approve").click()
    top.get_by_role("button", name="Approve 8 points").click()
    expect(page.get_by_role("status").first).to_contain_text("EU data residency for workspaces")
    expect(page.get_by_test_id("remaining")).to_have_text("29")

    page.get_by_role("link", name="Budget", exact=True).click()
    expect(page.get_by_text("29").first).to_be_visible()
    expect(page.get_by_role("cell", name="EU data residency for workspaces")).to_be_visible()

    page.goto(f"/board/{quarter.label}/")
    expect(page.get_by_test_id("remaining")).to_contain_text("29")
    assert rows_above_the_line(page) == 5  # 5 + 0 + 13 + 8 + 3 = 29 fit; the next 5 do not
    expect(page.locator(".commitments-summary summary")).to_contain_text("holding 11 points")

    page.get_by_role("button", name="Log out").click()
    log_in_as(page, "rep.east1@example.com")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("“EU data residency for workspaces” is committed for")).to_be_visible()
