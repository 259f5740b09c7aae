"""Filters and saved views in Chromium: a sales leader filters the board by customer, saves
the view, and reopens it later from the menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from feature_requests.models import SavedView

pytestmark = pytest.mark.usefixtures("demo")


def test_a_leader_filters_the_board_saves_the_view_and_reopens_it(page, login):
    login("vp.sales@example.com")
    page.goto("/board/")
    rows = page.locator("#board-rows tr.board-row")
    expect(rows).to_have_count(14)
    expect(page.get_by_role("button", name=re.compile("^Move “"))).to_have_count(14)

    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("textbox", name="Customer").fill("globex")
    page.get_by_role("textbox", name="Customer").press("Enter")

    # Only Globex's two requests, in their places on the whole ranking; no moves meanwhile.
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/board/2\d{3}-Q\d/\?customer=globex$"))
    expect(rows.nth(0).locator(".position")).to_have_text("3")
    expect(rows.nth(1).locator(".position")).to_have_text("7")
    expect(page.get_by_test_id("moves-paused")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Move “"))).to_have_count(0)
    expect(page.get_by_text("2 of 14 ranked requests match these filters")).to_be_visible()

    page.get_by_text("Save this view", exact=True).click()
    page.get_by_label("View name").fill("Globex asks")
    page.get_by_label("Share with the sales team").check()
    page.get_by_role("button", name="Save view").click()
    expect(
        page.get_by_text("Saved the view “Globex asks”, shared with the sales team")
    ).to_be_visible()
    assert SavedView.objects.get().shared

    # Later, from anywhere: the header's Saved views, then the view.
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="Saved views").click()
    expect(page.get_by_role("heading", name="Saved views", level=1)).to_be_visible()
    page.get_by_role("link", name="Globex asks").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_role("textbox", name="Customer")).to_have_value("globex")

    # Clearing the filters brings the whole board and its moves back.
    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(14)
    expect(page.get_by_role("button", name=re.compile("^Move “"))).to_have_count(14)


def test_the_back_button_restores_the_filtered_list(page, login):
    login("vp.sales@example.com")
    page.goto("/requests/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Segment").select_option(label="SMB")  # applies on change (htmx)
    expect(page).to_have_url(re.compile(r"segment=smb"))
    expect(page.get_by_text(re.compile(r"\d+ requests? match"))).to_be_visible()
    page.get_by_label("Segment").select_option(label="Enterprise")
    expect(page).to_have_url(re.compile(r"segment=enterprise"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"segment=smb"))
    expect(page.get_by_label("Segment")).to_have_value("smb")
