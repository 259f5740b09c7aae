"""The weekly review's exports: Markdown, the ICS file of the recurring meeting, and the
e-mail to both VPs. Reviews are built from the small hand-written snapshot of conftest.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from budgets.selectors import company_today
from reviews.emails import review_email_send
from reviews.export import ics_fold, ics_text, meeting_calendar
from reviews.models import ReviewNote, WeeklyReview
from reviews.services import week_start_for

pytestmark = pytest.mark.django_db


# --- Markdown ------------------------------------------------------------------------------


def test_it_exports_the_review_as_markdown(client, cast, review, review_url, settings):
    settings.SITE_URL = "https://forcerank.example.com"
    client.force_login(cast[Role.PRODUCT_MANAGER])
    response = client.get(review_url("review_markdown", review))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    filename = f"forcerank-review-{review.quarter.label}-{review.week_start.isoformat()}.md"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    text = response.content.decode()
    assert text.startswith(f"# Weekly review {review.quarter.label}, week of ")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    last_review = review.week_start - dt.timedelta(days=7)  # generated at 08:00 UTC
    assert headings == [
        "## 1. Budget",
        "## 2. Decisions needed",
        "## 3. Ranking changes since the last review "
        f"({last_review:%b} {last_review.day}, {last_review.year} 08:00)",
        "## 4. Commitments in flight",
        "## 5. Mid-quarter changes since the last review",
        "## 6. Revenue",
        "## 7. Looking ahead",
        "## 8. Follow-ups from the last meeting",
    ]
    assert "remaining **17**" in text
    assert "58% of the budget used with 23% of the quarter elapsed" in text
    # A product manager cannot open the decision queue: the item links its request instead.
    assert (
        "[Audit trail](https://forcerank.example.com/requests/13/) — #3, 5 points "
        "(16 cumulative), $0 ARR" in text
    )
    assert "/decisions/" not in text
    assert (
        "[EU data residency](https://forcerank.example.com/requests/12/) — moved +3 (5 → 2) "
        "by Valerie Sales" in text
    )
    assert (
        "[CSV import](https://forcerank.example.com/requests/16/) — moved −4 (2 → 6) by Lee Leader"
        in text
    )
    assert "**at risk**: 10% done with 60% of the quarter gone" in text
    assert "Drop of 10 points, cost 5 points (sunk 3 + penalty 2)" in text
    assert "| W1 |" in text
    assert f"Online: https://forcerank.example.com{review.get_absolute_url()}" in text
    assert "## Minutes" not in text  # nothing recorded yet


def test_it_keeps_titles_from_making_their_own_links_in_markdown(
    client, cast, quarter, this_week, snapshot, make_review, review_url
):
    data = snapshot(quarter, this_week)
    data["decisions"]["proposed"][0]["title"] = "EU data residency [beta](javascript:alert(1))"
    review = make_review(quarter, this_week, data=data)
    client.force_login(cast[Role.SALES_LEADER])
    text = client.get(review_url("review_markdown", review)).content.decode()
    assert not re.search(r"(?<!\\)\]\(javascript:", text)  # every ] before it is escaped
    assert "EU data residency \\[beta\\](javascript:alert(1))" in text


def test_it_puts_the_minutes_of_a_held_review_in_markdown(client, cast, review, review_url):
    leader = cast[Role.PRODUCT_LEADER]
    ReviewNote.objects.create(
        review=review,
        item_key="commitment-5",
        item_title="SAML SSO",
        section="commitments",
        kind="decision",
        text="Add a second engineer.\nReview again next week.",
        url="/commitments/",
        author=leader,
    )
    review.held_at, review.held_by = timezone.now(), leader
    review.save()
    client.force_login(cast[Role.SALES_LEADER])
    text = client.get(review_url("review_markdown", review)).content.decode()
    assert "Held on " in text and " by Paula Leader." in text
    minutes = text.split("## Minutes", 1)[1]
    assert "### [SAML SSO](" in minutes
    assert "- **Decision** (Paula Leader, " in minutes
    assert "Add a second engineer.\n  Review again next week." in minutes


def test_it_does_not_export_a_review_that_is_not_ready(client, cast, quarter, review_url):
    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today()), status="queued"
    )
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(review_url("review_markdown", review))
    assert response.status_code == 404
    assert "is not ready" in response.text


# --- the recurring meeting as ICS ----------------------------------------------------------


def unfolded(text: str) -> list[str]:
    """The content lines of an iCalendar text, folding undone (RFC 5545 §3.1)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def event(text: str) -> dict[str, str]:
    lines = unfolded(text)
    start, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    fields = {}
    for line in lines[start + 1 : end]:
        name, value = line.split(":", 1)
        fields[name] = value
    return fields


def test_it_offers_the_weekly_meeting_as_an_ics_file(client, cast, settings, set_company):
    settings.SITE_URL = "https://forcerank.example.com"
    set_company(time_zone="Europe/Berlin", meeting_weekday=2, meeting_time=dt.time(9, 30))
    client.force_login(cast[Role.PRODUCT_MANAGER])
    response = client.get(reverse("reviews:review_ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends in CRLF
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    text = raw.decode()
    assert text.count("BEGIN:VEVENT") == 1
    fields = event(text)
    assert fields["RRULE"] == "FREQ=WEEKLY;BYDAY=WE"
    start_name, start = next((k, v) for k, v in fields.items() if k.startswith("DTSTART"))
    assert start_name == "DTSTART;TZID=Europe/Berlin"
    first = dt.datetime.strptime(start, "%Y%m%dT%H%M%S")
    assert (first.weekday(), first.time()) == (2, dt.time(9, 30))
    end = dt.datetime.strptime(fields["DTEND;TZID=Europe/Berlin"], "%Y%m%dT%H%M%S")
    assert end - first == dt.timedelta(minutes=60)
    assert fields["SUMMARY"] == "Forcerank weekly review: VP Sales / VP Product"
    assert "https://forcerank.example.com/reviews/" in fields["DESCRIPTION"]
    assert "TZID:Europe/Berlin" in unfolded(text)
    # Importing a newer file updates the same meeting rather than adding a second one.
    again = event(client.get(reverse("reviews:review_ics")).content.decode())
    assert again["UID"] == fields["UID"]


@pytest.mark.parametrize(("weekday", "byday"), [(0, "MO"), (4, "FR"), (6, "SU")])
def test_it_repeats_the_meeting_on_the_configured_weekday(set_company, weekday, byday):
    settings_row = set_company(time_zone="America/New_York", meeting_weekday=weekday)
    text = meeting_calendar(
        company=settings_row,
        site_url="http://127.0.0.1:8000",
        today=dt.date(2026, 11, 25),
        now=timezone.now(),
    )
    fields = event(text)
    assert fields["RRULE"] == f"FREQ=WEEKLY;BYDAY={byday}"
    first = dt.datetime.strptime(fields["DTSTART;TZID=America/New_York"], "%Y%m%dT%H%M%S")
    assert first.date() == dt.date(2026, 11, 23) + dt.timedelta(days=weekday)
    assert first.time() == dt.time(9, 0)


def test_it_describes_the_time_zones_daylight_saving_changes(set_company):
    settings_row = set_company(time_zone="Europe/Berlin")
    lines = unfolded(
        meeting_calendar(
            company=settings_row,
            site_url="http://127.0.0.1:8000",
            today=dt.date(2026, 11, 25),
            now=timezone.now(),
        )
    )
    start = lines.index("BEGIN:VTIMEZONE")
    zone = lines[start : lines.index("END:VTIMEZONE") + 1]
    # Summer time 2027 begins on March 28 at 02:00 local, from +0100 to +0200.
    i = zone.index("DTSTART:20270328T020000")
    assert zone[i - 1] == "BEGIN:DAYLIGHT"
    assert zone[i + 1 : i + 4] == ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST"]
    j = zone.index("DTSTART:20271031T030000")
    assert zone[j - 1] == "BEGIN:STANDARD"
    assert zone[j + 1 : j + 3] == ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"]


def test_it_folds_long_lines_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + ics_text("Réunion hebdomadaire, ça coûte; " * 8)
    folded = ics_fold(line)
    parts = folded.encode().split(b"\r\n")
    assert len(parts) > 1
    assert all(len(part) <= 75 for part in parts)
    assert all(part.startswith(b" ") for part in parts[1:])
    for part in parts:
        part.decode()  # each physical line is whole UTF-8
    assert folded.replace("\r\n ", "") == line
    assert "\\," in line and "\\;" in line


# --- the e-mail to both VPs ----------------------------------------------------------------


@pytest.fixture
def vps(cast, set_company):
    return set_company(
        head_of_sales=cast[Role.SALES_LEADER], head_of_product=cast[Role.PRODUCT_LEADER]
    )


def test_it_emails_the_review_to_both_vps(vps, cast, review, settings):
    settings.SITE_URL = "https://forcerank.example.com"
    assert review_email_send(review=review) == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [cast[Role.SALES_LEADER].email, cast[Role.PRODUCT_LEADER].email]
    )
    week = review.week_start
    link = f"https://forcerank.example.com{review.get_absolute_url()}"
    for message in mail.outbox:
        assert (
            message.subject == f"Weekly review {review.quarter.label}, week of {week:%b} {week.day}"
        )
        assert "Budget: 17 of 40 points remaining" in message.body
        assert "Decisions needed: 4" in message.body
        assert "2 proposed requests awaiting approval" in message.body
        assert "1 request needing an estimate" in message.body
        assert link in message.body
        assert "&amp;" not in message.body and "&quot;" not in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{link}"' in html
        assert "Decisions needed: 4" in html
        assert "<script" not in html
    assert {message.body.splitlines()[0] for message in mail.outbox} == {
        "Hello Lee Leader,",
        "Hello Paula Leader,",
    }


def test_it_skips_a_missing_or_inactive_vp(cast, review, set_company):
    sales = cast[Role.SALES_LEADER]
    sales.is_active = False
    sales.save()
    set_company(head_of_sales=sales, head_of_product=None)
    assert review_email_send(review=review) == 0
    assert mail.outbox == []
    set_company(head_of_product=cast[Role.PRODUCT_LEADER])
    assert review_email_send(review=review) == 1
    assert mail.outbox[0].to == [cast[Role.PRODUCT_LEADER].email]


def test_it_does_not_email_a_review_that_is_not_ready(vps, quarter):
    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today()), status="failed"
    )
    assert review_email_send(review=review) == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    # (NUL itself never reaches the database: PostgreSQL refuses it, the input edge too.)
    "name",
    ["Acme\r\nBEGIN:VEVENT", "Acme\rX-EVIL:1", "Acme\n\rInc", "A\x01B"],
)
def test_it_escapes_every_line_break_in_the_meeting_file(client, cast, set_company, name):
    # A company name with a CR or LF must not end the DESCRIPTION line early and start a
    # property (or a second event) of its own.
    set_company(company_name=name)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    raw = client.get(reverse("reviews:review_ics")).content
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\x01" not in raw
    lines = unfolded(raw.decode())
    assert lines.count("BEGIN:VEVENT") == 1
    assert not any(line.startswith(("X-EVIL", "Inc")) for line in lines)
    description = event(raw.decode())["DESCRIPTION"]
    assert description.startswith("The agenda of " + name[0])
    assert ics_text("a\r\nb\rc\nd") == "a\\nb\\nc\\nd"


def test_each_reader_gets_the_links_they_may_follow(client, cast, review, review_url):
    """The product leader decides in the decision queue; a sales leader cannot open it and
    gets the request's own page; the estimates queue is for product managers only."""
    pages = {}
    for role in (Role.PRODUCT_LEADER, Role.SALES_LEADER, Role.PRODUCT_MANAGER):
        client.force_login(cast[role])
        pages[role] = client.get(review_url("review_detail", review)).text
    decisions = f'href="{reverse("commitments:decision_queue")}"'
    estimates = f'href="{reverse("requests:estimate_queue")}"'
    assert decisions in pages[Role.PRODUCT_LEADER]
    assert decisions not in pages[Role.SALES_LEADER]
    assert 'href="/requests/13/"' in pages[Role.SALES_LEADER]  # the snapshot's "Audit trail"
    assert estimates not in pages[Role.SALES_LEADER]
    assert estimates not in pages[Role.PRODUCT_LEADER]
    assert estimates in pages[Role.PRODUCT_MANAGER]
