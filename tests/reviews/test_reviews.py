"""Weekly reviews: when they are due, that there is only ever one, and what they say."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from accounts.models import Role
from budgets.models import CompanySettings, Quarter
from commitments.services import commitment_approve, commitment_drop, commitment_progress
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranked, ranking_append, ranking_move, ranking_version
from reviews.models import ReviewNote, WeeklyReview
from reviews.services import (
    meeting_at,
    review_dispatch,
    review_generate,
    review_mark_held,
    review_note_add,
    review_request,
    reviews_due,
    week_start_for,
)
from reviews.snapshot import Snapshot, review_build, review_sections

UTC = dt.UTC


def test_it_starts_weeks_on_monday():
    assert week_start_for(dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)  # a Monday
    assert week_start_for(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)  # the Sunday after


@pytest.mark.django_db
def test_it_keeps_the_meeting_at_nine_local_across_daylight_saving(set_company):
    berlin = set_company(time_zone="Europe/Berlin")
    # Europe moves its clocks forward on Sunday 2026-03-29.
    assert meeting_at(company=berlin, week_start=dt.date(2026, 3, 23)).astimezone(UTC).hour == 8
    assert meeting_at(company=berlin, week_start=dt.date(2026, 3, 30)).astimezone(UTC).hour == 7
    new_york = set_company(
        time_zone="America/New_York", meeting_weekday=2, meeting_time=dt.time(16, 30)
    )
    # The US moves its clocks back on Sunday 2026-11-01; the Wednesday meeting follows.
    before = meeting_at(company=new_york, week_start=dt.date(2026, 10, 26))
    after = meeting_at(company=new_york, week_start=dt.date(2026, 11, 2))
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (20, 21)
    assert after.astimezone(ZoneInfo("America/New_York")).time() == dt.time(16, 30)


@pytest.fixture
def q4(db):
    return Quarter.objects.create(
        label="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        capacity_points=400,
        sales_share_percent=10,
    )


@pytest.mark.parametrize(
    ("zone", "now_utc", "due"),
    [
        # Monday 2026-11-23, 09:00 in Tokyo is 00:00 UTC.
        ("Asia/Tokyo", dt.datetime(2026, 11, 22, 23, 59, tzinfo=UTC), False),
        ("Asia/Tokyo", dt.datetime(2026, 11, 23, 0, 0, tzinfo=UTC), True),
        # 09:00 in Los Angeles (PST, UTC−8) is 17:00 UTC.
        ("America/Los_Angeles", dt.datetime(2026, 11, 23, 16, 59, tzinfo=UTC), False),
        ("America/Los_Angeles", dt.datetime(2026, 11, 23, 17, 0, tzinfo=UTC), True),
        # Later in the week it is still due (a missed beat catches up).
        ("America/Los_Angeles", dt.datetime(2026, 11, 27, 12, 0, tzinfo=UTC), True),
    ],
)
def test_it_knows_when_a_review_is_due_in_the_companys_time_zone(
    q4, set_company, zone, now_utc, due
):
    set_company(time_zone=zone)
    assert reviews_due(now=now_utc) == ([(q4, dt.date(2026, 11, 23))] if due else [])


def test_it_generates_a_due_review_exactly_once(
    q4, set_company, django_capture_on_commit_callbacks
):
    set_company(time_zone="UTC")
    now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        review_dispatch(now=now)
        review_dispatch(now=now)
    review = WeeklyReview.objects.get()
    assert review.status == WeeklyReview.Status.READY
    assert review.data["format"] == 1 and review.data["week_start"] == "2026-11-23"
    assert reviews_due(now=now) == []


def test_it_retries_a_review_whose_job_could_not_be_queued(q4, set_company, transactional_db):
    from config.celery import QueueUnavailable, app

    set_company(time_zone="UTC")
    now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    configured = app.conf.broker_write_url
    app.conf.task_always_eager = False
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens: the queue is down
    app._pool, app.amqp._producer_pool = None, None
    try:
        with pytest.raises(QueueUnavailable):
            review_dispatch(now=now)
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_write_url = configured
        app._pool, app.amqp._producer_pool = None, None
    assert WeeklyReview.objects.get().status == WeeklyReview.Status.FAILED
    # The queue is back: the next beat catches up.
    assert reviews_due(now=now) == [(q4, dt.date(2026, 11, 23))]
    review_dispatch(now=now)
    assert WeeklyReview.objects.get().status == WeeklyReview.Status.READY


@pytest.fixture
def scenario(db, cast, quarter):
    """Five ranked requests (A–E), a committed one with progress, and last week's review."""
    rep, leader, pm, vp = (
        cast[r]
        for r in (Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER)
    )
    made = {}
    for title, points in [("A", 5), ("B", 5), ("C", None), ("D", 8), ("E", 3), ("Kept", 8)]:
        made[title] = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=rep, estimate_points=points
        )
        ranking_append(quarter=quarter, request=made[title], actor=leader)
    commitment = commitment_approve(actor=vp, request=made["Kept"])
    commitment_progress(actor=pm, commitment=commitment, status="in_progress", points_done=4)
    week = week_start_for(CompanySettings.load().today())
    last_week = WeeklyReview.objects.create(quarter=quarter, week_start=week - dt.timedelta(days=7))
    review_generate(review_id=last_week.pk)
    return {
        "requests": made,
        "commitment": commitment,
        "last_week": last_week,
        "week": week,
        "cast": cast,
    }


def test_it_reports_moves_drops_and_last_weeks_decisions(scenario, quarter):
    cast, made = scenario["cast"], scenario["requests"]
    last_week = WeeklyReview.objects.get(pk=scenario["last_week"].pk)
    review_note_add(
        actor=cast[Role.PRODUCT_LEADER],
        review=last_week,
        item_key=f"request-{made['A'].pk}",
        kind="decision",
        text="Commit A once security signs off.",
    )
    review_mark_held(actor=cast[Role.SALES_LEADER], review=last_week)
    # E moves from 5th to 2nd; the commitment is dropped after the lock date.
    ranking_move(
        actor=cast[Role.SALES_LEADER],
        quarter=quarter,
        request_id=made["E"].pk,
        after_id=made["A"].pk,
        before_id=made["B"].pk,
        version=ranking_version(quarter),
    )
    commitment_drop(
        actor=cast[Role.PRODUCT_LEADER],
        commitment=scenario["commitment"],
        reason="The deal slipped",
    )

    data = review_build(quarter=quarter, week_start=scenario["week"], previous=last_week)
    moved = data["ranking_changes"]["moved"]
    assert (
        moved[0]["title"] == "E"
        and moved[0]["delta"] == 3
        and (moved[0]["from"], moved[0]["to"]) == (5, 2)
    )
    assert moved[0]["by"] == ["Lee Leader"]
    assert [item["title"] for item in moved[1:]] == []  # B, C, D shifted but were not moved
    drop = data["changes"][0]
    assert (drop["kind"], drop["sunk"], drop["penalty"], drop["cost"]) == (
        "Drop",
        4,
        1,
        5,
    )  # 25% of 4, rounded up
    assert data["budget"]["change_costs"] == 5
    assert data["follow_ups"][0]["text"] == "Commit A once security signs off."
    assert data["follow_ups"][0]["kind"] == "Decision"
    assert [item["title"] for item in data["decisions"]["needs_estimate"]] == ["C"]
    assert data["ranking_changes"]["removed"] == []


def test_it_stores_every_part_of_format_1_and_reads_it_back_as_eight_sections(scenario, quarter):
    last_week = WeeklyReview.objects.get(pk=scenario["last_week"].pk)
    data = review_build(quarter=quarter, week_start=scenario["week"], previous=last_week)
    assert set(data) == Snapshot.__required_keys__
    stored = json.loads(json.dumps(data))  # what the JSON column gives back
    sections = review_sections(stored)
    assert [section.key for section in sections] == [
        "budget",
        "decisions",
        "ranking_changes",
        "commitments",
        "changes",
        "revenue",
        "ahead",
        "follow_ups",
    ]
    parts = {part.key: part for section in sections for part in section.parts}
    assert [item.title for item in parts["needs_estimate"].items] == ["C"]
    assert [item.title for item in parts["commitments"].items] == ["Kept"]
    assert parts["commitments"].items[0].fields["points_done"] == 4
    assert sections[0].facts["lock_date"] == quarter.planning_lock_date


def test_it_refuses_notes_that_are_too_long_or_on_held_reviews(scenario):
    from django.core.exceptions import ValidationError

    cast, review = scenario["cast"], WeeklyReview.objects.get(pk=scenario["last_week"].pk)
    key = f"request-{scenario['requests']['A'].pk}"
    with pytest.raises(ValidationError, match="2,000 characters"):
        review_note_add(
            actor=cast[Role.SALES_LEADER], review=review, item_key=key, kind="note", text="x" * 2001
        )
    with pytest.raises(ValidationError, match="not an item"):
        review_note_add(
            actor=cast[Role.SALES_LEADER],
            review=review,
            item_key="request-999999",
            kind="note",
            text="x",
        )
    review_mark_held(actor=cast[Role.SALES_LEADER], review=review)
    with pytest.raises(ValidationError, match="held"):
        review_note_add(
            actor=cast[Role.SALES_LEADER], review=review, item_key=key, kind="note", text="late"
        )
    assert not ReviewNote.objects.exists()


def test_it_makes_one_review_of_two_concurrent_generations(
    transactional_db, postgres, quarter, make_user
):
    CompanySettings.load()
    rep = make_user(Role.SALES_REP)
    for n in range(20):
        ranking_append(
            quarter=quarter,
            request=FeatureRequest.objects.create(title=f"R{n}", problem="p", submitted_by=rep),
            actor=None,
        )
    week = week_start_for(CompanySettings.load().today())
    barrier = threading.Barrier(2)
    results: list[object] = []

    def job():
        try:
            connection.ensure_connection()
            barrier.wait()
            review, _ = review_request(quarter=quarter, week_start=week)
            results.append(review.pk)
        except Exception as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and results[0] == results[1], results
    review = WeeklyReview.objects.get()
    assert review.status == WeeklyReview.Status.READY
    assert len(review.data["ranking"]) == 20


@pytest.mark.celery_worker
def test_it_has_a_real_worker_generate_the_review(celery_worker, quarter, make_user):
    rep = make_user(Role.SALES_REP)
    ranking_append(
        quarter=quarter,
        request=FeatureRequest.objects.create(title="Q", problem="p", submitted_by=rep),
        actor=None,
    )
    review, queued = review_request(
        quarter=quarter, week_start=week_start_for(CompanySettings.load().today())
    )
    assert queued
    deadline = time.monotonic() + 30
    while review.status != WeeklyReview.Status.READY and time.monotonic() < deadline:
        time.sleep(0.2)
        review.refresh_from_db()
    assert review.status == WeeklyReview.Status.READY
    assert [item["title"] for item in review.data["ranking_changes"]["new"]] == ["Q"]
    assert ranked(quarter).count() == 1


def test_it_emails_the_agenda_to_both_vps_once(
    q4, cast, set_company, django_capture_on_commit_callbacks
):
    from django.core import mail

    from reviews.tasks import generate_review

    set_company(
        time_zone="UTC",
        head_of_sales=cast[Role.SALES_LEADER],
        head_of_product=cast[Role.PRODUCT_LEADER],
    )
    review = WeeklyReview.objects.create(quarter=q4, week_start=dt.date(2026, 11, 23))
    with django_capture_on_commit_callbacks(execute=True):
        generate_review.delay(review.pk)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [cast[Role.SALES_LEADER].email, cast[Role.PRODUCT_LEADER].email]
    )
    # A retry or a second worker finds the review ready: no second round of e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        generate_review.delay(review.pk)
    assert len(mail.outbox) == 2
