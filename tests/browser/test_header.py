"""The header: a menu button on a phone, every link in view on a laptop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_page, axe_violations, log_in  # noqa: F401 (axe_page: a fixture)

pytestmark = pytest.mark.usefixtures("demo")

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_it_folds_the_links_into_a_menu_on_a_phone(page, login):
    login("vp.sales@example.com")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    header = page.locator(".site-header")
    menu_button = header.get_by_role("button", name="Menu")
    board_link = header.get_by_role("link", name="Ranking")
    log_out = header.get_by_role("button", name="Log out")

    # Closed: one row with the brand and the button, none of the links.
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(menu_button).to_have_attribute("aria-controls", "site-menu")
    expect(board_link).to_be_hidden()
    expect(log_out).to_be_hidden()
    assert header.bounding_box()["height"] < 80

    # Opened from the keyboard, its links and the account links come next in tab order.
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(board_link).to_be_visible()
    expect(header.get_by_role("link", name="Notifications")).to_be_visible()
    expect(header.get_by_role("link", name="Password")).to_be_visible()
    expect(log_out).to_be_visible()
    page.keyboard.press("Tab")
    expect(header.get_by_role("link", name="Dashboard")).to_be_focused()
    page.keyboard.press("Tab")
    expect(board_link).to_be_focused()

    # Escape closes it and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(menu_button).to_have_attribute("aria-expanded", "false")
    expect(board_link).to_be_hidden()
    expect(menu_button).to_be_focused()

    # A link in the menu leads where it says.
    menu_button.click()
    board_link.click()
    expect(page.get_by_role("heading", name="Ranking board", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_shows_every_link_without_a_menu_on_a_laptop(page, login):
    login("vp.sales@example.com")
    header = page.locator(".site-header")
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    expect(header.get_by_role("link", name="Ranking")).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_be_visible()
    expect(header.get_by_role("img")).to_have_count(0)  # the logo mark is decoration
    expect(header.locator(".brand-mark")).to_be_visible()


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_it_keeps_the_links_in_view_without_script(browser, live_server, login, page):
    login("vp.sales@example.com")
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto("/")
    header = plain.locator(".site-header")
    expect(header.get_by_role("link", name="Ranking")).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_be_visible()
    expect(header.get_by_role("button", name="Menu")).to_be_hidden()
    context.close()


def test_axe_finds_nothing_serious_in_the_open_menu(axe_page):  # noqa: F811
    axe_page.set_viewport_size(PHONE)
    log_in(axe_page, "admin@example.com")
    axe_page.get_by_role("button", name="Menu").click()
    expect(axe_page.locator(".site-header").get_by_role("link", name="People")).to_be_visible()
    assert axe_violations(axe_page, "the open menu (phone)") == []
