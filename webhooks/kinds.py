"""The event kinds an endpoint may receive, in words, in the order the form lists them."""

from __future__ import annotations

from events.kinds import Kind

TEST_KIND = "webhook.test"  # "Send a test event": not an outbox event, never subscribed to

# Every kind of the outbox (events.kinds.Kind) but `settings.changed`: the company settings
# (meeting time, penalty, heads of sales and product) are the admins' own housekeeping, not
# news for other systems. A test keeps this list complete.
KIND_LABELS: dict[str, str] = {
    Kind.REQUEST_SUBMITTED: "A request is submitted",
    Kind.REQUEST_ACCEPTED: "A request is accepted into a quarter's ranking",
    Kind.REQUEST_DECLINED_BY_SALES: "Sales declines a request",
    Kind.REQUEST_DECLINED: "Product declines a request",
    Kind.REQUEST_MERGED: "A request is merged into another",
    Kind.REQUEST_DEFERRED: "A request is deferred to a later quarter",
    Kind.REQUEST_OWNER_CHANGED: "A request gets an owning product manager",
    Kind.RANKING_MOVED: "A request moves in the ranking",
    Kind.RANKING_CARRIED_OVER: "A ranking carries over to the next quarter",
    Kind.CUT_LINE_CROSSED: "A request crosses above the cut line",
    Kind.ESTIMATE_CHANGED: "An estimate is set or changed",
    Kind.COMMITMENT_APPROVED: "A commitment is approved",
    Kind.COMMITMENT_PROGRESSED: "Progress is reported on a commitment",
    Kind.COMMITMENT_SHIPPED: "A commitment ships",
    Kind.COMMITMENT_DROPPED: "A commitment is dropped",
    Kind.SWAP_PROPOSED: "A swap is proposed",
    Kind.SWAP_APPROVED: "A swap is approved",
    Kind.SWAP_REJECTED: "A swap is rejected",
    Kind.BUDGET_CHANGED: "A quarter's capacity, share or budget changes",
    Kind.QUARTER_CREATED: "A quarter is created",
    Kind.REVIEW_READY: "The weekly review is ready",
    Kind.PERSON_PROVISIONED: "An account is made at a first company sign-in (names, e-mails)",
    Kind.PERSON_SSO_UPDATED: "Company sign-in links or updates an account (names, e-mails)",
}

KIND_CHOICES: list[tuple[str, str]] = list(KIND_LABELS.items())


def kind_label(kind: str) -> str:
    if kind == TEST_KIND:
        return "Test event"
    return KIND_LABELS.get(kind, kind)
