from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.usefixtures("demo")

DASHBOARDS = [
    ("vp.sales@example.com", "Sales leader", "Your team"),
    ("manager.east@example.com", "Sales leader", "Your team"),
    ("rep.east1@example.com", "Sales rep", "Your manager"),
    ("vp.product@example.com", "Product leader", "Quarter planning"),
    ("pm1@example.com", "Product manager", "Estimates and progress"),
    ("admin@example.com", "Admin", "People"),
]


@pytest.mark.parametrize(("email", "role", "panel"), DASHBOARDS)
def test_it_shows_each_demo_role_its_dashboard(page, login, email, role, panel):
    login(email)
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator(".site-header .role-badge")).to_have_text(role)
    expect(page.get_by_role("heading", name=panel)).to_be_visible()
    expect(page.get_by_test_id("sales-budget")).to_have_text("40")


def test_it_tells_a_user_the_password_is_wrong(page, login):
    login("vp.sales@example.com", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "That e-mail and password do not match an account"
    )
    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_label("E-mail")).to_have_value("vp.sales@example.com")


def test_it_logs_out(page, login):
    login("rep.west2@example.com")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Forcerank")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")


def test_it_shows_a_rep_a_clear_403_on_a_product_leader_page(page, login, console_errors):
    login("rep.east2@example.com")
    expect(page.get_by_role("link", name="Quarters")).to_be_visible()
    response = page.goto("/quarters/new/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can’t do that")).to_be_visible()
    expect(page.get_by_text("Only product leaders set quarters")).to_be_visible()
    # Chromium logs the 403 itself; that one is expected.
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    )
