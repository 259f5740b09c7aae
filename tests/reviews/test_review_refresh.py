"""The agenda is true at the meeting: a review prepared early is refreshed (by a leader's
button and once at the meeting time), says when its snapshot was taken and how many changes
came since, keeps its minutes through a refresh, asks for confirmation before it is held, and
once held is frozen for good, even against a refresh racing "held" on PostgreSQL.

Unlike the page tests, these build reviews from live data: a refresh is about the live data
moving on after the snapshot."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from budgets.models import CompanySettings
from commitments.services import commitment_approve
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append, ranking_move, ranking_version
from feature_requests.services import request_estimate
from reviews.emails import review_email_send
from reviews.models import ReviewNote, WeeklyReview
from reviews.services import (
    meeting_at,
    review_dispatch,
    review_generate,
    review_mark_held,
    review_note_add,
    review_refresh,
    week_start_for,
)

pytestmark = pytest.mark.django_db

PROPOSED = "Proposed requests awaiting approval"


def proposed_part(page: str) -> str:
    """The page's list of proposed requests awaiting approval (section 2's first list)."""
    return page.split(PROPOSED, 1)[1].split("Swaps awaiting a decision", 1)[0]


def proposed_titles(review: WeeklyReview) -> list[str]:
    return [item["title"] for item in review.data["decisions"]["proposed"]]


@pytest.fixture
def live(cast, quarter) -> dict[str, FeatureRequest]:
    """Two estimated requests ranked within the budget of 40: both proposed for approval, and
    a third, unestimated."""
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    made = {}
    for title, points in [("Single sign-on", 5), ("Audit trail", 8), ("Dark mode", None)]:
        made[title] = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=rep, estimate_points=points
        )
        ranking_append(quarter=quarter, request=made[title], actor=leader)
    return made


@pytest.fixture
def prepared(live, quarter) -> WeeklyReview:
    """This week's review, generated from the live data before the changes a test makes."""
    week = week_start_for(CompanySettings.load().today())
    review = WeeklyReview.objects.create(quarter=quarter, week_start=week)
    review_generate(review_id=review.pk)
    review.refresh_from_db()
    assert proposed_titles(review) == ["Single sign-on", "Audit trail"]
    return review


def commit(cast, request: FeatureRequest) -> None:
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)


# --- the button ----------------------------------------------------------------------------


def test_it_refreshes_a_prepared_review_so_a_committed_request_no_longer_awaits_approval(
    client, cast, live, prepared, review_url, django_capture_on_commit_callbacks
):
    commit(cast, live["Single sign-on"])
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(review_url("review_detail", prepared)).text
    # The frozen agenda still asks the meeting to approve what is committed already.
    assert "Single sign-on" in proposed_part(page)
    assert "Refresh now" in page

    # As with a real worker: the job runs after the request's writes commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url("review_refresh", prepared))
        status_url = f"/reviews/{prepared.pk}/status/"
        assert (response.status_code, response.url) == (302, status_url)
        progress = client.get(status_url, headers={"HX-Request": "true"}).text
        assert "Refreshing…" in progress  # the old snapshot stays readable meanwhile
        page = client.get(review_url("review_detail", prepared)).text
        assert "Single sign-on" in proposed_part(page)
    response = client.get(status_url, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == prepared.get_absolute_url()

    page = client.get(review_url("review_detail", prepared)).text
    assert "Single sign-on" not in proposed_part(page)
    assert "Audit trail" in proposed_part(page)
    assert re.search(r"Commitments in flight.*Single sign-on", page, flags=re.DOTALL)
    refreshed = WeeklyReview.objects.get()  # the same row: one review per quarter and week
    assert refreshed.pk == prepared.pk
    assert refreshed.generated_at > prepared.generated_at
    assert (refreshed.status, refreshed.refresh_requested_at) == (WeeklyReview.Status.READY, None)


def test_it_refreshes_at_once_with_eager_celery_and_returns_to_meeting_mode(
    client, cast, live, prepared, review_url, set_company, transactional_db
):
    """The embedded setup: the job runs inside the request, so the leader is back on the page
    (meeting mode, where the button was pressed) with the fresh agenda."""
    set_company(head_of_sales=cast[Role.SALES_LEADER], head_of_product=cast[Role.PRODUCT_LEADER])
    commit(cast, live["Audit trail"])
    client.force_login(cast[Role.PRODUCT_LEADER])
    meeting = client.get(review_url("review_meeting", prepared)).text
    assert 'name="back" value="meeting"' in meeting
    response = client.post(review_url("review_refresh", prepared), {"back": "meeting"}, follow=True)
    assert response.redirect_chain == [(review_url("review_meeting", prepared), 302)]
    assert "The agenda was refreshed from the live data." in response.text
    assert "Audit trail" not in proposed_part(response.text)
    # The agenda was e-mailed when first ready, not again on each refresh.
    assert not [message for message in mail.outbox if "Weekly review" in message.subject]


def test_it_refuses_to_refresh_a_held_review_and_offers_no_button(
    client, cast, live, prepared, review_url
):
    review_mark_held(actor=cast[Role.PRODUCT_LEADER], review=prepared)
    commit(cast, live["Single sign-on"])
    client.force_login(cast[Role.SALES_LEADER])
    for name in ("review_detail", "review_meeting"):
        page = client.get(review_url(name, prepared)).text
        assert "Refresh now" not in page
        assert review_url("review_refresh", prepared) not in page
        assert "frozen for good since the meeting was held" in page

    response = client.post(review_url("review_refresh", prepared))
    assert response.status_code == 400
    assert "frozen for good and cannot be refreshed" in response.text
    after = WeeklyReview.objects.get()
    assert (after.data, after.generated_at) == (prepared.data, prepared.generated_at)
    assert after.refresh_requested_at is None
    assert "Single sign-on" in proposed_part(response.text)  # what the meeting saw


def test_it_refuses_to_refresh_a_review_that_is_not_ready(
    client, cast, quarter, this_week, make_review, review_url
):
    review = make_review(quarter, this_week, status=WeeklyReview.Status.QUEUED)
    client.force_login(cast[Role.SALES_LEADER])
    response = client.post(review_url("review_refresh", review))
    assert response.status_code == 400
    assert "not ready yet, so there is nothing to refresh" in response.text
    assert WeeklyReview.objects.get().refresh_requested_at is None


def test_it_does_not_queue_a_second_refresh_while_one_is_under_way(
    cast, prepared, django_capture_on_commit_callbacks
):
    leader = cast[Role.SALES_LEADER]
    with django_capture_on_commit_callbacks() as queued:
        assert review_refresh(actor=leader, review=prepared)[1] is True
        assert review_refresh(actor=leader, review=prepared)[1] is False
    assert len(queued) == 1


# --- at the meeting time -------------------------------------------------------------------


def test_the_beat_refreshes_a_review_prepared_early_once_at_the_meeting_time(
    cast, quarter, live, set_company, django_capture_on_commit_callbacks
):
    # This week's meeting: Monday 00:00 UTC, which has always begun by now.
    company = set_company(
        time_zone="UTC",
        meeting_weekday=0,
        meeting_time=dt.time(0, 0),
        head_of_sales=cast[Role.SALES_LEADER],
        head_of_product=cast[Role.PRODUCT_LEADER],
    )
    week = week_start_for(company.today())
    starts = meeting_at(company=company, week_start=week)
    review = WeeklyReview.objects.create(quarter=quarter, week_start=week)
    review_generate(review_id=review.pk)
    # Prepared on the eve of the meeting; then the VP Product commits a request.
    WeeklyReview.objects.filter(pk=review.pk).update(generated_at=starts - dt.timedelta(hours=1))
    commit(cast, live["Single sign-on"])

    with django_capture_on_commit_callbacks(execute=True):
        assert review_dispatch(now=starts + dt.timedelta(minutes=1)) == [review]
    review.refresh_from_db()
    assert proposed_titles(review) == ["Audit trail"]
    assert review.generated_at >= starts
    refreshed = (review.generated_at, review.data)

    # The next beats (and a later change) leave it alone: refreshed once, not every minute.
    commit(cast, live["Audit trail"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert review_dispatch(now=starts + dt.timedelta(minutes=2)) == []
        assert review_dispatch() == []
    assert queued == []
    review.refresh_from_db()
    assert (review.generated_at, review.data) == refreshed
    assert not [message for message in mail.outbox if "Weekly review" in message.subject]

    # Held, it is frozen: not even a snapshot from before the meeting is refreshed any more.
    review_mark_held(actor=cast[Role.SALES_LEADER], review=review)
    WeeklyReview.objects.filter(pk=review.pk).update(generated_at=starts - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert review_dispatch(now=starts + dt.timedelta(minutes=3)) == []
    assert queued == []
    review.refresh_from_db()
    assert review.data == refreshed[1]


# --- when the snapshot was taken, and what happened since ----------------------------------


def test_it_says_when_the_snapshot_was_taken_and_how_many_changes_came_since(
    client, cast, quarter, live, prepared, review_url, django_capture_on_commit_callbacks
):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    page = client.get(review_url("review_detail", prepared)).text
    taken = timezone.localtime(prepared.generated_at, CompanySettings.load().zone)
    assert f'Snapshot taken <time datetime="{taken.isoformat()}"' in page
    assert 'data-testid="changes-since">No change since<' in page

    leader, pm = cast[Role.SALES_LEADER], cast[Role.PRODUCT_MANAGER]
    ranking_move(  # 1: Dark mode to the top
        actor=leader,
        quarter=quarter,
        request_id=live["Dark mode"].pk,
        after_id=None,
        before_id=live["Single sign-on"].pk,
        version=ranking_version(quarter),
    )
    request_estimate(actor=pm, request=live["Dark mode"], points=3)  # 2
    commit(cast, live["Single sign-on"])  # 3, whatever tables a commitment touches
    # Not on the agenda: a request submitted for triage.
    FeatureRequest.objects.create(title="Untriaged", problem="p", submitted_by=cast[Role.SALES_REP])
    page = client.get(review_url("review_detail", prepared)).text
    assert 'data-testid="changes-since">3 changes since<' in page
    assert "Refresh now" not in page  # product managers read the review; leaders run it

    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url("review_refresh", prepared))
    page = client.get(review_url("review_detail", prepared)).text
    assert 'data-testid="changes-since">No change since<' in page


@pytest.mark.parametrize("moves", [1, 6])
def test_it_counts_the_changes_in_a_constant_number_of_queries(
    client, cast, quarter, live, prepared, review_url, django_assert_num_queries, moves
):
    order = [live["Single sign-on"], live["Audit trail"]]
    for _ in range(moves):
        ranking_move(
            actor=cast[Role.SALES_LEADER],
            quarter=quarter,
            request_id=order[1].pk,
            after_id=None,
            before_id=order[0].pk,
            version=ranking_version(quarter),
        )
        order.reverse()
    client.force_login(cast[Role.SALES_LEADER])
    url = review_url("review_detail", prepared)
    # session, user, unread notifications, the quarter, the review, company settings, the
    # notes, the changes since (one count)
    with django_assert_num_queries(8):
        page = client.get(url).text
    assert f'data-testid="changes-since">{moves} change{"s" if moves > 1 else ""} since<' in page


# --- minutes survive a refresh -------------------------------------------------------------


def test_minutes_stay_attached_after_a_refresh_even_when_their_item_left_the_agenda(
    client, cast, live, prepared, review_url, django_capture_on_commit_callbacks
):
    vp = cast[Role.PRODUCT_LEADER]
    sso, audit = live["Single sign-on"], live["Audit trail"]
    for key, text in [
        (f"request-{sso.pk}", "Commit it today."),
        (f"request-{audit.pk}", "Ask for a smaller first slice."),
        ("budget", "Keep 10 points in reserve."),
    ]:
        review_note_add(actor=vp, review=prepared, item_key=key, kind="decision", text=text)
    commit(cast, sso)  # its item leaves "Proposed requests awaiting approval"
    with django_capture_on_commit_callbacks(execute=True):
        review_refresh(actor=vp, review=prepared)
    prepared.refresh_from_db()
    assert "Single sign-on" not in proposed_titles(prepared)
    assert ReviewNote.objects.count() == 3

    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(review_url("review_detail", prepared)).text
    # Still on the agenda: under its item, as before.
    audit_item = page.split(f'id="item-request-{audit.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Ask for a smaller first slice." in audit_item
    assert (
        "Keep 10 points in reserve." in page.split('id="item-budget"', 1)[1].split("</section>")[0]
    )
    # Off the agenda: kept at the end, under the title and section it was recorded under.
    other = page.split('data-testid="other-minutes"', 1)[1].split("</section>", 1)[0]
    assert "Single sign-on" in other
    assert "recorded under 2. Decisions needed" in other
    assert "Commit it today." in other
    assert page.count("Commit it today.") == 1

    markdown = client.get(review_url("review_markdown", prepared)).content.decode()
    minutes = markdown.split("## Minutes", 1)[1]
    assert "Single sign-on](" in minutes and "(no longer on the agenda)" in minutes
    for text in [
        "Commit it today.",
        "Ask for a smaller first slice.",
        "Keep 10 points in reserve.",
    ]:
        assert text in minutes

    # Meeting mode shows them too, and offers no form for an item that is gone.
    meeting = client.get(review_url("review_meeting", prepared)).text
    assert "Commit it today." in meeting
    assert f'name="item_key" value="request-{sso.pk}"' not in meeting


def test_it_keeps_what_was_typed_on_an_item_a_refresh_took_off_the_agenda(
    client, cast, live, prepared, review_url, django_capture_on_commit_callbacks
):
    """Meeting mode was opened before the refresh: the note cannot go under an item that is
    gone, and the page says so and shows the text again instead of losing it."""
    sso = live["Single sign-on"]
    commit(cast, sso)
    with django_capture_on_commit_callbacks(execute=True):
        review_refresh(actor=cast[Role.SALES_LEADER], review=prepared)
    client.force_login(cast[Role.PRODUCT_LEADER])
    text = "Commit it <b>today</b>, with the security review."
    response = client.post(
        review_url("review_meeting", prepared),
        {"item_key": f"request-{sso.pk}", "kind": "decision", "text": text},
    )
    assert response.status_code == 400
    assert "the agenda was refreshed since the page was opened" in response.text
    assert "Commit it &lt;b&gt;today&lt;/b&gt;, with the security review." in response.text
    assert not ReviewNote.objects.exists()


# --- "held" asks for confirmation ----------------------------------------------------------


def test_it_marks_a_review_held_only_once_confirmed(client, cast, review, review_url):
    client.force_login(cast[Role.SALES_LEADER])
    held_url = review_url("review_mark_held", review)
    meeting = client.get(review_url("review_meeting", review)).text
    step = re.search(r"<a [^>]*>Mark the review held…</a>", meeting).group(0)
    assert f'href="{held_url}"' in step and f'hx-get="{held_url}"' in step
    assert f'action="{held_url}"' not in meeting  # no one-click "held" in meeting mode

    page = client.get(held_url).text
    assert "Is the meeting over?" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert "Yes, mark it held" in page
    fragment = client.get(held_url, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and "Yes, mark it held" in fragment

    response = client.post(held_url)
    assert response.status_code == 400
    assert "Confirm that the meeting is over to mark the review held" in response.text
    review.refresh_from_db()
    assert not review.is_held

    response = client.post(held_url, {"confirm": "yes"}, follow=True)
    assert "The review is marked held." in response.text
    review.refresh_from_db()
    assert review.held_by == cast[Role.SALES_LEADER]


# --- deals past their close date -----------------------------------------------------------


def test_it_flags_deals_whose_close_date_has_passed_on_the_page_markdown_and_email(
    client, cast, quarter, this_week, snapshot, make_review, review_url, set_company
):
    data = snapshot(quarter, this_week)
    slipped = {
        **data["revenue"]["closing_deals"][0],
        "key": "deal-8",
        "title": "Initech expansion",
        "url": "/deals/8/edit/",
        "customer": "Initech",
        "amount": 40000,
        # Before the snapshot was taken (generated on the week's Monday): still open after it.
        "expected_close": (this_week - dt.timedelta(days=3)).isoformat(),
    }
    data["revenue"]["closing_deals"].insert(0, slipped)
    review = make_review(quarter, this_week, data=data)
    client.force_login(cast[Role.SALES_LEADER])

    page = client.get(review_url("review_detail", review)).text
    items = re.findall(r'<li class="review-item"[^>]*id="item-deal-\d+">.*?</li>', page, re.DOTALL)
    assert len(items) == 2
    assert "Initech expansion" in items[0] and "Close date passed" in items[0]
    assert "Globex renewal" in items[1] and "Close date passed" not in items[1]

    markdown = client.get(review_url("review_markdown", review)).content.decode()
    initech = next(line for line in markdown.splitlines() if "Initech expansion" in line)
    globex = next(line for line in markdown.splitlines() if "Globex renewal" in line)
    assert "(**close date passed**)" in initech
    assert "close date passed" not in globex

    set_company(head_of_sales=cast[Role.SALES_LEADER])
    review_email_send(review=review)
    message = mail.outbox[0]
    assert "Deals closing this quarter waiting on uncommitted requests: 2." in message.body
    assert "close date passed, still open: 1" in message.body
    assert "* Initech expansion (Initech, $40,000): close date" in message.body
    assert "Globex renewal" not in message.body
    html = message.alternatives[0][0]
    assert "Close date passed, still open: 1" in html and "Initech expansion" in html


def test_it_flags_a_slipped_deal_in_a_snapshot_built_from_live_data(
    client, cast, quarter, live, review_url
):
    from feature_requests.models import Customer, Deal, RequestDeal

    today = CompanySettings.load().today()
    customer = Customer.objects.create(name="Initech")
    for name, close in [("Initech expansion", today - dt.timedelta(days=2)), ("Later", today)]:
        deal = Deal.objects.create(
            customer=customer,
            name=name,
            amount=40000,
            owner=cast[Role.SALES_REP],
            expected_close=close,
        )
        RequestDeal.objects.create(request=live["Single sign-on"], deal=deal)
    review = WeeklyReview.objects.create(quarter=quarter, week_start=week_start_for(today))
    review_generate(review_id=review.pk)
    review.refresh_from_db()
    assert review.data["today"] == today.isoformat()
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(review_url("review_detail", review)).text
    assert page.count("Close date passed") == 1
    flagged = page.split("Close date passed", 1)[0].rsplit('<li class="review-item"', 1)[1]
    assert "Initech expansion" in flagged


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.fixture
def race(transactional_db, postgres, cast, quarter):
    """Ranked requests and a way to make a fresh review of this week from them."""
    CompanySettings.load()
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    for n in range(12):
        ranking_append(
            quarter=quarter,
            request=FeatureRequest.objects.create(
                title=f"R{n}", problem="p", submitted_by=rep, estimate_points=2
            ),
            actor=leader,
        )
    week = week_start_for(CompanySettings.load().today())

    def fresh() -> WeeklyReview:
        WeeklyReview.objects.filter(quarter=quarter, week_start=week).delete()
        review = WeeklyReview.objects.create(quarter=quarter, week_start=week)
        review_generate(review_id=review.pk)
        review.refresh_from_db()
        return review

    return fresh


def test_a_refresh_racing_mark_held_never_changes_a_held_review(race, cast, run_together):
    """Held wins: whichever takes the row lock first, the review ends held, with its snapshot
    as it was or as refreshed before it was held, and nothing written after that."""
    leader, vp = cast[Role.SALES_LEADER], cast[Role.PRODUCT_LEADER]
    outcomes = set()
    for _ in range(6):
        review = race()
        refreshed, held = run_together(
            lambda review=review: review_refresh(actor=leader, review=review),
            lambda review=review: review_mark_held(actor=vp, review=review),
        )
        assert isinstance(held, WeeklyReview), held  # "held" is never refused by a refresh
        after = WeeklyReview.objects.get(pk=review.pk)
        assert after.is_held and after.status == WeeklyReview.Status.READY
        assert after.refresh_requested_at is None and after.error == ""
        if after.generated_at == review.generated_at:
            assert after.data == review.data
            outcomes.add("original")
        else:
            assert after.generated_at < after.held_at  # refreshed first, then held
            outcomes.add("refreshed")
        if not isinstance(refreshed, tuple):
            assert "frozen for good" in str(refreshed)  # held first: the refresh was refused
        # And it stays frozen.
        with pytest.raises(Exception, match="frozen for good"):
            review_refresh(actor=leader, review=after)
        assert WeeklyReview.objects.get(pk=review.pk).generated_at == after.generated_at
    assert outcomes  # at least one of the two orders happened (either is correct)


def test_mark_held_waits_for_a_refresh_being_built_and_holds_the_refreshed_agenda(
    race, cast, quarter, run_together, monkeypatch
):
    import threading

    from reviews import services

    review = race()
    leader, vp = cast[Role.SALES_LEADER], cast[Role.PRODUCT_LEADER]
    first = FeatureRequest.objects.get(title="R0")
    commit(cast, first)  # the refreshed agenda no longer proposes R0
    building = threading.Event()
    real_build = services.review_build

    def slow_build(**kwargs):
        building.set()
        threading.Event().wait(0.5)  # "held" arrives while the snapshot is being built
        return real_build(**kwargs)

    monkeypatch.setattr(services, "review_build", slow_build)

    def hold() -> WeeklyReview:
        assert building.wait(10)
        return review_mark_held(actor=vp, review=review)

    refreshed, held = run_together(lambda: review_refresh(actor=leader, review=review), hold)
    assert isinstance(refreshed, tuple) and isinstance(held, WeeklyReview), (refreshed, held)
    after = WeeklyReview.objects.get()
    assert after.is_held
    assert review.generated_at < after.generated_at < after.held_at
    assert "R0" not in proposed_titles(after) and "R0" in proposed_titles(review)


def test_two_refreshes_at_once_make_one_fresh_snapshot(race, cast, run_together):
    review = race()
    leader, vp = cast[Role.SALES_LEADER], cast[Role.PRODUCT_LEADER]
    results = run_together(
        lambda: review_refresh(actor=leader, review=review),
        lambda: review_refresh(actor=vp, review=review),
    )
    assert all(isinstance(result, tuple) for result in results), results
    after = WeeklyReview.objects.get()
    assert after.status == WeeklyReview.Status.READY
    assert (after.refresh_requested_at, after.error) == (None, "")
    assert after.generated_at > review.generated_at
    assert len(after.data["ranking"]) == 12
