"""The weekly review in Chromium: the VP Sales reads this week's agenda, the VP Product
records a decision in meeting mode and holds the meeting, and next week's review lists that
decision as a follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.models import User
from budgets.selectors import company_today, quarter_current
from commitments.services import commitment_approve
from feature_requests.models import FeatureRequest
from reviews.models import WeeklyReview
from reviews.services import review_request, week_start_for

pytestmark = pytest.mark.usefixtures("demo")

DECISION = "Approve it at its estimate once the security review is done."


def log_in_as(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("forcerank-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def section(page, heading: str):
    return page.locator("section.review-section", has=page.get_by_role("heading", name=heading))


def test_it_runs_the_weekly_review_from_agenda_to_follow_up(page):
    quarter = quarter_current()
    this_week = week_start_for(company_today())

    log_in_as(page, "vp.sales@example.com")
    page.get_by_role("link", name="Review", exact=True).click()
    prepare = page.get_by_role("button", name="Prepare now")
    if prepare.count():  # no review of this week in the demo yet: prepare it (eager Celery)
        prepare.first.click()
    expect(page.get_by_role("heading", name="Weekly review")).to_contain_text(
        f"week of {this_week:%b} {this_week.day}"
    )
    budget = section(page, "1. Budget")
    expect(budget.get_by_test_id("review-remaining")).to_have_text("37")
    expect(budget).to_contain_text("of the budget used")
    decisions = section(page, "2. Decisions needed")
    expect(
        decisions.get_by_role("heading", name="Proposed requests awaiting approval")
    ).to_be_visible()
    expect(decisions.locator(".review-item").first.get_by_role("link")).to_be_visible()
    expect(section(page, "3. Ranking changes since the last review")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in_as(page, "vp.product@example.com")
    page.goto(f"/reviews/{quarter.label}/{this_week.isoformat()}/")
    page.get_by_role("link", name="Meeting mode").click()
    item = section(page, "2. Decisions needed").locator(".review-item").first
    title = item.get_by_role("link").first.inner_text()
    item.get_by_label("Record as").select_option("decision")
    item.get_by_label("Decision or note").fill(DECISION)
    item.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Decision recorded on “{title}”.")
    item = section(page, "2. Decisions needed").locator(".review-item").first
    expect(item.locator(".minutes")).to_contain_text(DECISION)

    # "Held" is for good, so it asks first: htmx swaps the confirmation in (no script may ask).
    page.get_by_role("link", name="Mark the review held…").click()
    expect(page.get_by_text("Is the meeting over?")).to_be_visible()
    page.get_by_role("button", name="Yes, mark it held").click()
    expect(page.get_by_role("status").first).to_contain_text("The review is marked held.")
    expect(page.get_by_test_id("held")).to_contain_text("by Victor Product")
    expect(page.get_by_text(DECISION)).to_be_visible()
    expect(page.get_by_role("button", name="Refresh now")).to_have_count(0)

    # Next week's review, generated as the beat would (eager Celery: ready at once).
    next_week, _ = review_request(quarter=quarter, week_start=this_week + dt.timedelta(days=7))
    next_week.refresh_from_db()
    assert next_week.status == WeeklyReview.Status.READY
    page.goto(next_week.get_absolute_url())
    follow_ups = section(page, "8. Follow-ups from the last meeting")
    entry = follow_ups.locator(".review-item", has_text=DECISION)
    expect(entry).to_contain_text("Decision")
    expect(entry.get_by_role("link", name=title)).to_be_visible()
    expect(entry).to_contain_text("Victor Product")


def test_it_prepares_a_missing_review_from_the_button(page):
    quarter = quarter_current()
    this_week = week_start_for(company_today())
    WeeklyReview.objects.filter(quarter=quarter, week_start=this_week).delete()

    log_in_as(page, "vp.sales@example.com")
    page.get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_text("This week’s review (week of")).to_be_visible()
    page.get_by_role("button", name="Prepare now").click()
    expect(page).to_have_url(
        f"{page.url.split('/reviews/')[0]}/reviews/{quarter.label}/{this_week}/"
    )
    expect(section(page, "2. Decisions needed")).to_be_visible()


def test_it_follows_a_queued_review_until_it_is_ready(page):
    """htmx polls the progress every 2 s and opens the review once it is ready."""
    quarter = quarter_current()
    this_week = week_start_for(company_today())
    review = WeeklyReview.objects.get(quarter=quarter, week_start=this_week)
    WeeklyReview.objects.filter(pk=review.pk).update(status=WeeklyReview.Status.QUEUED)

    log_in_as(page, "vp.product@example.com")
    page.goto(f"/reviews/{review.pk}/status/")
    expect(page.get_by_test_id("review-progress")).to_have_text("Queued…")
    WeeklyReview.objects.filter(pk=review.pk).update(status=WeeklyReview.Status.RUNNING)
    expect(page.get_by_test_id("review-progress")).to_have_text("Running…")
    WeeklyReview.objects.filter(pk=review.pk).update(status=WeeklyReview.Status.READY)
    expect(page).to_have_url(f"{page.url.split('/reviews/')[0]}{review.get_absolute_url()}")
    expect(section(page, "1. Budget")).to_be_visible()


def test_it_refreshes_an_early_agenda_after_a_decision(page):
    """The VP Product commits a request after the agenda was prepared: the page counts the
    change, and "Refresh now" takes the agenda again, so it no longer asks for that approval."""
    quarter = quarter_current()
    this_week = week_start_for(company_today())
    review = WeeklyReview.objects.get(quarter=quarter, week_start=this_week)
    proposed = review.data["decisions"]["proposed"][0]
    request = FeatureRequest.objects.get(pk=int(proposed["key"].removeprefix("request-")))
    commitment_approve(actor=User.objects.get(email="vp.product@example.com"), request=request)

    log_in_as(page, "vp.sales@example.com")
    page.goto(review.get_absolute_url())
    decisions = section(page, "2. Decisions needed")
    awaiting = decisions.locator("ol.review-items").first
    expect(awaiting).to_contain_text(proposed["title"])  # the agenda as it was prepared
    expect(page.get_by_test_id("changes-since")).to_have_text("1 change since")
    page.get_by_role("button", name="Refresh now").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The agenda was refreshed from the live data."
    )
    expect(page.get_by_test_id("changes-since")).to_have_text("No change since")
    expect(section(page, "2. Decisions needed")).not_to_contain_text(proposed["title"])
    expect(section(page, "4. Commitments in flight")).to_contain_text(proposed["title"])
