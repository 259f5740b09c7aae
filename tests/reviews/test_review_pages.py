"""The weekly review's pages: current, archive, detail, print, meeting mode, "Prepare now"
and its progress. Reviews are built from the hand-written snapshot of conftest.py, so these
tests check the pages, not the builder."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from budgets.models import Quarter
from reviews.models import ReviewNote, WeeklyReview
from reviews.services import week_start_for

pytestmark = pytest.mark.django_db

VIEWERS = [Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER, Role.ADMIN]
RUNNERS = [Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.ADMIN]


def as_user(client, cast, role):
    client.force_login(cast[role])
    return client


# --- who may do what -----------------------------------------------------------------------


def every_url(review: WeeklyReview, review_url) -> list[tuple[str, str]]:
    return [
        ("get", reverse("reviews:review_current")),
        ("get", reverse("reviews:review_archive")),
        ("get", reverse("reviews:review_ics")),
        ("get", reverse("reviews:review_status", args=[review.pk])),
        ("get", review_url("review_detail", review)),
        ("get", review_url("review_print", review)),
        ("get", review_url("review_markdown", review)),
        ("get", review_url("review_meeting", review)),
        ("post", review_url("review_meeting", review)),
        ("get", review_url("review_mark_held", review)),
        ("post", review_url("review_mark_held", review)),
        ("post", review_url("review_refresh", review)),
        ("post", reverse("reviews:review_prepare")),
    ]


def test_it_refuses_reps_every_review_page(client, cast, review, review_url):
    as_user(client, cast, Role.SALES_REP)
    for method, url in every_url(review, review_url):
        data = {"item_key": "budget", "kind": "note", "text": "Forged"} if method == "post" else {}
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "sales and product leadership" in response.text or "Only sales and" in response.text
    assert not ReviewNote.objects.exists()
    review.refresh_from_db()
    assert not review.is_held
    assert WeeklyReview.objects.count() == 1


def test_it_sends_anonymous_visitors_to_log_in(client, review, review_url):
    response = client.get(review_url("review_detail", review))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", VIEWERS)
def test_it_lets_leaders_and_product_managers_read_reviews(client, cast, review, role, review_url):
    as_user(client, cast, role)
    for url in [
        reverse("reviews:review_current"),
        reverse("reviews:review_archive"),
        reverse("reviews:review_ics"),
        review_url("review_detail", review),
        review_url("review_print", review),
        review_url("review_markdown", review),
    ]:
        assert client.get(url).status_code == 200, url


def test_it_lets_product_managers_read_but_not_run_the_meeting(client, cast, review, review_url):
    as_user(client, cast, Role.PRODUCT_MANAGER)
    page = client.get(review_url("review_detail", review)).text
    assert "Meeting mode" not in page
    assert client.get(review_url("review_meeting", review)).status_code == 403
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "request-12", "kind": "decision", "text": "Approve it."},
    )
    assert response.status_code == 403
    assert "Only sales and product leaders" in response.text
    assert (
        client.post(review_url("review_mark_held", review), {"confirm": "yes"}).status_code == 403
    )
    assert client.post(reverse("reviews:review_prepare")).status_code == 403
    assert client.post(review_url("review_refresh", review)).status_code == 403
    assert "Refresh now" not in client.get(review_url("review_detail", review)).text
    assert not ReviewNote.objects.exists()
    review.refresh_from_db()
    assert review.held_at is None
    assert review.refresh_requested_at is None


@pytest.mark.parametrize("role", [Role.SALES_LEADER, Role.PRODUCT_LEADER])
def test_it_lets_either_vp_record_minutes(client, cast, review, role, review_url):
    as_user(client, cast, role)
    assert "Meeting mode" in client.get(review_url("review_detail", review)).text
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "swap-3", "kind": "decision", "text": "Approve the swap."},
    )
    assert response.status_code == 302
    assert response.url == review_url("review_meeting", review) + "#item-swap-3"
    note = ReviewNote.objects.get()
    assert (note.author, note.kind, note.text) == (cast[role], "decision", "Approve the swap.")


# --- reading a review ----------------------------------------------------------------------


def test_it_shows_the_eight_sections_in_order_with_links(client, cast, review, review_url):
    page = as_user(client, cast, Role.SALES_LEADER).get(review_url("review_detail", review)).text
    headings = [
        "1. Budget",
        "2. Decisions needed",
        "3. Ranking changes since the last review",
        "4. Commitments in flight",
        "5. Mid-quarter changes since the last review",
        "6. Revenue",
        "7. Looking ahead",
        "8. Follow-ups from the last meeting",
    ]
    positions = [page.index(heading) for heading in headings]
    assert positions == sorted(positions)
    # A sales leader may not open the decision or estimates queues: those items link their
    # requests' own pages; the swap, a request and the deal (a sales leader may edit it) stay.
    for url in ["/requests/13/", "/swaps/3/", "/requests/16/", "/deals/7/edit/"]:
        assert f'href="{url}"' in page
    assert 'href="/decisions/"' not in page
    assert 'href="/estimates/"' not in page
    assert 'data-testid="review-remaining">17<' in page
    assert "58% of the budget used</strong> with 23% of the quarter elapsed" in page
    assert "$120,000 ARR" in page
    assert "$250,000" in page


def test_it_describes_moves_costs_risks_and_follow_ups_in_words(client, cast, review, review_url):
    page = as_user(client, cast, Role.PRODUCT_LEADER).get(review_url("review_detail", review)).text
    assert "moved +3 (5 → 2) by Valerie Sales" in page
    assert "moved −4 (2 → 6) by Lee Leader" in page
    assert "was #3, now Committed" in page
    assert "Cost 5 points (3 sunk + 2 penalty)" in page
    assert "At risk: 10% done with 60% of the quarter gone" in page
    assert "Drop “Audit log export” for “SAML SSO”" in page
    assert "costs 4 points" in page
    assert "Estimate it before Friday." in page
    assert "— Victor Product," in page
    assert "Sales plans 12 months out; product looks 2–5 years ahead." in page
    assert "not estimated" in page


def test_it_shows_the_snapshot_not_the_live_data(client, cast, quarter, review, review_url):
    """The quarter changes after the review: the review still says what the meeting saw."""
    quarter.capacity_points = 1000
    quarter.save()
    page = as_user(client, cast, Role.SALES_LEADER).get(review_url("review_detail", review)).text
    assert "<dd>400 <small>points</small></dd>" in page


def test_it_escapes_titles_and_notes(
    client, cast, quarter, this_week, make_review, snapshot, review_url
):
    data = snapshot(quarter, this_week)
    data["decisions"]["proposed"][0]["title"] = "<script>alert(1)</script>"
    review = make_review(quarter, this_week, data=data)
    ReviewNote.objects.create(
        review=review,
        item_key="budget",
        item_title="Budget",
        section="budget",
        text="<img src=x onerror=alert(2)>",
        author=cast[Role.SALES_LEADER],
    )
    page = as_user(client, cast, Role.SALES_LEADER).get(review_url("review_detail", review)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_it_shows_the_current_review_without_prepare_when_it_is_this_weeks(client, cast, review):
    page = as_user(client, cast, Role.SALES_LEADER).get(reverse("reviews:review_current")).text
    assert "EU data residency" in page
    assert "Prepare now" not in page
    assert reverse("reviews:review_archive") in page


def test_it_offers_prepare_now_when_the_latest_review_is_older(
    client, cast, quarter, this_week, make_review
):
    make_review(quarter, this_week - dt.timedelta(days=7))
    page = as_user(client, cast, Role.SALES_LEADER).get(reverse("reviews:review_current")).text
    assert "This week’s review" in page
    assert "is not ready yet; this is the latest one" in page
    assert "Prepare now" in page
    page = as_user(client, cast, Role.PRODUCT_MANAGER).get(reverse("reviews:review_current")).text
    assert "is not ready yet; this is the latest one" in page
    assert "Prepare now" not in page


def test_it_says_so_when_there_is_no_review_yet(client, cast, quarter):
    page = as_user(client, cast, Role.PRODUCT_LEADER).get(reverse("reviews:review_current")).text
    assert "There is no review for this week" in page
    assert "Prepare now" in page
    assert reverse("reviews:review_archive") in page
    page = as_user(client, cast, Role.PRODUCT_MANAGER).get(reverse("reviews:review_current")).text
    assert "There is no review for this week" in page
    assert "Prepare now" not in page


def test_it_says_so_between_quarters(client, cast):
    page = as_user(client, cast, Role.PRODUCT_LEADER).get(reverse("reviews:review_current")).text
    assert "No quarter is under way today" in page


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-13-45", "“2026-13-45” is not a week"),
        ("abc", "“abc” is not a week"),
        ("2001-01-01", "has no review for the week of 2001-01-01"),
    ],
)
def test_it_explains_an_unknown_week(client, cast, review, week, message):
    as_user(client, cast, Role.SALES_LEADER)
    for name in ["review_detail", "review_print", "review_meeting", "review_markdown"]:
        response = client.get(reverse(f"reviews:{name}", args=[review.quarter.label, week]))
        assert response.status_code == 404
        assert message in response.text


def test_it_explains_an_unknown_quarter(client, cast, review):
    as_user(client, cast, Role.SALES_LEADER)
    response = client.get(reverse("reviews:review_detail", args=["1999-Q1", "2026-11-23"]))
    assert response.status_code == 404
    assert "There is no quarter 1999-Q1." in response.text


def test_it_does_not_show_another_quarters_review_under_this_quarters_label(
    client, cast, quarter, review, make_review, review_url
):
    later = Quarter.objects.create(
        label="2099-Q1",
        start=dt.date(2099, 1, 1),
        end=dt.date(2099, 3, 31),
        capacity_points=400,
    )
    other = make_review(later, dt.date(2099, 1, 5))
    as_user(client, cast, Role.PRODUCT_LEADER)
    response = client.get(reverse("reviews:review_detail", args=[quarter.label, "2099-01-05"]))
    assert response.status_code == 404
    assert f"{quarter.label} has no review for the week of 2099-01-05" in response.text
    # The same forged week in meeting mode records nothing.
    response = client.post(
        reverse("reviews:review_meeting", args=[quarter.label, "2099-01-05"]),
        {"item_key": "budget", "kind": "note", "text": "Sneaky"},
    )
    assert response.status_code == 404
    assert not other.notes.exists()
    assert client.get(review_url("review_detail", other)).status_code == 200


def test_it_explains_an_unknown_review_id(client, cast, review):
    as_user(client, cast, Role.SALES_LEADER)
    response = client.get(reverse("reviews:review_status", args=[999_999]))
    assert response.status_code == 404
    assert "There is no review #999999." in response.text


def test_it_prints_the_whole_review_without_navigation(client, cast, review, review_url):
    ReviewNote.objects.create(
        review=review,
        item_key="request-12",
        item_title="EU data residency",
        section="decisions",
        kind="decision",
        text="Approve at 8 points.",
        author=cast[Role.PRODUCT_LEADER],
    )
    page = as_user(client, cast, Role.SALES_LEADER).get(review_url("review_print", review)).text
    assert "main-nav" not in page
    assert "Log out" not in page
    assert "8. Follow-ups from the last meeting" in page
    assert "Approve at 8 points." in page
    assert "<form" not in page


# --- the archive ---------------------------------------------------------------------------


def test_it_lists_reviews_newest_first_with_their_status(
    client, cast, quarter, this_week, make_review
):
    held = make_review(
        quarter,
        this_week - dt.timedelta(days=14),
        held_at=timezone.now(),
        held_by=cast[Role.PRODUCT_LEADER],
    )
    make_review(quarter, this_week - dt.timedelta(days=7), status=WeeklyReview.Status.FAILED)
    queued = make_review(quarter, this_week, status=WeeklyReview.Status.QUEUED)
    page = as_user(client, cast, Role.PRODUCT_MANAGER).get(reverse("reviews:review_archive")).text
    statuses = re.findall(r'review-status review-status-(\w+)"', page)
    assert statuses == ["queued", "failed", "held"]
    assert "by Paula Leader" in page
    assert held.get_absolute_url() in page
    assert reverse("reviews:review_status", args=[queued.pk]) in page


def test_it_pages_the_archive_at_fifty(client, cast, quarter, make_review):
    start = week_start_for(quarter.start) - dt.timedelta(days=7 * 60)
    for week in range(51):
        make_review(quarter, start + dt.timedelta(days=7 * week), status="queued")
    as_user(client, cast, Role.SALES_LEADER)
    first = client.get(reverse("reviews:review_archive")).text
    assert first.count("review-status-queued") == 50
    assert "Page 1 of 2" in first
    second = client.get(reverse("reviews:review_archive"), {"page": 2}).text
    assert second.count("review-status-queued") == 1


@pytest.mark.parametrize("count", [2, 12])
def test_it_reads_the_archive_in_a_constant_number_of_queries(
    client, cast, quarter, django_assert_num_queries, count, make_review
):
    start = week_start_for(quarter.start)
    for week in range(count):
        make_review(
            quarter,
            start - dt.timedelta(days=7 * week),
            held_at=timezone.now(),
            held_by=cast[Role.SALES_LEADER],
        )
    as_user(client, cast, Role.PRODUCT_LEADER)
    # session, user, unread notifications, company settings, count, the page of reviews
    # (quarters and who held them joined)
    with django_assert_num_queries(6):
        assert client.get(reverse("reviews:review_archive")).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_it_reads_a_review_with_its_minutes_in_a_constant_number_of_queries(
    client, cast, review, django_assert_num_queries, count, review_url
):
    for n in range(count):
        ReviewNote.objects.create(
            review=review,
            item_key="request-12",
            item_title="EU data residency",
            section="decisions",
            text=f"Note {n}",
            author=cast[Role.SALES_LEADER],
        )
    as_user(client, cast, Role.PRODUCT_LEADER)
    # session, user, unread notifications, the quarter, the review (who held it joined),
    # company settings, the notes with their authors, the changes since its snapshot
    with django_assert_num_queries(8):
        assert client.get(review_url("review_detail", review)).status_code == 200


# --- meeting mode --------------------------------------------------------------------------


def test_it_records_a_note_and_shows_it_under_its_item(client, cast, review, review_url):
    as_user(client, cast, Role.PRODUCT_LEADER)
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "request-12", "kind": "decision", "text": "  Approve at 8 points.  "},
        follow=True,
    )
    assert "Decision recorded on “EU data residency”." in response.text
    note = ReviewNote.objects.get()
    assert (note.text, note.section, note.item_title) == (
        "Approve at 8 points.",
        "decisions",
        "EU data residency",
    )
    # Under the proposed request, once: not again under its move further down.
    page = client.get(review_url("review_detail", review)).text
    assert page.count("Approve at 8 points.") == 1
    proposed = page.index('id="item-request-12"')
    assert proposed < page.index("Approve at 8 points.") < page.index("Swaps awaiting a decision")


def test_it_shows_a_form_per_agenda_item_in_meeting_mode(client, cast, review, review_url):
    page = as_user(client, cast, Role.SALES_LEADER).get(review_url("review_meeting", review)).text
    keys = re.findall(r'name="item_key" value="([^"]+)"', page)
    assert len(keys) == len(set(keys))  # a request in two sections gets one form
    assert set(keys) == {
        "budget",
        "request-12",
        "request-13",
        "swap-3",
        "request-14",
        "request-15",
        "request-16",
        "request-9",
        "commitment-5",
        "ledger-7",
        "deal-7",
        "request-20",
        "request-21",
        "followup-1",
    }
    assert 'maxlength="2000"' in page
    assert "Mark the review held" in page
    assert "Marking the review held closes its minutes" in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"text": "x" * 2001}, "Keep it to 2,000 characters (this one has 2,001)."),
        ({"text": "   "}, "Write the decision or note."),
        ({"kind": "verdict"}, "Choose a decision or a note."),
    ],
)
def test_it_refuses_a_bad_note_next_to_its_item_and_saves_nothing(
    client, cast, review, posted, message, review_url
):
    as_user(client, cast, Role.SALES_LEADER)
    data = {"item_key": "commitment-5", "kind": "note", "text": "Fine."} | posted
    response = client.post(review_url("review_meeting", review), data)
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was saved." in response.text
    form = re.search(
        r'<form[^>]*class="note-form has-error".*?</form>', response.text, flags=re.DOTALL
    ).group(0)
    assert 'value="commitment-5"' in form
    assert message in form
    assert not ReviewNote.objects.exists()


def test_it_keeps_what_was_typed_when_a_note_is_refused(client, cast, review, review_url):
    as_user(client, cast, Role.SALES_LEADER)
    text = "Too long " * 300
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "deal-7", "kind": "decision", "text": text},
    )
    assert response.status_code == 400
    assert f">{text}</textarea>" in response.text
    assert '<option value="decision" selected>' in response.text


def test_it_refuses_a_note_on_an_unknown_item(client, cast, review, review_url):
    as_user(client, cast, Role.PRODUCT_LEADER)
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "request-999", "kind": "note", "text": "Hello"},
    )
    assert response.status_code == 400
    assert "That is not an item of this review" in response.text
    assert not ReviewNote.objects.exists()


def test_it_marks_the_review_held_and_keeps_its_minutes(client, cast, review, review_url):
    as_user(client, cast, Role.PRODUCT_LEADER)
    client.post(
        review_url("review_meeting", review),
        {"item_key": "swap-3", "kind": "decision", "text": "Swap approved."},
    )
    response = client.post(review_url("review_mark_held", review), {"confirm": "yes"}, follow=True)
    assert "The review is marked held." in response.text
    assert "Held on" in response.text and "by Paula Leader" in response.text
    assert "Swap approved." in response.text
    review.refresh_from_db()
    assert review.held_by == cast[Role.PRODUCT_LEADER]

    meeting = client.get(review_url("review_meeting", review)).text
    assert "meeting mode is read-only" in meeting
    assert 'name="item_key"' not in meeting
    assert "Mark the review held" not in meeting
    assert "Refresh now" not in meeting


def test_it_refuses_notes_and_holding_again_once_held(client, cast, review, review_url):
    review.held_at, review.held_by = timezone.now(), cast[Role.SALES_LEADER]
    review.save()
    as_user(client, cast, Role.PRODUCT_LEADER)
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "budget", "kind": "note", "text": "Too late"},
    )
    assert response.status_code == 400
    assert "This review was held and its minutes are closed." in response.text
    assert not ReviewNote.objects.exists()
    response = client.post(review_url("review_mark_held", review), {"confirm": "yes"})
    assert response.status_code == 400
    assert "This review was held already" in response.text
    review.refresh_from_db()
    assert review.held_by == cast[Role.SALES_LEADER]


def test_it_refuses_notes_on_a_review_that_is_not_ready(
    client, cast, quarter, this_week, make_review, review_url
):
    review = make_review(quarter, this_week, status=WeeklyReview.Status.QUEUED)
    as_user(client, cast, Role.SALES_LEADER)
    response = client.post(
        review_url("review_meeting", review),
        {"item_key": "budget", "kind": "note", "text": "Early"},
    )
    assert response.status_code == 400
    assert "not ready yet" in response.text
    assert not ReviewNote.objects.exists()
    assert (
        client.post(review_url("review_mark_held", review), {"confirm": "yes"}).status_code == 400
    )


# --- "Prepare now" and its progress --------------------------------------------------------


def test_it_shows_progress_with_htmx_polling(client, cast, quarter, this_week, make_review):
    review = make_review(quarter, this_week, status=WeeklyReview.Status.QUEUED)
    as_user(client, cast, Role.SALES_LEADER)
    page = client.get(reverse("reviews:review_status", args=[review.pk])).text
    assert "Queued…" in page
    polling = re.search(r"<div[^>]*hx-get=\"([^\"]+)\"[^>]*>", page)
    assert polling.group(1) == reverse("reviews:review_status", args=[review.pk])
    assert 'hx-trigger="every 2s"' in polling.group(0)
    assert "Refresh" in page  # without htmx, a link does the same

    WeeklyReview.objects.filter(pk=review.pk).update(status=WeeklyReview.Status.RUNNING)
    fragment = client.get(
        reverse("reviews:review_status", args=[review.pk]), headers={"HX-Request": "true"}
    ).text
    assert "Running…" in fragment
    assert "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment


def test_it_sends_the_browser_to_the_review_once_ready(client, cast, review):
    as_user(client, cast, Role.PRODUCT_MANAGER)
    url = reverse("reviews:review_status", args=[review.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == review.get_absolute_url()
    response = client.get(url)
    assert (response.status_code, response.url) == (302, review.get_absolute_url())


def test_it_shows_a_failed_review_with_its_error_and_a_retry(
    client, cast, quarter, this_week, make_review, review_url
):
    review = make_review(
        quarter,
        this_week,
        status=WeeklyReview.Status.FAILED,
        error="The job queue was unreachable.",
    )
    as_user(client, cast, Role.PRODUCT_LEADER)
    fragment = client.get(
        reverse("reviews:review_status", args=[review.pk]), headers={"HX-Request": "true"}
    ).text
    assert "The review could not be prepared. The job queue was unreachable." in fragment
    assert "hx-trigger" not in fragment  # polling stops
    assert "Try again" in fragment
    page = as_user(client, cast, Role.PRODUCT_MANAGER).get(review_url("review_detail", review))
    assert "could not be prepared" in page.text
    assert "Try again" not in page.text


def test_it_prepares_this_weeks_review_and_shows_it(
    client, cast, quarter, this_week, set_company, transactional_db
):
    """The whole path in eager mode: the real request, generation and e-mail to both VPs.

    transactional_db: the job is queued when the request's writes commit, as in production."""
    set_company(head_of_sales=cast[Role.SALES_LEADER], head_of_product=cast[Role.PRODUCT_LEADER])
    as_user(client, cast, Role.SALES_LEADER)
    response = client.post(reverse("reviews:review_prepare"))
    review = WeeklyReview.objects.get()
    assert (review.week_start, review.status) == (this_week, WeeklyReview.Status.READY)
    assert response.status_code == 302
    assert response.url == review.get_absolute_url()
    page = client.get(response.url).text
    assert "1. Budget" in page and "8. Follow-ups from the last meeting" in page
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [cast[Role.SALES_LEADER].email, cast[Role.PRODUCT_LEADER].email]
    )


def test_it_says_so_when_the_queue_is_unreachable(client, cast, quarter, transactional_db):
    """A real broker address where nothing listens: a clear 503, not a 500, and a retry later."""
    from config.celery import app

    configured_broker = app.conf.broker_write_url
    app.conf.task_always_eager = False
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # where tasks are sent
    forget_broker_connections(app)
    try:
        # transactional_db: outside a transaction the task is sent at once, as in production.
        as_user(client, cast, Role.PRODUCT_LEADER)
        response = client.post(reverse("reviews:review_prepare"))
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_write_url = configured_broker
        forget_broker_connections(app)
    assert response.status_code == 503
    assert (
        "The job queue is unreachable right now, so the review cannot be prepared. "
        "Try again in a few minutes."
    ) in response.text
    review = WeeklyReview.objects.get()
    assert review.status == WeeklyReview.Status.FAILED
    # Pages still load without the queue.
    assert client.get(reverse("reviews:review_archive")).status_code == 200
    assert client.get(reverse("reviews:review_current")).status_code == 200


def forget_broker_connections(app) -> None:
    # Celery caches its connection and producer pools per app; after a broker change the next
    # send must build new ones (as tests/accounts/test_password.py does).
    app._pool = None
    app.amqp._producer_pool = None


def test_it_refuses_prepare_by_get(client, cast, quarter):
    as_user(client, cast, Role.SALES_LEADER)
    assert client.get(reverse("reviews:review_prepare")).status_code == 405
    assert not WeeklyReview.objects.exists()
