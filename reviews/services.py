"""The weekly VP Sales / VP Product review: when one is due, how it is generated, finding
reviews and their agenda, and the minutes of the meeting.

A review is a snapshot: `reviews.snapshot.review_build` reads the live data once and it is
stored as JSON in the shape of `WeeklyReview.FORMAT_VERSION` (`reviews.snapshot.Snapshot`);
pages render that, never the live data, so the review shows what the meeting saw. One review
exists per (quarter, week start): the database's unique constraint, not timing, keeps retries,
two workers and missed beats from making two.
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


def reviews_due(*, now: dt.datetime | None = None) -> list[tuple[Quarter, dt.date]]:
    """The (quarter, week) whose review should exist by `now` and is missing or stuck."""
    company = CompanySettings.load()
    now = now or timezone.now()
    week = week_start_for(now.astimezone(company.zone).date())
    starts = meeting_at(company=company, week_start=week)
    if now < starts:
        return []
    quarter = Quarter.objects.filter(start__lte=starts.date(), end__gte=starts.date()).first()
    if quarter is None:
        return []
    review = WeeklyReview.objects.filter(quarter=quarter, week_start=week).first()
    if review is None or _needs_another_try(review, now):
        return [(quarter, week)]
    return []


def _needs_another_try(review: WeeklyReview, now: dt.datetime) -> bool:
    if review.status == WeeklyReview.Status.FAILED:
        return True
    return review.status == WeeklyReview.Status.QUEUED and review.created_at < now - STALE_QUEUED


def review_dispatch(*, now: dt.datetime | None = None) -> list[WeeklyReview]:
    """Ask for every review that is due and missing (or stuck); what Celery beat runs."""
    return [
        review_request(quarter=q, week_start=w, retry_stale=True)[0]
        for q, w in reviews_due(now=now)
    ]


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


def review_generate(*, review_id: int) -> tuple[WeeklyReview | None, bool]:
    """Build and store the review's snapshot, once; returns (review, generated by this call).

    Safe to run twice at the same time: the second run waits for the first's row lock and
    then finds the review ready.
    """
    with transaction.atomic():
        review = WeeklyReview.objects.select_for_update().filter(pk=review_id).first()
        if review is None or review.status == WeeklyReview.Status.READY:
            return review, False
        review.status = WeeklyReview.Status.RUNNING
        review.save(update_fields=["status"])
    try:
        with transaction.atomic():
            review = (
                WeeklyReview.objects.select_for_update().select_related("quarter").get(pk=review_id)
            )
            if review.status == WeeklyReview.Status.READY:
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
            review.save(update_fields=["data", "format_version", "status", "generated_at", "error"])
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
        raise ValidationError({"item_key": "That is not an item of this review's agenda."})
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
    """Close the meeting: the review keeps its minutes, which next week lists as follow-ups."""
    require(actor, Action.RUN_REVIEW)
    review = WeeklyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != WeeklyReview.Status.READY:
        raise ValidationError("Only a ready review can be held.")
    if review.is_held:
        raise ValidationError(f"This review was held already, on {review.held_at:%b %d}.")
    review.held_at, review.held_by = timezone.now(), actor
    review.save(update_fields=["held_at", "held_by"])
    return review
