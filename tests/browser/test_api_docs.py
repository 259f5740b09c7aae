"""The API docs in Chromium: Swagger UI from local files renders the endpoints, under the
site's strict Content-Security-Policy, with nothing reported on the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.usefixtures("demo")


def test_it_renders_the_docs_without_a_console_error(page, login, console_errors):
    login("vp.sales@example.com")
    page.goto("/api/docs/")
    expect(page.get_by_text("Forcerank API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/quarters/{label}/board/").first).to_be_visible()
    # The page fixture fails the test on any console error: a CSP violation is one.
    assert console_errors == []


def test_it_sends_a_visitor_who_is_not_signed_in_to_log_in_first(page):
    page.goto("/api/docs/")
    expect(page.get_by_label("E-mail")).to_be_visible()
    assert "/accounts/login/" in page.url
