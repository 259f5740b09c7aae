"""What becomes of a request, written to each CRM deal waiting on it.

The outbox subscriber (`crm.subscribers`) turns an event into one `WriteBack` per linked deal
with its text already written; `write_back_attempt` sends one, under its row lock, with
retries on a schedule. A note carries a marker (`WriteBack.marker`) that the provider looks
for before creating one, so an attempt whose answer was lost (a timeout, a worker killed after
the CRM saved the note) does not make a second note when it is tried again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from config.celery import QueueUnavailable, enqueue
from crm.connection import configured_vendor, provider
from crm.models import Vendor, WriteBack
from crm.providers.base import CrmError, CrmRateLimited, Provider
from crm.selectors import settings_for
from events.kinds import Kind
from events.models import Event
from feature_requests.models import FeatureRequest, RequestDeal
from feature_requests.ranking import RankingPlace, ranking_place

logger = logging.getLogger(__name__)

# Minutes before each retry; after the last, the write-back gives up (shown on the page).
RETRY_MINUTES = (1, 5, 30, 120, 360, 720)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
WRITTEN_KINDS = (
    Kind.REQUEST_ACCEPTED,
    Kind.RANKING_MOVED,
    Kind.CUT_LINE_CROSSED,
    Kind.COMMITMENT_APPROVED,
    Kind.COMMITMENT_SHIPPED,
    Kind.COMMITMENT_DROPPED,
    Kind.REQUEST_DECLINED,
    Kind.REQUEST_DECLINED_BY_SALES,
)


# What is written ----------------------------------------------------------------------------


def _place_words(place: RankingPlace, quarter: str) -> str:
    side = "above the cut line" if place.proposed else "below the cut line"
    return f"Ranked #{place.position} of {place.count} for {quarter}, {side}"


def texts(event: Event, feature: FeatureRequest) -> tuple[str, str, str] | None:
    """(note subject, note body, summary) for an event; subject "" = the summary field only;
    None = nothing to write (a move of a request that has since left the ranking)."""
    payload = event.payload or {}
    title = feature.title
    quarter = str(payload.get("quarter") or (feature.quarter.label if feature.quarter else ""))
    link = f"\n\nIn Forcerank: {settings.SITE_URL}{reverse('requests:request_detail', args=[feature.pk])}"
    if event.kind in (Kind.REQUEST_ACCEPTED, Kind.RANKING_MOVED, Kind.CUT_LINE_CROSSED):
        place = ranking_place(request=feature)
        if place is None:
            return None
        summary = _place_words(place, quarter)
        if event.kind == Kind.CUT_LINE_CROSSED:
            subject = f"“{title}” rose above the cut line ({quarter})"
        elif event.kind == Kind.REQUEST_ACCEPTED or payload.get("old_position") is None:
            subject = f"“{title}” ranked #{place.position} for {quarter}"
        else:
            return "", "", summary  # a move: the summary field says where it is now
        meaning = (
            "It fits within the budget the Head of Sales ranks; product decides on committing it."
            if place.proposed
            else "The budget runs out above it: it is not planned unless it rises."
        )
        return subject, f"{summary}. {meaning}{link}", summary
    if event.kind == Kind.COMMITMENT_APPROVED:
        points = payload.get("points")
        summary = f"Committed for {quarter} ({points} points)"
        return f"“{title}” committed for {quarter}", f"{summary}.{link}", summary
    if event.kind == Kind.COMMITMENT_SHIPPED:
        return f"“{title}” shipped", f"Shipped.{link}", "Shipped"
    if event.kind == Kind.COMMITMENT_DROPPED:
        reason = str(payload.get("reason") or "no reason given")
        cost = payload.get("cost")
        sunk, penalty = payload.get("sunk_points"), payload.get("penalty_points")
        cost_words = (
            f" It cost the budget {cost} points ({sunk} spent + {penalty} penalty)."
            if cost is not None
            else ""
        )
        summary = f"Dropped from {quarter}: {reason}"
        return f"“{title}” dropped from {quarter}", f"{summary}.{cost_words}{link}", summary
    if event.kind in (Kind.REQUEST_DECLINED, Kind.REQUEST_DECLINED_BY_SALES):
        who = "product" if event.kind == Kind.REQUEST_DECLINED else "sales"
        reason = str(payload.get("reason") or "no reason given")
        summary = f"Declined by {who}: {reason}"
        return f"“{title}” declined by {who}", f"{summary}.{link}", summary
    return None


# Queued from the outbox ---------------------------------------------------------------------


def write_backs_for(event: Event) -> list[WriteBack]:
    """Write the event's write-backs (one per CRM deal linked to its request); the subscriber
    runs in the outbox's transaction, and queues them after it commits."""
    vendor = configured_vendor()
    if vendor is None or event.request_id is None:
        return []
    crm_settings = settings_for(vendor)
    if not crm_settings.write_back:
        return []
    links = list(
        RequestDeal.objects.filter(request_id=event.request_id, deal__external_id__isnull=False)
        .select_related("deal")
        .order_by("deal_id")
    )
    if not links:
        return []
    feature = FeatureRequest.objects.select_related("quarter").get(pk=event.request_id)
    written = texts(event, feature)
    if written is None:
        return []
    subject, body, summary = written
    if not subject and not crm_settings.summary_field:
        return []
    rows = WriteBack.objects.bulk_create(
        [
            WriteBack(
                event=event,
                deal=link.deal,
                vendor=vendor,
                deal_external_id=link.deal.external_id or "",
                subject=subject[:200],
                body=body,
                summary=summary[:255],
            )
            for link in links
        ],
        ignore_conflicts=True,
    )
    for row in WriteBack.objects.filter(event=event, status=WriteBack.Status.PENDING):
        _queue(row.pk)
    return rows


def _queue(pk: int) -> None:
    """Queue the write-back's task once the surrounding transaction commits. If the broker is
    down it stays pending and the beat sweep queues it."""

    def send() -> None:
        try:
            enqueue("crm.tasks.write_back", pk)
        except QueueUnavailable:
            logger.warning("CRM write-back %s not queued; the sweep will send it", pk)

    transaction.on_commit(send)


# Sending ----------------------------------------------------------------------------------


def write_back_attempt(*, write_back_id: int, crm: Provider | None = None) -> str:
    """One attempt, if it is due; what happened, in a word."""
    with transaction.atomic():
        row = (
            WriteBack.objects.select_for_update(skip_locked=True)
            .filter(pk=write_back_id, status=WriteBack.Status.PENDING)
            .first()
        )
        if row is None:
            return "not due"  # sent, given up, or another worker has it
        if row.next_attempt_at and row.next_attempt_at > timezone.now():
            return "not due"
        row.attempts += 1
        crm = crm or provider(Vendor(row.vendor))
        if crm is None or crm.vendor != row.vendor:
            _retry_later(row, "The CRM is not connected any more.", None)
            return "retry"
        crm_settings = settings_for(Vendor(row.vendor))
        try:
            if row.subject:
                row.remote_id = crm.write_note(
                    deal_id=row.deal_external_id,
                    marker=row.marker,
                    subject=row.subject,
                    body=row.body,
                )
            if crm_settings.summary_field and row.summary:
                crm.set_summary(
                    deal_id=row.deal_external_id,
                    field_name=crm_settings.summary_field,
                    value=row.summary,
                )
        except CrmRateLimited as error:
            _retry_later(row, str(error), error.retry_after)
            return "retry"
        except CrmError as error:
            _retry_later(row, str(error), None)
            return "retry" if row.status == WriteBack.Status.PENDING else "gave up"
        row.status = WriteBack.Status.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.next_attempt_at = None
        row.save()
        return "sent"


def _retry_later(row: WriteBack, error: str, after_seconds: float | None) -> None:
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.status = WriteBack.Status.FAILED
        row.next_attempt_at = None
    else:
        minutes = RETRY_MINUTES[min(row.attempts, len(RETRY_MINUTES)) - 1]
        wait = (
            dt.timedelta(seconds=after_seconds) if after_seconds else dt.timedelta(minutes=minutes)
        )
        row.next_attempt_at = timezone.now() + wait
    row.save()


def write_backs_queue_due() -> int:
    """Queue every pending write-back that is due (retries, and those whose task was lost)."""
    due = list(
        WriteBack.objects.filter(status=WriteBack.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        _queue(pk)
    return len(due)
