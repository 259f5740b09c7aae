"""The one way a request's status changes: checked, recorded in its history, published.

Every move along the status flow goes through `request_transition`, whoever makes it
(triage, the ranking, product's decisions, progress, drops), so the history and the events
that notifications, webhooks and the cut line follow can never miss one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from events.kinds import Kind
from events.services import publish
from feature_requests.models import FeatureRequest, StatusChange

Status = FeatureRequest.Status
NEW = ""  # a request being created has no status yet

# (from, to) → the event it publishes; None publishes nothing of its own (the step is part of
# a larger change that already published one, such as a deferral's landing in a later quarter).
TRANSITIONS: dict[tuple[str, str], Kind | None] = {
    (NEW, Status.SUBMITTED): Kind.REQUEST_SUBMITTED,
    (Status.SUBMITTED, Status.RANKED): Kind.REQUEST_ACCEPTED,
    (Status.SUBMITTED, Status.DECLINED_BY_SALES): Kind.REQUEST_DECLINED_BY_SALES,
    (Status.SUBMITTED, Status.MERGED): Kind.REQUEST_MERGED,
    (Status.RANKED, Status.COMMITTED): Kind.COMMITMENT_APPROVED,
    (Status.RANKED, Status.DECLINED): Kind.REQUEST_DECLINED,
    (Status.RANKED, Status.DEFERRED): Kind.REQUEST_DEFERRED,
    (Status.DEFERRED, Status.RANKED): None,
    (Status.COMMITTED, Status.IN_PROGRESS): Kind.COMMITMENT_PROGRESSED,
    (Status.IN_PROGRESS, Status.COMMITTED): Kind.COMMITMENT_PROGRESSED,
    (Status.SHIPPED, Status.IN_PROGRESS): Kind.COMMITMENT_PROGRESSED,
    (Status.SHIPPED, Status.COMMITTED): Kind.COMMITMENT_PROGRESSED,
    (Status.COMMITTED, Status.SHIPPED): Kind.COMMITMENT_SHIPPED,
    (Status.IN_PROGRESS, Status.SHIPPED): Kind.COMMITMENT_SHIPPED,
    (Status.COMMITTED, Status.DROPPED): Kind.COMMITMENT_DROPPED,
    (Status.IN_PROGRESS, Status.DROPPED): Kind.COMMITMENT_DROPPED,
    (Status.SHIPPED, Status.DROPPED): Kind.COMMITMENT_DROPPED,
}


def may_transition(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


def request_transition(
    *,
    request: FeatureRequest,
    actor: User | None,
    to_status: str,
    note: str = "",
    also_save: Iterable[str] = (),
    payload: dict[str, Any] | None = None,
    is_new: bool = False,
) -> StatusChange:
    """Move `request` to `to_status`: save it, record the StatusChange, publish the event.

    Call inside the transaction that makes the change, holding the request's row lock (or
    having just created it, `is_new`). `also_save` names other fields the caller changed on
    the instance that must be saved with the status. Raises ValidationError for a move the
    status flow does not have.
    """
    from_status = NEW if is_new else request.status
    if not may_transition(from_status, to_status):
        raise ValidationError(
            f"“{request.title}” is {request.get_status_display().lower()}; it cannot become "
            f"{Status(to_status).label.lower()}."
        )
    request.status = to_status
    if not is_new:
        request.save(update_fields=["status", "updated_at", *also_save])
    change = StatusChange.objects.create(
        request=request, actor=actor, from_status=from_status, to_status=to_status, note=note
    )
    kind = TRANSITIONS[(from_status, to_status)]
    if kind is not None:
        publish(
            kind,
            actor=actor,
            quarter_id=request.quarter_id,
            request_id=request.pk,
            payload={
                "title": request.title,
                "from_status": from_status,
                "to_status": to_status,
                "note": note,
                "submitted_by_id": request.submitted_by_id,
                **(payload or {}),
            },
        )
    return change
