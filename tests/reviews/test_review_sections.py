"""The one walker of a review's snapshot, `reviews.snapshot.review_sections`, and the places
that show it agreeing: the page, the Markdown export, the e-mail and meeting mode's agenda list
the same items, in the same order, under the same sections."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail

from accounts.models import Role
from reviews.emails import review_email_send
from reviews.export import review_counts
from reviews.links import item_link
from reviews.services import review_items
from reviews.snapshot import Section, review_sections, snapshot_of

pytestmark = pytest.mark.django_db

SITE = "https://forcerank.example.com"


def by_key(sections: list[Section]) -> dict[str, Section]:
    return {section.key: section for section in sections}


def test_it_walks_the_eight_sections_in_the_agendas_order(quarter, this_week, snapshot):
    sections = review_sections(snapshot(quarter, this_week))
    assert [(section.number, section.key, section.title) for section in sections] == [
        (1, "budget", "Budget"),
        (2, "decisions", "Decisions needed"),
        (3, "ranking_changes", "Ranking changes since the last review"),
        (4, "commitments", "Commitments in flight"),
        (5, "changes", "Mid-quarter changes since the last review"),
        (6, "revenue", "Revenue"),
        (7, "ahead", "Looking ahead"),
        (8, "follow_ups", "Follow-ups from the last meeting"),
    ]
    assert {
        section.key: [(part.key, [item.key for item in part.items]) for part in section.parts]
        for section in sections
    } == {
        "budget": [("budget", ["budget"])],
        "decisions": [
            ("proposed", ["request-12", "request-13"]),
            ("swaps", ["swap-3"]),
            ("needs_estimate", ["request-14"]),
        ],
        "ranking_changes": [
            ("new", ["request-15"]),
            ("moved", ["request-12", "request-16"]),
            ("removed", ["request-9"]),
        ],
        "commitments": [("commitments", ["commitment-5"])],
        "changes": [("changes", ["ledger-7"])],
        "revenue": [("closing_deals", ["deal-7"])],
        "ahead": [("next_quarter", ["request-20"]), ("deferred", ["request-21"])],
        "follow_ups": [("follow_ups", ["followup-1"])],
    }


def test_it_gives_each_item_its_link_and_fields_with_dates_read(quarter, this_week, snapshot):
    sections = by_key(review_sections(snapshot(quarter, this_week)))
    drop = sections["changes"].items[0]
    assert (drop.key, drop.title, drop.url, drop.section) == (
        "ledger-7",
        "Audit log export",
        "/requests/9/",
        "changes",
    )
    assert drop.fields["cost"] == 5
    assert drop.fields["at"] == dt.datetime.combine(this_week, dt.time(7, 0), tzinfo=dt.UTC)
    assert "key" not in drop.fields and "title" not in drop.fields
    assert sections["revenue"].items[0].fields["expected_close"] == quarter.end
    assert sections["budget"].facts["lock_date"] == quarter.start + dt.timedelta(days=14)
    assert sections["budget"].facts["remaining"] == 17
    # A snapshot taken before "what the budget won" was recorded reads it as None.
    assert sections["revenue"].facts == {
        "committed_arr": 250000,
        "proposed_arr": 120000,
        "won": None,
    }
    assert sections["ahead"].part("next_quarter").title == "2099-Q1 ranking"


def test_it_files_a_request_listed_twice_under_its_first_place(client, cast, review, review_url):
    sections = by_key(review_sections(snapshot_of(review)))
    proposed = sections["decisions"].part("proposed").items[0]
    moved = sections["ranking_changes"].part("moved").items[0]
    assert (proposed.key, moved.key) == ("request-12", "request-12")
    assert proposed.first and not moved.first
    agenda = review_items(review)
    assert agenda["request-12"].section == "decisions"
    assert agenda["request-12"].url == "/decisions/"
    # Meeting mode offers one form per agenda item, in the walker's order.
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(review_url("review_meeting", review)).text
    assert re.findall(r'name="item_key" value="([^"]+)"', page) == list(agenda)


def test_the_page_markdown_and_email_show_the_same_items_in_the_same_order(
    client, cast, review, review_url, set_company, settings
):
    settings.SITE_URL = SITE
    sections = review_sections(snapshot_of(review))
    firsts = [item for section in sections for item in section.items if item.first]
    client.force_login(cast[Role.SALES_LEADER])

    page = client.get(review_url("review_detail", review)).text
    assert re.findall(r'id="item-([^"]+)"', page) == [item.key for item in firsts]

    markdown = client.get(review_url("review_markdown", review)).content.decode()
    place = 0
    for section in sections[1:]:  # the budget is figures, not a link
        for item in section.items:
            # Each item's link is there, after the one before it.
            url = item_link(key=item.key, url=item.url, viewer=cast[Role.SALES_LEADER])
            place = markdown.index(f"[{item.title}]({SITE}{url})", place) + 1

    set_company(head_of_sales=cast[Role.SALES_LEADER])
    review_email_send(review=review)
    body = mail.outbox[0].body
    parts = {part.key: len(part.items) for section in sections for part in section.parts}
    assert f"Decisions needed: {len(by_key(sections)['decisions'].items)}" in body
    assert f"{parts['proposed']} proposed requests awaiting approval" in body
    assert f"{parts['new']} new, {parts['moved']} moved, {parts['removed']} removed" in body
    assert (
        f"Deals closing this quarter waiting on uncommitted requests: {parts['closing_deals']}."
        in body
    )
    assert f"Follow-ups from the last meeting: {parts['follow_ups']}." in body
    for item in by_key(sections)["decisions"].part("proposed").items:
        assert f"* {item.title} ({item.fields['estimate']} points" in body


def test_it_counts_the_items_of_every_part_and_section(quarter, this_week, snapshot):
    counts = review_counts(review_sections(snapshot(quarter, this_week)))
    assert counts == {
        "proposed": 2,
        "swaps": 1,
        "needs_estimate": 1,
        "decisions": 4,
        "new": 1,
        "moved": 2,
        "removed": 1,
        "ranking_changes": 4,
        "commitments": 1,
        "changes": 1,
        "closing_deals": 1,
        "revenue": 1,
        "next_quarter": 1,
        "deferred": 1,
        "ahead": 2,
        "follow_ups": 1,
        "at_risk": 1,
        "close_passed": 0,  # the deal closes at the quarter's end
    }


EMPTY = {
    "previous_week_start": None,
    "decisions": {"proposed": [], "swaps": [], "needs_estimate": []},
    "ranking_changes": {"since": None, "new": [], "moved": [], "removed": []},
    "commitments": [],
    "changes": [],
    "revenue": {"committed_arr": 0, "proposed_arr": 0, "closing_deals": []},
    "ahead": {"next_quarter": None, "deferred": [], "horizons": "Later."},
    "follow_ups": [],
}


def test_empty_lists_say_the_same_on_the_page_and_in_markdown(
    client, cast, quarter, this_week, snapshot, make_review, review_url
):
    review = make_review(quarter, this_week, data=snapshot(quarter, this_week, **EMPTY))
    parts = [part for section in review_sections(snapshot_of(review))[1:] for part in section.parts]
    assert [part.empty for part in parts] == [
        "Nothing above the cut line waits for approval.",
        "No swap is waiting.",
        "Every ranked request has an estimate.",
        "No request joined the ranking.",
        "No request moved.",
        "No request left the ranking.",
        "Nothing is committed this quarter.",
        "No drop, swap or over-budget commitment.",
        "No deal closing this quarter waits on an uncommitted request.",
        "No next quarter is set up yet.",
        "No request was deferred.",
        "There was no earlier review this quarter.",
    ]
    client.force_login(cast[Role.PRODUCT_LEADER])
    page = client.get(review_url("review_detail", review)).text
    markdown = client.get(review_url("review_markdown", review)).content.decode()
    for part in parts:
        assert f'<p class="meta">{part.empty}</p>' in page.replace("&#x27;", "'")
        assert f"- {part.empty}\n" in markdown


def test_it_reads_an_older_snapshot_with_parts_missing(
    client, cast, quarter, this_week, snapshot, make_review, review_url
):
    """A review stored before a part existed still shows: the part reads as empty."""
    full = snapshot(quarter, this_week)
    older = {key: full[key] for key in ("format", "quarter", "week_start", "budget")}
    older["decisions"] = {"proposed": full["decisions"]["proposed"]}
    review = make_review(quarter, this_week, data=older)
    sections = review_sections(snapshot_of(review))
    assert len(sections) == 8
    assert [item.key for section in sections for item in section.items] == [
        "budget",
        "request-12",
        "request-13",
    ]
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(review_url("review_detail", review))
    assert page.status_code == 200
    assert "EU data residency" in page.text
    assert "No next quarter is set up yet." in page.text
    markdown = client.get(review_url("review_markdown", review))
    assert markdown.status_code == 200
    assert "## 8. Follow-ups from the last meeting" in markdown.content.decode()


def test_it_shows_a_date_it_cannot_read_as_it_was_stored(
    client, cast, quarter, this_week, snapshot, make_review, review_url
):
    data = snapshot(quarter, this_week)
    data["changes"][0]["at"] = "last Tuesday"
    review = make_review(quarter, this_week, data=data)
    drop = by_key(review_sections(snapshot_of(review)))["changes"].items[0]
    assert drop.fields["at"] == "last Tuesday"
    client.force_login(cast[Role.SALES_LEADER])
    assert client.get(review_url("review_detail", review)).status_code == 200
    markdown = client.get(review_url("review_markdown", review)).content.decode()
    assert "Paula Leader, last Tuesday" in markdown
