from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.usefixtures("demo")


def test_an_admin_invites_one_person_and_deactivates_another(page, login, browser, live_server):
    # Morgan, a rep, is signed in elsewhere.
    morgan_context = browser.new_context(base_url=live_server.url)
    morgan = morgan_context.new_page()
    morgan.goto("/accounts/login/")
    morgan.get_by_label("E-mail").fill("rep.west2@example.com")
    morgan.get_by_label("Password").fill("forcerank-demo")
    morgan.get_by_role("button", name="Log in").click()
    expect(morgan.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    login("admin@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()

    # Invite Nina as a rep of Wendy West.
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Name").fill("Nina Newcomb")
    page.get_by_label("E-mail").fill("nina@example.com")
    page.get_by_label("Role").select_option(label="Sales rep")
    page.get_by_label("Manager").select_option(label="Wendy West")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Nina Newcomb is invited")
    expect(page.get_by_role("heading", name="Nina Newcomb")).to_be_visible()
    nina = User.objects.get(email="nina@example.com")
    assert nina.manager.full_name == "Wendy West" and nina.is_active
    assert [message.to for message in mail.outbox] == [["nina@example.com"]]
    assert re.search(r"/accounts/password/reset/\S+/", mail.outbox[0].body)

    # Find Morgan by searching, then deactivate her through the confirmation step.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("main").get_by_label("Search").fill("morgan")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.locator(".people-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Morgan Wade").click()
    page.get_by_role("link", name="Deactivate…").click()
    expect(page.get_by_role("heading", name="Deactivate Morgan Wade?")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Open deals \(\d+\)$"))).to_be_visible()
    page.get_by_label("Reason (optional)").fill("Left the company")
    page.get_by_role("button", name="Deactivate Morgan").click()
    expect(page.get_by_role("status")).to_contain_text("Morgan Wade is deactivated")
    expect(page.get_by_role("button", name="Reactivate Morgan")).to_be_visible()
    expect(page.get_by_text("Reason: “Left the company”")).to_be_visible()

    # Morgan's next click finds her signed out, and she cannot sign in again.
    morgan.reload()
    expect(morgan.get_by_role("heading", name="Log in to Forcerank")).to_be_visible()
    morgan.get_by_label("E-mail").fill("rep.west2@example.com")
    morgan.get_by_label("Password").fill("forcerank-demo")
    morgan.get_by_role("button", name="Log in").click()
    expect(morgan.get_by_role("alert")).to_be_visible()
    expect(morgan.get_by_role("heading", name="Log in to Forcerank")).to_be_visible()
    morgan_context.close()


@pytest.mark.parametrize("page", [{"width": 375, "height": 740}], indirect=True)
def test_the_people_page_works_on_a_phone(page, login):
    login("admin@example.com")
    page.goto("/people/")
    expect(page.get_by_role("link", name="Morgan Wade")).to_be_visible()
    # Each person is a small card: nothing spills sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
