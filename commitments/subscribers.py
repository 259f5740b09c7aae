"""Who hears about commitments and the budget, and the cut line that follows every change.

Subscribers of the event outbox (registered in `CommitmentsConfig.ready`): each runs once
per committed event, after the change, in a transaction of its own.
"""

from __future__ import annotations

from django.template.defaultfilters import pluralize
from django.urls import reverse

from accounts.models import Role, User
from accounts.notifications import notify
from budgets.models import Quarter
from budgets.selectors import head_of_sales
from commitments.cut_line import cut_line_follow
from events.kinds import Kind
from events.models import Event
from events.registry import subscribe
from events.services import publish
from feature_requests.models import FeatureRequest, request_url

DECISIONS_URL = "/decisions/"


def _request_url(event: Event) -> str:
    return request_url(event.request_id or 0)


def _submitter(event: Event) -> list[User]:
    return list(User.objects.filter(pk=event.payload.get("submitted_by_id")))


def _head_of_sales() -> list[User | None]:
    return [head_of_sales()]


def _product_leaders() -> list[User]:
    return list(User.objects.filter(role=Role.PRODUCT_LEADER, is_active=True))


# The cut line ------------------------------------------------------------------------------

MOVES_THE_CUT_LINE = (
    Kind.REQUEST_ACCEPTED,
    Kind.RANKING_MOVED,
    Kind.RANKING_CARRIED_OVER,
    Kind.ESTIMATE_CHANGED,
    Kind.COMMITMENT_APPROVED,
    Kind.REQUEST_DECLINED,
    Kind.REQUEST_DEFERRED,
    Kind.COMMITMENT_DROPPED,
    Kind.BUDGET_CHANGED,
)


@subscribe(*MOVES_THE_CUT_LINE)
def follow_the_cut_line(event: Event) -> None:
    """Publish one `cut_line.crossed` per request lifted above the line by this change."""
    quarter_ids = [event.quarter_id]
    # A deferral and a carry-over change two quarters' rankings.
    quarter_ids += [event.payload.get("to_quarter_id"), event.payload.get("from_quarter_id")]
    # Quarters are locked in date order, the order every ranking write takes them in.
    ordered = Quarter.objects.filter(pk__in=[pk for pk in quarter_ids if pk is not None])
    for quarter_id in ordered.order_by("start").values_list("pk", flat=True):
        crossings = cut_line_follow(quarter_id=quarter_id)
        if not crossings:
            continue
        label = Quarter.objects.values_list("label", flat=True).get(pk=quarter_id)
        titles = dict(
            FeatureRequest.objects.filter(
                pk__in=[crossing["request_id"] for crossing in crossings]
            ).values_list("id", "title")
        )
        for crossing in crossings:
            publish(
                Kind.CUT_LINE_CROSSED,
                quarter_id=quarter_id,
                request_id=crossing["request_id"],
                payload={
                    "quarter": label,
                    "title": titles.get(crossing["request_id"], ""),
                    "position": crossing["position"],
                    "estimate": crossing["estimate"],
                    "cause_event_id": event.pk,
                },
            )


@subscribe(Kind.CUT_LINE_CROSSED)
def tell_product_leaders_about_the_crossing(event: Event) -> None:
    payload = event.payload
    notify(
        kind=event.kind,
        users=_product_leaders(),
        message=(
            f"“{payload['title']}” crossed above the cut line of {payload['quarter']} at "
            f"#{payload['position']} ({payload['estimate']} point{pluralize(payload['estimate'])}): it awaits your decision."
        ),
        url=DECISIONS_URL,
    )


# Decisions, progress, drops and swaps ----------------------------------------------------


@subscribe(Kind.COMMITMENT_APPROVED)
def tell_about_the_commitment(event: Event) -> None:
    payload = event.payload
    quarter = payload.get("quarter", "")
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"“{payload['title']}” is committed for {quarter} ({payload['points']} point{pluralize(payload['points'])}).",
        url=_request_url(event),
    )
    if payload.get("over_budget"):
        notify(
            kind=event.kind,
            users=_head_of_sales(),
            message=(
                f"“{payload['title']}” was committed over the budget of {quarter} "
                f"({payload['points']} point{pluralize(payload['points'])}): {payload['override_reason']}"
            ),
            url=f"/budget/{quarter}/",
        )


@subscribe(Kind.REQUEST_DECLINED)
def tell_the_rep_about_products_decline(event: Event) -> None:
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"Product declined “{event.payload['title']}”: {event.payload['reason']}",
        url=_request_url(event),
    )


@subscribe(Kind.COMMITMENT_SHIPPED)
def tell_the_rep_it_shipped(event: Event) -> None:
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"“{event.payload['title']}” has shipped.",
        url=_request_url(event),
    )


@subscribe(Kind.COMMITMENT_DROPPED)
def tell_about_the_drop(event: Event) -> None:
    """The rep hears their request was dropped; the head of sales what it cost her budget."""
    payload = event.payload
    charged = (
        f" It cost the sales budget {payload['cost']} point{pluralize(payload['cost'])}."
        if payload["cost"]
        else ""
    )
    notify(
        kind=event.kind,
        users=_submitter(event),
        message=f"“{payload['title']}” was dropped from {payload['quarter']}: {payload['reason']}.{charged}",
        url=_request_url(event),
    )
    if payload.get("swap_id"):
        return  # the head of sales hears of the whole swap instead
    notify(
        kind=event.kind,
        users=_head_of_sales(),
        message=(
            f"“{payload['title']}” was dropped from {payload['quarter']}; it cost the sales "
            f"budget {payload['cost']} point{pluralize(payload['cost'])}."
        ),
        url=f"/budget/{payload['quarter']}/",
    )


@subscribe(Kind.SWAP_PROPOSED)
def tell_product_leaders_about_the_swap(event: Event) -> None:
    payload = event.payload
    notify(
        kind=event.kind,
        users=_product_leaders(),
        message=f"A swap waits for your decision: drop “{payload['drop_title']}” for “{payload['commit_title']}”.",
        url=f"/swaps/{payload['swap_id']}/",
    )


@subscribe(Kind.SWAP_REJECTED)
def tell_the_proposer_about_the_rejection(event: Event) -> None:
    payload = event.payload
    notify(
        kind=event.kind,
        users=list(User.objects.filter(pk=payload["proposed_by_id"])),
        message=f"Product rejected the swap for “{payload['commit_title']}”: {payload['note']}",
        # The proposer (a sales leader) may not open the decision queue; the swap's page, yes.
        url=reverse("commitments:swap_detail", args=[payload["swap_id"]]),
    )


@subscribe(Kind.SWAP_APPROVED)
def tell_the_head_of_sales_about_the_swap(event: Event) -> None:
    payload = event.payload
    notify(
        kind=event.kind,
        users=_head_of_sales(),
        message=(
            f"Product approved the swap: “{payload['commit_title']}” in, “{payload['drop_title']}” "
            f"out of {payload['quarter']}, at a cost of {payload['cost']} point{pluralize(payload['cost'])}."
        ),
        url=f"/budget/{payload['quarter']}/",
    )
