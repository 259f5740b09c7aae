"""The head of sales hears when her budget itself changes (capacity, share)."""

from __future__ import annotations

from django.template.defaultfilters import pluralize

from accounts.notifications import notify
from budgets.selectors import head_of_sales
from events.kinds import Kind
from events.models import Event
from events.registry import subscribe


@subscribe(Kind.BUDGET_CHANGED)
def tell_the_head_of_sales(event: Event) -> None:
    payload = event.payload
    if payload["old_sales_budget"] == payload["sales_budget"]:
        return  # dates or the lock date changed, not what she may spend
    vp_sales = head_of_sales()
    if vp_sales is None:
        return
    by = f" by {event.actor.full_name}" if event.actor else ""
    notify(
        kind=event.kind,
        users=[vp_sales],
        message=(
            f"The sales budget of {payload['quarter']} changed{by} from "
            f"{payload['old_sales_budget']} to {payload['sales_budget']} point{pluralize(payload['sales_budget'])}."
            + (f" Reason: {payload['reason']}" if payload.get("reason") else "")
        ),
        url=f"/quarters/{payload['quarter']}/",
    )
