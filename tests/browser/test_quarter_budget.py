from __future__ import annotations

import pytest
from playwright.sync_api import expect

from budgets.models import Quarter

pytestmark = pytest.mark.usefixtures("demo")


def open_current_quarter_form(page, login):
    login("vp.product@example.com")
    page.get_by_role("link", name="Change capacity or share").click()
    expect(page.get_by_role("heading", name="Edit ")).to_be_visible()


def test_it_lets_the_vp_product_change_the_share_and_see_the_new_budget(page, login):
    open_current_quarter_form(page, login)
    page.get_by_label("Capacity (story points)").fill("500")
    page.get_by_label("Sales share (%)").fill("12")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("a sales budget of 60 points")
    expect(page.get_by_test_id("sales-budget")).to_have_text("60")
    expect(page.get_by_text("Sales share (%): 10 → 12", exact=True)).to_be_visible()
    page.goto("/")
    expect(page.get_by_test_id("sales-budget")).to_have_text("60")


def test_it_shows_bad_input_next_to_the_field_and_keeps_the_budget(page, login, console_errors):
    open_current_quarter_form(page, login)
    page.get_by_label("Capacity (story points)").fill("0")
    page.get_by_label("Sales share (%)").fill("150")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    capacity = page.locator(".field").filter(has=page.get_by_label("Capacity (story points)"))
    expect(capacity.locator(".errorlist")).to_have_text("Capacity must be at least 1 story point.")
    share = page.locator(".field").filter(has=page.get_by_label("Sales share (%)"))
    expect(share.locator(".errorlist")).to_have_text("A percentage cannot be above 100.")
    assert sorted(Quarter.objects.values_list("capacity_points", flat=True)) == [400, 420]
    # The form comes back with status 400, which Chromium logs.
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )


@pytest.mark.parametrize("page", [{"width": 375, "height": 740}], indirect=True)
def test_it_works_on_a_phone(page, login):
    login("vp.sales@example.com")
    expect(page.get_by_test_id("sales-budget")).to_have_text("40")
    # The header's links are behind its menu button on a phone.
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Quarters")).to_be_visible()
    # Nothing spills sideways: the page is no wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
