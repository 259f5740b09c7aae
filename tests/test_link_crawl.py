"""Every link a person is shown leads somewhere they may go.

A crawl of the demo company as each role: from the start page, follow every link on every
page (a few of each kind), and ask each one. A link that answers 403 (or 404, or a server
error) to the person who was shown it is a link that should not have been shown, or should
point elsewhere.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.models import User

pytestmark = pytest.mark.django_db

PEOPLE = [
    "rep.east1@example.com",
    "manager.east@example.com",
    "vp.sales@example.com",
    "pm1@example.com",
    "vp.product@example.com",
    "admin@example.com",
]
# Links of one kind (the same view and query keys) asked per person: enough to see each
# kind of page with its objects, without asking all of the demo's requests.
PER_KIND = 3
NOT_FOLLOWED = ("/admin/", "/static/", "/logout/")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_in(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def kind_of(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = parts.path
    keys = tuple(sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair))
    return name, keys


def crawl(client: Client) -> tuple[list[tuple[str, int, str]], int]:
    """(link, status, the page that showed it) for every link that did not answer 200, and
    the number of pages asked."""
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    kinds: Counter[tuple[str, tuple[str, ...]]] = Counter()
    broken = []
    asked = 0
    while queue:
        url, shown_on = queue.popleft()
        response = client.get(url)
        asked += 1
        if response.status_code in (301, 302):
            continue  # e.g. the current board redirects to the quarter's own page
        if response.status_code != 200:
            broken.append((url, response.status_code, shown_on))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in links_in(response.content.decode()):
            link, _ = urldefrag(href)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not link.startswith("/"):
                continue  # mailto:, other sites, in-page anchors
            if link in seen or link.startswith(NOT_FOLLOWED):
                continue
            seen.add(link)
            kind = kind_of(link)
            if kinds[kind] >= PER_KIND:
                continue
            kinds[kind] += 1
            queue.append((link, url))
    return broken, asked


@pytest.fixture
def demo(settings) -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.mark.parametrize("email", PEOPLE)
def test_every_link_shown_leads_somewhere_the_viewer_may_go(demo, email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    broken, asked = crawl(client)
    assert asked > 20, "the crawl should reach most of the app"
    assert broken == [], f"links that do not open for {email}: {broken}"
