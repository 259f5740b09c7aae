"""The weekly VP Sales / VP Product review: when one is due, how it is generated and
refreshed, finding reviews and their agenda, and the minutes of the meeting.

A review is a snapshot: `reviews.snapshot.review_build` reads the live data and it is stored as
JSON in the shape of `WeeklyReview.FORMAT_VERSION` (`reviews.snapshot.Snapshot`); pages render
that, never the live data, so the review shows what the meeting saw. One review exists per
(quarter, week start): the database's unique constraint, not timing, keeps retries, two workers
and missed beats from making two. Until it is marked held, a review can be refreshed (a leader's
button, and once at the meeting time): the same job takes the snapshot again into the same row.
Once held it is frozen for good; the row lock orders "held" against every refresh.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from budgets.models import CompanySettings, Quarter
from config.celery import QueueUnavailable, enqueue
from events.kinds import Kind
from events.services import publish
from reviews.models import ReviewNote, WeeklyReview
from reviews.snapshot import Item, review_build, review_sections, snapshot_of

STALE_QUEUED = dt.timedelta(minutes=10)  # a queued review whose job seems lost is queued again


# When a review is due ----------------------------------------------------------------------


def week_start_for(day: dt.date) -> dt.date:
    """The Monday of `day`'s week: the week a review belongs to."""
    return day - dt.timedelta(days=day.weekday())


def meeting_at(*, company: CompanySettings, week_start: dt.date) -> dt.datetime:
    """When that week's meeting starts: the company's weekday and time, in its time zone.

    Built in the zone itself, so the wall-clock time holds across daylight-saving changes.
    """
    day = week_start + dt.timedelta(days=company.meeting_weekday)
    return dt.datetime.combine(day, company.meeting_time, tzinfo=company.zone)


def _meeting_begun(now: dt.datetime) -> tuple[Quarter, dt.date, dt.datetime] | None:
    """(quarter, week, meeting start) of this week's meeting if it has begun by `now`."""
    company = CompanySettings.load()
    week = week_start_for(now.astimezone(company.zone).date())
    starts = meeting_at(company=company, week_start=week)
    if now < starts:
        return None
    quarter = Quarter.objects.filter(start__lte=starts.date(), end__gte=starts.date()).first()
    if quarter is None:
        return None
    return quarter, week, starts


def reviews_due(*, now: dt.datetime | None = None) -> list[tuple[Quarter, dt.date]]:
    """The (quarter, week) whose review should exist by `now` and is missing or stuck."""
    now = now or timezone.now()
    meeting = _meeting_begun(now)
    if meeting is None:
        return []
    quarter, week, _ = meeting
    review = WeeklyReview.objects.filter(quarter=quarter, week_start=week).first()
    if review is None or _needs_another_try(review, now):
        return [(quarter, week)]
    return []


def reviews_to_refresh(*, now: dt.datetime | None = None) -> list[WeeklyReview]:
    """This week's review, if its meeting has begun and its snapshot was taken before that:
    a review prepared early is refreshed once at the meeting time, so the agenda is true when
    the meeting starts.

    Once refreshed its snapshot is newer than the meeting, so later beats leave it alone; a
    held review, one that is not ready, and one whose refresh is under way are left alone too
    (a refresh whose job seems lost, or that failed, is asked for again).
    """
    now = now or timezone.now()
    meeting = _meeting_begun(now)
    if meeting is None:
        return []
    quarter, week, starts = meeting
    review = WeeklyReview.objects.filter(
        quarter=quarter,
        week_start=week,
        status=WeeklyReview.Status.READY,
        held_at__isnull=True,
        generated_at__lt=starts,
    ).first()
    if review is None or _refresh_under_way(review, timezone.now()):
        return []
    return [review]


def _needs_another_try(review: WeeklyReview, now: dt.datetime) -> bool:
    if review.status == WeeklyReview.Status.FAILED:
        return True
    return review.status == WeeklyReview.Status.QUEUED and review.created_at < now - STALE_QUEUED


def _refresh_under_way(review: WeeklyReview, now: dt.datetime) -> bool:
    """A refresh was asked for, has not failed, and its job is not presumed lost yet."""
    requested = review.refresh_requested_at
    return review.is_refreshing and requested is not None and requested >= now - STALE_QUEUED


def review_dispatch(*, now: dt.datetime | None = None) -> list[WeeklyReview]:
    """What Celery beat runs: ask for every review that is due and missing (or stuck), and
    refresh this week's once at the meeting time if it was prepared earlier. Returns the
    reviews asked for."""
    now = now or timezone.now()
    asked = [
        review_request(quarter=q, week_start=w, retry_stale=True)[0]
        for q, w in reviews_due(now=now)
    ]
    for review in reviews_to_refresh(now=now):
        try:
            refreshed, queued = review_refresh(review=review)
        except ValidationError:  # held (or no longer ready) a moment ago: it stays as it is
            continue
        if queued:
            asked.append(refreshed)
    return asked


# Generating a review -----------------------------------------------------------------------


def review_request(
    *,
    quarter: Quarter,
    week_start: dt.date,
    actor: User | None = None,
    retry_stale: bool = False,
) -> tuple[WeeklyReview, bool]:
    """Make sure the week's review exists or is being generated; returns (review, queued now).

    Raises QueueUnavailable when the job could not be queued; the review is then marked
    failed so that asking again (or the next beat) retries it.
    """
    if actor is not None:
        require(actor, Action.RUN_REVIEW)
    if week_start != week_start_for(week_start):
        raise ValidationError("A review's week starts on a Monday.")
    if not quarter.start - dt.timedelta(days=6) <= week_start <= quarter.end:
        raise ValidationError(f"The week of {week_start} is not in {quarter.label}.")
    try:
        with transaction.atomic():
            review, created = WeeklyReview.objects.get_or_create(
                quarter=quarter, week_start=week_start, defaults={"requested_by": actor}
            )
    except IntegrityError:  # someone else created it a moment ago
        review, created = WeeklyReview.objects.get(quarter=quarter, week_start=week_start), False
    retry = review.status == WeeklyReview.Status.FAILED or (
        retry_stale and _needs_another_try(review, timezone.now())
    )
    if not created and not retry:
        return review, False
    if retry:
        WeeklyReview.objects.filter(pk=review.pk).update(
            status=WeeklyReview.Status.QUEUED, error=""
        )
    try:
        enqueue("reviews.tasks.generate_review", review.pk)
    except QueueUnavailable:
        WeeklyReview.objects.filter(pk=review.pk).update(
            status=WeeklyReview.Status.FAILED, error="The job queue was unreachable."
        )
        raise
    review.refresh_from_db()
    return review, True


def review_refresh(*, review: WeeklyReview, actor: User | None = None) -> tuple[WeeklyReview, bool]:
    """Ask for the review's snapshot to be taken again from the live data; returns (review,
    queued now).

    The job that generates reviews (`review_generate`) rebuilds it into the same row, replacing
    `data`; the review stays ready and readable meanwhile. Its minutes stay attached: a note
    keeps its item's key and title, so one whose item left the agenda is still shown. A
    refresh that is under way is not asked for twice (unless its job seems lost or failed).

    Refused with a ValidationError once the review is held (frozen for good) and while it is
    not ready. Raises QueueUnavailable when the job could not be queued; the review then
    stays as it was.
    """
    if actor is not None:
        require(actor, Action.RUN_REVIEW)
    now = timezone.now()
    with transaction.atomic():
        # The row lock orders this after a "mark held" that came first (which it then sees)
        # and before one that comes next (which drops the refresh: `review_generate` never
        # touches a held review).
        locked = WeeklyReview.objects.select_for_update().get(pk=review.pk)
        if locked.is_held:
            raise ValidationError(
                f"This review was held on {locked.held_at:%b %d}, so its agenda is frozen for "
                "good and cannot be refreshed."
            )
        if locked.status != WeeklyReview.Status.READY:
            raise ValidationError(
                "This review is not ready yet, so there is nothing to refresh: it is being "
                "prepared from the live data already."
            )
        if _refresh_under_way(locked, now):
            return locked, False
        locked.refresh_requested_at, locked.error = now, ""
        locked.save(update_fields=["refresh_requested_at", "error"])
    try:
        enqueue("reviews.tasks.generate_review", locked.pk)
    except QueueUnavailable:
        WeeklyReview.objects.filter(pk=locked.pk, refresh_requested_at=now).update(
            refresh_requested_at=None
        )
        raise
    locked.refresh_from_db()
    return locked, True


def _to_generate(review: WeeklyReview) -> bool:
    """Whether the job has work on `review`: it is not ready yet, or a refresh of it was asked
    for. Never a held review: held wins over any refresh, asked for before or after."""
    if review.is_held:
        return False
    return review.status != WeeklyReview.Status.READY or review.refresh_requested_at is not None


def review_generate(*, review_id: int) -> tuple[WeeklyReview | None, bool]:
    """Build and store the review's snapshot; returns (review, generated by this call).

    Generates a review that is not ready yet, once, and refreshes a ready one whose refresh
    was asked for (`review_refresh`) unless it was held meanwhile. A refreshed review stays
    ready throughout, keeps its snapshot if the refresh fails, and is not e-mailed again.

    Safe to run twice at the same time: the second run waits for the first's row lock and
    then finds the review ready (or refreshed) and leaves it.
    """
    with transaction.atomic():
        review = WeeklyReview.objects.select_for_update().filter(pk=review_id).first()
        if review is None or not _to_generate(review):
            return review, False
        refreshing = review.status == WeeklyReview.Status.READY
        if not refreshing:
            review.status = WeeklyReview.Status.RUNNING
            review.save(update_fields=["status"])
    try:
        with transaction.atomic():
            review = (
                WeeklyReview.objects.select_for_update().select_related("quarter").get(pk=review_id)
            )
            # The snapshot is built while holding the lock, so a "mark held" waits for it
            # and then holds the refreshed agenda, or came first and is seen here.
            if not _to_generate(review):
                return review, False
            previous = (
                WeeklyReview.objects.filter(
                    quarter=review.quarter,
                    week_start__lt=review.week_start,
                    status=WeeklyReview.Status.READY,
                )
                .order_by("-week_start")
                .first()
            )
            review.data = review_build(
                quarter=review.quarter, week_start=review.week_start, previous=previous
            )
            review.format_version = WeeklyReview.FORMAT_VERSION
            review.status = WeeklyReview.Status.READY
            review.generated_at = timezone.now()
            review.error = ""
            review.refresh_requested_at = None
            review.save(
                update_fields=[
                    "data",
                    "format_version",
                    "status",
                    "generated_at",
                    "error",
                    "refresh_requested_at",
                ]
            )
            if not refreshing:  # the agenda goes out when it is first ready, not on refreshes
                publish(
                    Kind.REVIEW_READY,
                    quarter_id=review.quarter_id,
                    payload={
                        "review_id": review.pk,
                        "quarter": review.quarter.label,
                        "week_start": review.week_start.isoformat(),
                        "url": review.get_absolute_url(),
                    },
                )
    except Exception as error:
        if refreshing:
            # The review stays ready with the snapshot it had; the task's retries try again,
            # and the page says the refresh failed.
            WeeklyReview.objects.filter(pk=review_id).update(error=str(error)[:1000])
        else:
            WeeklyReview.objects.filter(pk=review_id).update(
                status=WeeklyReview.Status.FAILED, error=str(error)[:1000]
            )
        raise
    return review, True


# Reading reviews ---------------------------------------------------------------------------


def review_items(review: WeeklyReview) -> dict[str, Item]:
    """The review's agenda: every item a decision or note may be recorded on, by key, each
    in the first section that lists it (the budget is the item "budget")."""
    return {
        item.key: item
        for section in review_sections(snapshot_of(review))
        for item in section.items
        if item.first
    }


def review_latest(*, quarter: Quarter) -> WeeklyReview | None:
    return (
        WeeklyReview.objects.filter(quarter=quarter, status=WeeklyReview.Status.READY)
        .select_related("quarter", "held_by")
        .order_by("-week_start")
        .first()
    )


def review_archive(*, quarter: Quarter | None = None) -> QuerySet[WeeklyReview]:
    reviews = WeeklyReview.objects.select_related("quarter", "held_by").order_by(
        "-week_start", "-id"
    )
    return reviews.filter(quarter=quarter) if quarter else reviews


def review_for_page(*, label: str, week: str) -> WeeklyReview:
    """The review of quarter `label` and week `week` (YYYY-MM-DD), or a 404 that says why."""
    quarter = Quarter.objects.filter(label=label).first()
    if quarter is None:
        raise Http404(f"There is no quarter {label}.")
    try:
        week_start = dt.date.fromisoformat(week)
    except ValueError:
        raise Http404(f"“{week}” is not a week: use its Monday as YYYY-MM-DD.") from None
    review = (
        WeeklyReview.objects.filter(quarter=quarter, week_start=week_start)
        .select_related("quarter", "held_by", "requested_by")
        .first()
    )
    if review is None:
        raise Http404(f"{quarter.label} has no review for the week of {week_start}.")
    return review


# The meeting -------------------------------------------------------------------------------


@transaction.atomic
def review_note_add(
    *, actor: User, review: WeeklyReview, item_key: str, kind: str, text: str
) -> ReviewNote:
    """Record a decision or note against one agenda item, while the meeting is on."""
    require(actor, Action.RUN_REVIEW)
    review = WeeklyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != WeeklyReview.Status.READY:
        raise ValidationError("This review is not ready yet, so nothing can be recorded on it.")
    if review.is_held:
        raise ValidationError("This review was held and its minutes are closed.")
    item = review_items(review).get(item_key or "")
    if item is None:
        raise ValidationError(
            {
                "item_key": "That is not an item of this review's agenda (any more, if the "
                "agenda was refreshed since the page was opened)."
            }
        )
    if kind not in ReviewNote.Kind.values:
        raise ValidationError({"kind": "Choose a decision or a note."})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the decision or note."})
    if len(text) > ReviewNote.MAX_LENGTH:
        raise ValidationError(
            {
                "text": f"Keep it to {ReviewNote.MAX_LENGTH:,} characters (this one has {len(text):,})."
            }
        )
    return ReviewNote.objects.create(
        review=review,
        item_key=item_key,
        item_title=item.title[:200],
        section=item.section,
        kind=kind,
        text=text,
        url=item.url[:200],
        author=actor,
    )


@transaction.atomic
def review_mark_held(*, actor: User, review: WeeklyReview) -> WeeklyReview:
    """Close the meeting: the review keeps its minutes, which next week lists as follow-ups,
    and its agenda as it stands now, for good.

    Held wins over a refresh: one asked for but not stored yet is dropped (the generation job
    takes the same row lock, and then finds the review held); one being built is waited for.
    """
    require(actor, Action.RUN_REVIEW)
    review = WeeklyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != WeeklyReview.Status.READY:
        raise ValidationError("Only a ready review can be held.")
    if review.is_held:
        raise ValidationError(f"This review was held already, on {review.held_at:%b %d}.")
    review.held_at, review.held_by = timezone.now(), actor
    review.refresh_requested_at = None
    review.save(update_fields=["held_at", "held_by", "refresh_requested_at"])
    return review
