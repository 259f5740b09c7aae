"""Demo weekly reviews for `manage.py seed_demo`: last week's, held with its minutes, and
this week's, which lists those minutes as follow-ups. Generated in-process (no queue, no
e-mail); a review that exists already is left alone."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from budgets.models import CompanySettings, Quarter
from feature_requests.ranking import ranked, ranking_move, ranking_version
from reviews.models import WeeklyReview
from reviews.services import (
    review_generate,
    review_items,
    review_mark_held,
    review_note_add,
    week_start_for,
)

# (the agenda item to attach to: a section name, kind, text, who) for last week's minutes
DEMO_MINUTES = [
    (
        "decisions",
        "decision",
        "Commit it once the security review is done; Victor to confirm on Friday.",
        "vp.product",
    ),
    ("decisions", "note", "Valerie asks for a rough date to share with the customer.", "vp.sales"),
    (
        "budget",
        "note",
        "Budget on track: keep 10 points in reserve for the renewal push.",
        "vp.sales",
    ),
]


def seed_reviews(*, quarter: Quarter | None) -> int:
    """Create the demo reviews that are missing; returns how many were created."""
    if quarter is None:
        return 0
    this_week = week_start_for(CompanySettings.load().today())
    last_week = this_week - dt.timedelta(days=7)
    created = 0
    people = {
        user.email.split("@")[0]: user
        for user in User.objects.filter(email__endswith="@example.com")
    }
    if last_week >= quarter.start - dt.timedelta(days=6):
        review, made = WeeklyReview.objects.get_or_create(quarter=quarter, week_start=last_week)
        if made:
            created += 1
            review_generate(review_id=review.pk)
            review.refresh_from_db()
            items = review_items(review)
            for section, kind, text, who in DEMO_MINUTES:
                key = next((key for key, item in items.items() if item.section == section), None)
                if key:
                    review_note_add(
                        actor=people[who], review=review, item_key=key, kind=kind, text=text
                    )
            review_mark_held(actor=people["vp.product"], review=review)
            _move_after_the_meeting(quarter, people["vp.sales"])
    review, made = WeeklyReview.objects.get_or_create(quarter=quarter, week_start=this_week)
    if made:
        created += 1
        review_generate(review_id=review.pk)
    return created


def _move_after_the_meeting(quarter: Quarter, vp_sales: User) -> None:
    """After last week's meeting the VP Sales lifts the last request two places, so this week's
    review has ranking changes to show (the top of the ranking stays as it was)."""
    order = list(ranked(quarter).values_list("id", flat=True))
    if len(order) < 4:
        return
    ranking_move(
        actor=vp_sales,
        quarter=quarter,
        request_id=order[-1],
        after_id=order[-4],
        before_id=order[-3],
        version=ranking_version(quarter),
    )
