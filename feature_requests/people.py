"""What a person holds in requests and deals, for the People page's list of open items.

Registered with `people.open_items` from `FeatureRequestsConfig.ready`: the people app lists
what someone leaving still holds without importing this app.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from feature_requests.models import Deal, FeatureRequest
from people.open_items import OpenItem, register_open_items

Status = FeatureRequest.Status
# Waiting for a decision: sales has not triaged it yet, or product has not decided on it.
UNDECIDED = (Status.SUBMITTED, Status.RANKED, Status.DEFERRED)
CLOSED_STAGES = (Deal.Stage.CLOSED_WON, Deal.Stage.CLOSED_LOST)


@register_open_items
def open_deals_and_requests(person: User) -> list[OpenItem]:
    """The person's open deals (to give another owner) and their requests not yet decided
    (which stay theirs: each one's page shows who follows it up). Two queries."""
    deals = (
        Deal.objects.filter(owner=person)
        .exclude(stage__in=CLOSED_STAGES)
        .select_related("customer")
        .order_by("customer__name", "name", "pk")
    )
    requests = FeatureRequest.objects.filter(submitted_by=person, status__in=UNDECIDED).order_by(
        "created_at", "pk"
    )
    return [
        *(
            OpenItem(
                group="Open deals",
                label=str(deal),
                url=reverse("requests:deal_edit", args=[deal.pk]),
                action="Give it another owner",
                detail=deal.get_stage_display(),
            )
            for deal in deals
        ),
        *(
            OpenItem(
                group="Requests waiting for a decision",
                label=request.title,
                url=reverse("requests:request_detail", args=[request.pk]),
                action="Open the request",
                detail=request.get_status_display(),
            )
            for request in requests
        ),
    ]
