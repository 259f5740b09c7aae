"""Writes to feature requests: submit, edit, comment, triage (accept, decline, merge), estimate.

Each service asks accounts.permissions first, then checks the request's state under a row
lock, so two leaders triaging the same request one after the other get a clear refusal
instead of a double transition. A refusal for a rule raises ValidationError with a message
for the user; a refusal for a role raises PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import Action, require
from budgets.models import Quarter
from budgets.selectors import company_today
from config.forms import has_visible_text
from events.kinds import Kind
from events.services import publish
from feature_requests.models import (
    MAX_COMMENT_LENGTH,
    MAX_ESTIMATE_POINTS,
    MAX_PROBLEM_LENGTH,
    MAX_TITLE_LENGTH,
    Comment,
    Deal,
    Estimate,
    FeatureRequest,
    RequestDeal,
)
from feature_requests.ranking import ranking_append
from feature_requests.status import request_transition

Status = FeatureRequest.Status

# A request that was merged away or declined cannot take in a duplicate.
CLOSED_FOR_MERGE = (Status.MERGED, Status.DECLINED_BY_SALES, Status.DECLINED)
ESTIMABLE = (Status.SUBMITTED, Status.RANKED)


def _clean_text(*, title: str, problem: str) -> tuple[str, str]:
    """The title and problem without outer spaces; one that shows nothing (only zero-width
    or other invisible characters) is as missing as an empty one."""
    title = (title or "").strip()
    problem = (problem or "").strip()
    errors: dict[str, str] = {}
    if not has_visible_text(title):
        errors["title"] = "Give the request a title."
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = f"Keep the title to {MAX_TITLE_LENGTH} characters (it has {len(title)})."
    if not has_visible_text(problem):
        errors["problem"] = "Describe the customer's problem."
    elif len(problem) > MAX_PROBLEM_LENGTH:
        errors["problem"] = (
            f"Keep the problem to {MAX_PROBLEM_LENGTH:,} characters (it has {len(problem):,})."
        )
    if errors:
        raise ValidationError(errors)
    return title, problem


def _check_quarter_open(quarter: Quarter | None, *, field: str = "quarter") -> None:
    if quarter is not None and quarter.end < company_today():
        raise ValidationError(
            {field: f"{quarter.label} has ended; choose a current or later quarter."}
        )


def _check_deal_links(
    *,
    actor: User,
    deal_links: Iterable[tuple[Deal, str]],
    already_linked: frozenset[int] = frozenset(),
) -> list[tuple[Deal, str]]:
    """Each deal once, a known criticality, and a rep links only deals they own.

    `already_linked` are the deals the request had before an edit: a rep keeps those even if
    the deal has since passed to another owner.
    """
    links = list(deal_links)
    seen: set[int] = set()
    for deal, criticality in links:
        if criticality not in RequestDeal.Criticality.values:
            raise ValidationError({"deal_links": f"{criticality!r} is not a criticality."})
        if deal.pk in seen:
            raise ValidationError({"deal_links": f"{deal} is linked twice; link each deal once."})
        seen.add(deal.pk)
        if (
            actor.role == Role.SALES_REP
            and deal.owner_id != actor.pk
            and deal.pk not in already_linked
        ):
            raise ValidationError({"deal_links": f"{deal} is not your deal; link your own deals."})
    return links


def _locked(request: FeatureRequest) -> FeatureRequest:
    """The request's row, locked and fresh: its status may have changed since the page loaded."""
    return FeatureRequest.objects.select_for_update().get(pk=request.pk)


def _require_status(request: FeatureRequest, allowed: Iterable[str], doing: str) -> None:
    if request.status not in allowed:
        raise ValidationError(
            f"“{request.title}” is {request.get_status_display().lower()}, so it cannot be {doing}."
        )


@transaction.atomic
def request_submit(
    *,
    actor: User,
    title: str,
    problem: str,
    quarter: Quarter | None,
    deal_links: list[tuple[Deal, str]],
) -> FeatureRequest:
    """Create a submitted request with its deals; it lands in the submitter's leader's queue."""
    require(actor, Action.SUBMIT_REQUEST)
    title, problem = _clean_text(title=title, problem=problem)
    _check_quarter_open(quarter)
    links = _check_deal_links(actor=actor, deal_links=deal_links)
    request = FeatureRequest.objects.create(
        title=title, problem=problem, quarter=quarter, submitted_by=actor, status=Status.SUBMITTED
    )
    RequestDeal.objects.bulk_create(
        RequestDeal(request=request, deal=deal, criticality=criticality)
        for deal, criticality in links
    )
    request_transition(request=request, actor=actor, to_status=Status.SUBMITTED, is_new=True)
    return request


@transaction.atomic
def request_update(
    *,
    actor: User,
    request: FeatureRequest,
    title: str,
    problem: str,
    quarter: Quarter | None,
    deal_links: list[tuple[Deal, str]],
) -> FeatureRequest:
    """Change a submitted request's text, target quarter and deals (the links are replaced).

    Only its submitter, and only until a sales leader triages it.
    """
    request = _locked(request)
    require(actor, Action.EDIT_REQUEST, request)
    title, problem = _clean_text(title=title, problem=problem)
    if quarter is not None and quarter.pk != request.quarter_id:
        # Keeping a target quarter that has since ended is allowed; choosing one is not.
        _check_quarter_open(quarter)
    before = frozenset(request.deal_links.values_list("deal_id", flat=True))
    links = _check_deal_links(actor=actor, deal_links=deal_links, already_linked=before)
    request.title, request.problem, request.quarter = title, problem, quarter
    request.save(update_fields=["title", "problem", "quarter", "updated_at"])
    request.deal_links.all().delete()
    RequestDeal.objects.bulk_create(
        RequestDeal(request=request, deal=deal, criticality=criticality)
        for deal, criticality in links
    )
    return request


@transaction.atomic
def request_link_deals(
    *, actor: User, request: FeatureRequest, deal_links: list[tuple[Deal, str]]
) -> FeatureRequest:
    """Link more deals to an existing open request: what a rep does instead of submitting a
    duplicate. A rep links only deals they own; a deal already linked to it is refused.

    Like the deal links of a submitted or edited request, this records no event: no
    subscriber reacts to a deal link yet.
    """
    require(actor, Action.SUBMIT_REQUEST)
    request = _locked(request)
    if request.status in CLOSED_FOR_MERGE or request.status in (Status.SHIPPED, Status.DROPPED):
        raise ValidationError(
            f"“{request.title}” is {request.get_status_display().lower()}, so no deal can be "
            "added to it: submit a new request instead."
        )
    links = _check_deal_links(actor=actor, deal_links=deal_links)
    if not links:
        raise ValidationError({"deal_links": "Pick your deal first, then add it to the request."})
    linked = set(
        request.deal_links.filter(deal__in=[deal for deal, _ in links]).values_list(
            "deal_id", flat=True
        )
    )
    for deal, _criticality in links:
        if deal.pk in linked:
            raise ValidationError({"deal_links": f"{deal} is already linked to “{request.title}”."})
    RequestDeal.objects.bulk_create(
        RequestDeal(request=request, deal=deal, criticality=criticality)
        for deal, criticality in links
    )
    return request


@transaction.atomic
def comment_add(*, actor: User, request: FeatureRequest, body: str) -> Comment:
    require(actor, Action.COMMENT, request)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before posting the comment."})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {"body": f"Keep a comment to {MAX_COMMENT_LENGTH:,} characters (it has {len(body):,})."}
        )
    return Comment.objects.create(request=request, author=actor, body=body)


def _owner_change(*, actor: User, request: FeatureRequest, owner: User | None) -> bool:
    """Set the owning PM of a locked `request`; False if it already was. The event is the
    audit trail (a status change records statuses only)."""
    require(actor, Action.ASSIGN_OWNER, request)
    if owner is not None and (owner.role != Role.PRODUCT_MANAGER or not owner.is_active):
        raise ValidationError({"owner": f"{owner.full_name} is not an active product manager."})
    if request.owner_id == (owner.pk if owner else None):
        return False
    previous = request.owner_id
    request.owner = owner
    request.save(update_fields=["owner", "updated_at"])
    publish(
        Kind.REQUEST_OWNER_CHANGED,
        actor=actor,
        request_id=request.pk,
        payload={
            "title": request.title,
            "owner_id": owner.pk if owner else None,
            "owner_name": owner.full_name if owner else "",
            "previous_owner_id": previous,
            "submitted_by_id": request.submitted_by_id,
        },
    )
    return True


@transaction.atomic
def request_set_owner(*, actor: User, request: FeatureRequest, owner: User | None) -> bool:
    """Choose (or clear, with None) the request's owning product manager; False if unchanged.

    Product leaders at any time; sales leaders while the request waits for triage.
    """
    require(actor, Action.ASSIGN_OWNER, request)
    return _owner_change(actor=actor, request=_locked(request), owner=owner)


@transaction.atomic
def request_accept(
    *, actor: User, request: FeatureRequest, quarter: Quarter, owner: User | None = None
) -> int:
    """Accept a submitted request into `quarter`'s ranking, at the bottom; returns its position.

    `owner`, if given, becomes its owning product manager (set before it leaves triage).
    """
    require(actor, Action.TRIAGE, request)
    request = _locked(request)
    _require_status(request, [Status.SUBMITTED], "accepted")
    _check_quarter_open(quarter)
    if owner is not None:
        _owner_change(actor=actor, request=request, owner=owner)
    return ranking_append(
        quarter=quarter,
        request=request,
        actor=actor,
        note="accepted",
        status_note="Accepted into {quarter} at position {position}.",
        payload={"needs_estimate": request.estimate_points is None},
    )


@transaction.atomic
def request_decline_by_sales(
    *, actor: User, request: FeatureRequest, reason: str
) -> FeatureRequest:
    """Decline a submitted request; the reason is shown to the rep who submitted it."""
    require(actor, Action.TRIAGE, request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the rep can tell the customer."})
    request = _locked(request)
    _require_status(request, [Status.SUBMITTED], "declined")
    request.decline_reason = reason
    request_transition(
        request=request,
        actor=actor,
        to_status=Status.DECLINED_BY_SALES,
        note=reason,
        also_save=["decline_reason"],
        payload={"reason": reason},
    )
    return request


@transaction.atomic
def request_merge(
    *, actor: User, duplicate: FeatureRequest, keep: FeatureRequest
) -> FeatureRequest:
    """Merge a submitted `duplicate` into `keep`: its deals and comments move over.

    Deals that `keep` already has stay where they are (a deal is linked once per request).
    Returns the kept request.
    """
    require(actor, Action.TRIAGE, duplicate)
    if duplicate.pk == keep.pk:
        raise ValidationError({"keep": "A request cannot be merged into itself."})
    # Lock both rows in id order, so two merges of the same pair cannot deadlock.
    rows = {
        row.pk: row
        for row in FeatureRequest.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, keep.pk])
        .order_by("pk")
    }
    duplicate, keep = rows[duplicate.pk], rows[keep.pk]
    _require_status(duplicate, [Status.SUBMITTED], "merged")
    if keep.status in CLOSED_FOR_MERGE:
        raise ValidationError(
            {
                "keep": f"#{keep.pk} “{keep.title}” is {keep.get_status_display().lower()}; "
                "merge into a request that is still open."
            }
        )
    kept_deals = keep.deal_links.values("deal_id")
    duplicate.deal_links.exclude(deal_id__in=kept_deals).update(request=keep)
    duplicate.comments.update(request=keep)
    duplicate.duplicate_of = keep
    request_transition(
        request=duplicate,
        actor=actor,
        to_status=Status.MERGED,
        note=f"Merged into #{keep.pk} “{keep.title}”.",
        also_save=["duplicate_of"],
        payload={"into_request_id": keep.pk, "into_title": keep.title},
    )
    return keep


@transaction.atomic
def request_estimate(*, actor: User, request: FeatureRequest, points: int) -> FeatureRequest:
    """Record a PM's estimate; earlier estimates stay in the history."""
    require(actor, Action.ESTIMATE, request)
    if isinstance(points, bool) or not isinstance(points, int):
        raise ValidationError({"points": "Enter a whole number of story points."})
    if not 1 <= points <= MAX_ESTIMATE_POINTS:
        raise ValidationError(
            {"points": f"An estimate is between 1 and {MAX_ESTIMATE_POINTS:,} story points."}
        )
    request = _locked(request)
    _require_status(request, ESTIMABLE, "estimated")
    previous = request.estimate_points
    now = timezone.now()
    Estimate.objects.create(request=request, points=points, estimated_by=actor, at=now)
    request.estimate_points = points
    request.estimated_by = actor
    request.estimated_at = now
    request.save(update_fields=["estimate_points", "estimated_by", "estimated_at", "updated_at"])
    # A ranked request's new estimate moves the cut line for the ones below it.
    publish(
        Kind.ESTIMATE_CHANGED,
        actor=actor,
        quarter_id=request.quarter_id if request.status == Status.RANKED else None,
        request_id=request.pk,
        payload={
            "title": request.title,
            "points": points,
            "previous_points": previous,
            "status": request.status,
            "submitted_by_id": request.submitted_by_id,
        },
    )
    return request


@dataclass
class TriageOutcome:
    request: FeatureRequest
    error: str = ""  # why this one was refused; "" when it went through
    position: int | None = None  # where an accepted request was ranked


def request_triage_bulk(
    *,
    actor: User,
    requests: Iterable[FeatureRequest],
    action: Literal["accept", "decline"],
    quarter: Quarter | None = None,
    reason: str = "",
    owner: User | None = None,
) -> list[TriageOutcome]:
    """Accept (into `quarter`, with an optional `owner`) or decline (with `reason`) each
    request through the one-request services, one transaction each: a refusal of one is
    reported in its outcome and does not undo the others."""
    outcomes = []
    for request in requests:
        outcome = TriageOutcome(request=request)
        try:
            if action == "accept":
                if quarter is None:
                    raise ValidationError("Choose the quarter to accept into.")
                outcome.position = request_accept(
                    actor=actor, request=request, quarter=quarter, owner=owner
                )
            else:
                request_decline_by_sales(actor=actor, request=request, reason=reason)
        except (ValidationError, PermissionDenied) as refusal:
            outcome.error = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
        outcomes.append(outcome)
    return outcomes
