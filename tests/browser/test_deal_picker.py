"""The request form's deal picker in Chromium: search as you type, pick with the keyboard or
the mouse, clear a row, add a row."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feature_requests.models import Deal, FeatureRequest

pytestmark = pytest.mark.usefixtures("demo")


def log_in_as(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("forcerank-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def describe_the_request(page, title):
    page.goto("/requests/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Problem").fill("Their buyers cannot find the contract terms.")


def test_it_picks_a_deal_with_the_keyboard(page):
    log_in_as(page, "rep.east2@example.com")
    describe_the_request(page, "Contract terms on every invoice")
    row = page.get_by_role("group", name="Deal 1")
    box = row.get_by_role("combobox", name="Deal")

    box.press_sequentially("zzq")
    expect(row.locator(".deal-picker-popup")).to_have_text("No open deal matches “zzq”.")
    expect(row.get_by_role("status")).to_have_text("No open deal matches “zzq”.")  # read out
    expect(box).to_have_attribute("aria-expanded", "false")

    # Part of the customer's name; the rep's closed deal of the same customer is not offered.
    box.fill("")
    box.press_sequentially("initech")
    expect(row.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    box.fill("")
    box.press_sequentially("blu")
    option = row.get_by_role("listbox").get_by_role(
        "option", name=re.compile("Bluth Homes: First contract")
    )
    expect(option).to_be_visible()
    expect(option).to_contain_text("Negotiation · $15,000")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(row.get_by_role("status")).to_contain_text("1 deal matches")

    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "-")
    box.press("Enter")  # picks the deal; the form is not submitted yet
    expect(box).to_have_value("Bluth Homes: First contract")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(row.get_by_role("listbox")).to_be_hidden()
    deal = Deal.objects.get(name="First contract")
    expect(row.locator('input[name="deals-0-deal"]')).to_have_value(str(deal.pk))
    # ArrowDown opens the list again, Escape closes it and keeps the pick.
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("Bluth Homes: First contract")

    row.get_by_label("Criticality").select_option(label="Blocker")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", name="Contract terms on every invoice")).to_be_visible()
    expect(page.get_by_text("First contract").first).to_be_visible()
    request = FeatureRequest.objects.get(title="Contract terms on every invoice")
    assert list(request.deal_links.values_list("deal__name", "criticality")) == [
        ("First contract", "blocker")
    ]


def test_it_adds_a_row_picks_with_the_mouse_and_clears_a_row(page):
    log_in_as(page, "vp.sales@example.com")
    describe_the_request(page, "Warehouse KPIs")
    first = page.get_by_role("group", name="Deal 1")
    first.get_by_role("combobox", name="Deal").press_sequentially("hooli")
    first.get_by_role("listbox").get_by_role("option", name=re.compile("Forecasting pilot")).click()
    expect(first.get_by_role("combobox", name="Deal")).to_have_value(
        "Hooli Retail: Forecasting pilot"
    )
    first.get_by_role("button", name="Clear deal 1").click()
    expect(first.get_by_role("combobox", name="Deal")).to_have_value("")
    expect(first.locator('input[name="deals-0-deal"]')).to_have_value("")

    page.get_by_role("button", name="Add another deal").click()
    added = page.get_by_role("group", name="Deal 4")
    box = added.get_by_role("combobox", name="Deal")
    expect(box).to_be_focused()
    box.press_sequentially("warehouse")
    added.get_by_role("listbox").get_by_role(
        "option", name=re.compile("Northwind Traders: Warehouse analytics")
    ).click()
    expect(box).to_have_value("Northwind Traders: Warehouse analytics add-on")
    expect(page.locator("#id_deals-TOTAL_FORMS")).to_have_value("4")

    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", name="Warehouse KPIs")).to_be_visible()
    request = FeatureRequest.objects.get(title="Warehouse KPIs")
    assert list(request.deal_links.values_list("deal__name", flat=True)) == [
        "Warehouse analytics add-on"
    ]
