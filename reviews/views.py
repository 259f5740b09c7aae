"""The weekly VP Sales / VP Product review: the current review, the archive, "Prepare now"
and "Refresh" with their progress, meeting mode (the minutes), marking it held (after a
confirmation step), the print view and the exports.

Pages render the review's stored snapshot, never the live data: the review shows what the
meeting saw, says when it was taken and how many changes were recorded since, and until it is
held a leader can take it again. Writes go through `reviews.services` (which checks the role
again); a refused note, refresh or "held" re-renders the page with a 400 and the reason, and
nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import allowed_to
from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, can
from budgets.models import CompanySettings
from budgets.selectors import quarter_current
from commitments.budget_selectors import BurnupWeek
from commitments.burnup import burnup_charts
from config.celery import QueueUnavailable
from reviews import export as review_export
from reviews import services as reviews
from reviews.export import NoteFailure, meeting_calendar, review_display
from reviews.models import ReviewNote, WeeklyReview
from reviews.selectors import review_changes_since

REVIEWS_PER_PAGE = 50
QUEUE_UNREACHABLE = (
    "The job queue is unreachable right now, so the review cannot be prepared. "
    "Try again in a few minutes."
)
REFRESH_QUEUE_UNREACHABLE = (
    "The job queue is unreachable right now, so the review cannot be refreshed; it stays as it "
    "was. Try again in a few minutes."
)
HELD_UNCONFIRMED = (
    "Confirm that the meeting is over to mark the review held: it closes the minutes and "
    "freezes the agenda for good. Nothing was changed."
)
TEMPLATES = "reviews/"

ReviewView = Callable[[AuthenticatedHttpRequest, WeeklyReview], HttpResponse]


# --- helpers -------------------------------------------------------------------------------


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    # The site's 404 page does not show why; here the reason is the useful part
    # ("2026-13-45 is not a week", "2026-Q4 has no review for the week of …").
    return render(request, TEMPLATES + "not_found.html", {"message": message}, status=404)


def _review_page(
    view: ReviewView,
) -> Callable[[AuthenticatedHttpRequest, str, str], HttpResponse]:
    """Resolve the URL's quarter label and week into the review, or a 404 that says why."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, label: str, week: str) -> HttpResponse:
        try:
            review = reviews.review_for_page(label=label, week=week)
        except Http404 as error:
            return _not_found(request, str(error))
        return view(request, review)

    return wrapped


def _this_week(company: CompanySettings) -> dt.date:
    return reviews.week_start_for(company.today())


def _chart(budget: Mapping[str, Any], review: WeeklyReview) -> str:
    weeks = []
    for number, week in enumerate(budget.get("burnup") or [], start=1):
        if not isinstance(week.get("start"), dt.date) or not isinstance(week.get("end"), dt.date):
            return ""  # a snapshot this page cannot read as dates gets the table only
        weeks.append(
            BurnupWeek(
                number=number,
                start=week["start"],
                end=week["end"],
                budget=week.get("budget") or 0,
                spent=week.get("spent"),
                done=week.get("done"),
            )
        )
    if not weeks:
        return ""
    return burnup_charts(
        weeks=weeks,
        title=f"Burn-up of {review.quarter.label}'s sales budget by week, as of this review",
        id_prefix=f"review-burnup-{review.pk}",
    )


def _review_context(
    request: AuthenticatedHttpRequest,
    review: WeeklyReview,
    *,
    company: CompanySettings | None = None,
    meeting: bool = False,
    failure: NoteFailure | None = None,
    live: bool = True,
) -> dict[str, Any]:
    """What the review's templates need: its sections with the minutes placed per item, and
    for a page that offers a refresh (`live`), how many changes were recorded since."""
    company = company or CompanySettings.load()
    display = review_display(
        review, review.notes.select_related("author"), failure=failure, viewer=request.user
    )
    can_run = can(request.user, Action.RUN_REVIEW)
    open_review = review.status == WeeklyReview.Status.READY and not review.is_held
    return {
        "review": review,
        "display": display,
        "week": review.week_start.isoformat(),
        "label": review.quarter.label,
        "chart": _chart(display.section("budget").facts, review),
        "company": company,
        "can_run": can_run,
        "can_refresh": can_run and open_review,
        # A held review is frozen for good: what happened since is not its business.
        "changes_since": review_changes_since(review=review) if live and open_review else None,
        "meeting": meeting,
        "max_note": ReviewNote.MAX_LENGTH,
        "note_kinds": ReviewNote.Kind.choices,
    }


def _to(request: AuthenticatedHttpRequest, url: str) -> HttpResponse:
    """On to `url`: the whole page for an htmx request, a redirect for a plain form."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _progress_page(
    request: AuthenticatedHttpRequest, review: WeeklyReview, *, status: int = 200
) -> HttpResponse:
    """Where a review that is not ready yet stands: queued, running, or failed and why."""
    company = CompanySettings.load()
    this_week = review.week_start == _this_week(company)
    current = quarter_current(today=company.today())
    context = {
        "review": review,
        "company": company,
        # A retry prepares this week's review, so it is offered on this week's only.
        "can_retry": this_week
        and current is not None
        and current.pk == review.quarter_id
        and can(request.user, Action.RUN_REVIEW),
    }
    template = TEMPLATES + "status.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context, status=status)


def _review_page_or_progress(
    request: AuthenticatedHttpRequest, review: WeeklyReview, *, status: int
) -> HttpResponse:
    """The review (its messages on top), or where it stands if it is not ready."""
    if review.status != WeeklyReview.Status.READY:
        return _progress_page(request, review, status=status)
    return render(
        request, TEMPLATES + "detail.html", _review_context(request, review), status=status
    )


def _current_page(request: AuthenticatedHttpRequest, *, status: int = 200) -> HttpResponse:
    """The newest ready review of the current quarter, or a page saying there is none yet."""
    company = CompanySettings.load()
    today = company.today()
    this_week = reviews.week_start_for(today)
    quarter = quarter_current(today=today)
    review = reviews.review_latest(quarter=quarter) if quarter else None
    context = {
        "quarter": quarter,
        "this_week": this_week,
        "can_run": can(request.user, Action.RUN_REVIEW),
        "company": company,
    }
    if review is None:
        return render(request, TEMPLATES + "missing.html", context, status=status)
    context |= _review_context(request, review, company=company)
    context["current"] = True
    context["stale"] = review.week_start < this_week
    # An older week's review stands in for this week's: "Prepare now" is what helps here,
    # not taking last week's agenda again (its own page still offers that until it is held).
    context["can_refresh"] = context["can_refresh"] and not context["stale"]
    return render(request, TEMPLATES + "detail.html", context, status=status)


def _meeting_page(
    request: AuthenticatedHttpRequest,
    review: WeeklyReview,
    *,
    status: int = 200,
    failure: NoteFailure | None = None,
) -> HttpResponse:
    if review.status != WeeklyReview.Status.READY:
        # Nothing to show item by item yet: where the review stands, and the refusal on top.
        return _progress_page(request, review, status=status)
    context = _review_context(request, review, meeting=True, failure=failure)
    if failure and failure["item_key"] not in reviews.review_items(review):
        # Typed against an item that is not on the agenda (any more: it was refreshed while
        # the page was open), so no item's form can show it again: the page does, on top.
        context["lost_note"] = failure
    return render(request, TEMPLATES + "meeting.html", context, status=status)


def _refusal(error: ValidationError) -> tuple[dict[str, str], str]:
    """(field errors by name, message for the top of the page) of a refused note."""
    if not hasattr(error, "error_dict"):
        return {}, " ".join(error.messages)
    fields = {name: " ".join(errors) for name, errors in error.message_dict.items()}
    return fields, " ".join(fields.values())


# --- pages ---------------------------------------------------------------------------------


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
def review_current(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _current_page(request)


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
def review_archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every review, newest week first, 50 a page."""
    page = Paginator(reviews.review_archive(), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        TEMPLATES + "archive.html",
        {"page": page, "company": CompanySettings.load()},
    )


@allowed_to(Action.RUN_REVIEW)
@require_POST
def review_prepare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for this week's review now; then its progress page (or the review, if ready)."""
    company = CompanySettings.load()
    quarter = quarter_current(today=company.today())
    if quarter is None:
        messages.error(request, "No quarter is under way today, so there is no review to prepare.")
        return _current_page(request, status=400)
    try:
        review, _ = reviews.review_request(
            quarter=quarter, week_start=_this_week(company), actor=request.user
        )
    except QueueUnavailable:
        # Not a 500: the pages work without the queue; only generating has to wait.
        messages.error(request, QUEUE_UNREACHABLE)
        return _current_page(request, status=503)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _current_page(request, status=400)
    # With eager Celery (the embedded setup) the review is generated by now.
    review.refresh_from_db(fields=["status"])
    if review.status == WeeklyReview.Status.READY:
        return redirect(review.get_absolute_url())
    return redirect("reviews:review_status", pk=review.pk)


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
def review_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress of one review. htmx polls it every 2 s; once the review is ready the
    browser is sent to it (HX-Redirect), and a plain request is redirected there."""
    review = WeeklyReview.objects.select_related("quarter").filter(pk=pk).first()
    if review is None:
        return _not_found(request, f"There is no review #{pk}.")
    if review.status == WeeklyReview.Status.READY and not review.is_refreshing:
        # Ready, refreshed, or the refresh failed (the review says so, over its snapshot).
        return _to(request, review.get_absolute_url())
    return _progress_page(request, review)


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
@_review_page
def review_detail(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    if review.status != WeeklyReview.Status.READY:
        return _progress_page(request, review)
    return render(request, TEMPLATES + "detail.html", _review_context(request, review))


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
@_review_page
def review_print(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    if review.status != WeeklyReview.Status.READY:
        return _not_found(request, f"The review of the week of {review.week_start} is not ready.")
    return render(request, TEMPLATES + "print.html", _review_context(request, review, live=False))


@allowed_to(Action.RUN_REVIEW)
@require_POST
@_review_page
def review_refresh(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    """Take the review's snapshot again from the live data, until it is held; then the review
    (or meeting mode, where the button was pressed), or the refresh's progress."""
    try:
        review, _ = reviews.review_refresh(actor=request.user, review=review)
    except QueueUnavailable:
        messages.error(request, REFRESH_QUEUE_UNREACHABLE)
        return _review_page_or_progress(request, review, status=503)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        review.refresh_from_db()
        return _review_page_or_progress(request, review, status=400)
    # With eager Celery (the embedded setup) the refresh is done by now.
    review.refresh_from_db(fields=["refresh_requested_at", "error", "generated_at"])
    if review.is_refreshing:
        return _to(request, reverse("reviews:review_status", args=[review.pk]))
    if review.error:
        messages.error(request, f"The review could not be refreshed: {review.error}")
    else:
        messages.success(request, "The agenda was refreshed from the live data.")
    if request.POST.get("back") == "meeting":
        return _to(
            request,
            reverse("reviews:review_meeting", args=[review.quarter.label, review.week_start]),
        )
    return _to(request, review.get_absolute_url())


@allowed_to(Action.RUN_REVIEW)
@require_http_methods(["GET", "HEAD", "POST"])
@_review_page
def review_meeting(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    """The review with a form per agenda item to record a decision or a note."""
    if request.method != "POST":
        return _meeting_page(request, review)
    item_key, kind, text = (request.POST.get(name, "") for name in ("item_key", "kind", "text"))
    try:
        note = reviews.review_note_add(
            actor=request.user, review=review, item_key=item_key, kind=kind, text=text
        )
    except ValidationError as error:
        fields, message = _refusal(error)
        messages.error(request, f"{message} Nothing was saved.")
        failure: NoteFailure = {
            "item_key": item_key,
            "kind": kind,
            "text": text,
            "errors": fields,
            "message": message,
        }
        return _meeting_page(request, review, status=400, failure=failure)
    messages.success(request, f"{note.get_kind_display()} recorded on “{note.item_title}”.")
    url = reverse("reviews:review_meeting", args=[review.quarter.label, review.week_start])
    return redirect(f"{url}#item-{note.item_key}")


def _held_confirmation(
    request: AuthenticatedHttpRequest, review: WeeklyReview, *, status: int = 200
) -> HttpResponse:
    """The step before "held": what it means, and a "Yes, mark it held" button."""
    if review.status != WeeklyReview.Status.READY:
        return _progress_page(request, review, status=status)
    context = _review_context(request, review)
    template = TEMPLATES + "held.html"
    if request.htmx:
        template += "#confirm"
    return render(request, template, context, status=status)


@allowed_to(Action.RUN_REVIEW)
@require_http_methods(["GET", "HEAD", "POST"])
@_review_page
def review_mark_held(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    """Close the meeting for good. GET asks for confirmation (a page, or in meeting mode the
    form swapped in by htmx): no script may ask, under the site's Content-Security-Policy. A
    POST without `confirm=yes` is refused with a 400 and changes nothing."""
    if request.method != "POST":
        return _held_confirmation(request, review)
    if request.POST.get("confirm") != "yes":
        messages.error(request, HELD_UNCONFIRMED)
        return _held_confirmation(request, review, status=400)
    try:
        reviews.review_mark_held(actor=request.user, review=review)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _meeting_page(request, review, status=400)
    messages.success(
        request,
        "The review is marked held. Its minutes are kept and next week's review lists them "
        "as follow-ups.",
    )
    return redirect(review.get_absolute_url())


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
@_review_page
def review_markdown(request: AuthenticatedHttpRequest, review: WeeklyReview) -> HttpResponse:
    if review.status != WeeklyReview.Status.READY:
        return _not_found(request, f"The review of the week of {review.week_start} is not ready.")
    text = review_export.review_markdown(
        review=review,
        notes=review.notes.select_related("author"),
        site_url=settings.SITE_URL,
        viewer=request.user,
    )
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    filename = f"forcerank-review-{review.quarter.label}-{review.week_start.isoformat()}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@allowed_to(Action.VIEW_REVIEWS)
@require_safe
def review_ics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The recurring meeting for a calendar: the company's weekday and time, every week."""
    company = CompanySettings.load()
    text = meeting_calendar(
        company=company, site_url=settings.SITE_URL, today=company.today(), now=timezone.now()
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="forcerank-weekly-review.ics"'
    return response
