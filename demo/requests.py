"""Demo requests for `manage.py seed_demo`: thirty requests across the triage states, a
ranking of the current quarter with requests on both sides of the cut line (some still
without an estimate), a few ranked for next quarter, and two small commitments (one in
progress, one shipped).

Every request goes through the same services the UI uses, so its status history, estimate
history and rank events are real. Requests are matched by title: a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from budgets.models import Quarter
from commitments.services import commitment_approve, commitment_progress
from feature_requests import services
from feature_requests.models import Deal, FeatureRequest

C = "current"
N = "next"


@dataclass(frozen=True)
class DemoRequest:
    title: str
    rep: str  # the local part of the rep's e-mail
    deals: list[tuple[str, str]]  # (deal name, criticality)
    fate: str  # "submitted", C or N (ranked there), "declined: reason", "merged: kept title"
    estimate: int | None = None
    problem: str = field(default="")


def _problem(title: str) -> str:
    return (
        f"Customers asking for “{title.lower()}” cannot finish the job in the product today: "
        "they export to spreadsheets and do it by hand, which costs them hours every week and "
        "came up as a reason to hesitate in the deal."
    )


# The current quarter's budget is 40 points: cumulative 8, 13, 13, 26, 34, 37 fit; the 7th
# (5 more, 42) falls below the line.
# fmt: off
DEMO_REQUESTS: list[DemoRequest] = [
    DemoRequest("EU data residency for workspaces", "rep.east1", [("EU data residency", "blocker")], C, 8),
    DemoRequest("Audit log export", "rep.east2", [("Renewal with audit log", "blocker")], C, 5),
    DemoRequest("SSO for subsidiary tenants", "rep.west1", [("Global rollout", "important")], C, None),
    DemoRequest("HIPAA-ready workspace controls", "rep.west2", [("HIPAA workspace", "blocker")], C, 13),
    DemoRequest("Store-level dashboards", "rep.east3", [("Store-level dashboards", "important")], C, 8),
    DemoRequest("Fleet tracking webhook", "rep.west3", [("Fleet tracking integration", "important")], C, 3),
    DemoRequest("Bulk user provisioning (SCIM)", "rep.west1", [("Global rollout", "blocker")], C, 5),
    DemoRequest("Custom fiscal calendars", "rep.east1", [("Warehouse analytics add-on", "nice_to_have")], C, None),
    DemoRequest("Role-based report sharing", "rep.west2", [("Clinic network expansion", "important")], C, 8),
    DemoRequest("Forecast accuracy report", "rep.east3", [("Forecasting pilot", "important")], C, 13),
    DemoRequest("API rate limits per key", "rep.west1", [("API access", "important")], C, 5),
    DemoRequest("Second-region failover", "rep.west3", [("Second region", "blocker")], C, 3),
    DemoRequest("Contract-level usage alerts", "rep.east2", [("First contract", "nice_to_have")], C, 8),
    DemoRequest("Spanish interface", "rep.east2", [("First contract", "important")], C, None),
    DemoRequest("Data retention policies", "rep.west2", [("HIPAA workspace", "important")], N, 8),
    DemoRequest("Warehouse stock heatmap", "rep.east1", [("Warehouse analytics add-on", "important")], N, None),
    DemoRequest("Scheduled PDF reports", "rep.east3", [("Store-level dashboards", "nice_to_have")], N, 5),
    DemoRequest("Route optimisation export", "rep.west3", [("Fleet tracking integration", "nice_to_have")], N, 3),
    DemoRequest("Multi-currency pricing views", "rep.west1", [("Global rollout", "important")], "submitted", 8),
    DemoRequest("Patient data masking", "rep.west2", [("Clinic network expansion", "blocker")], "submitted"),
    DemoRequest("Offline mode for store tablets", "rep.east3", [("Forecasting pilot", "nice_to_have")], "submitted"),
    DemoRequest("Slack alerts for anomalies", "rep.east1", [("EU data residency", "nice_to_have")], "submitted", 3),
    DemoRequest("Per-team API tokens", "rep.west1", [("API access", "important")], "submitted"),
    DemoRequest("Quarter-over-quarter comparisons", "rep.east2", [("Renewal with audit log", "important")], "submitted"),
    DemoRequest("Dark mode", "rep.east1", [], "declined: No deal depends on it; raise it again with a customer who needs it."),
    DemoRequest("Custom logo on login page", "rep.west3", [("Second region", "nice_to_have")], "declined: Already possible with the branding settings; shared the help article with the customer."),
    DemoRequest("Blockchain audit trail", "rep.east2", [], "declined: Not a customer problem; the audit log export covers the need."),
    DemoRequest("Audit trail download", "rep.east2", [("Renewal with audit log", "important")], "merged: Audit log export"),
    DemoRequest("SCIM user sync", "rep.west1", [("Global rollout", "important")], "merged: Bulk user provisioning (SCIM)"),
    DemoRequest("Data residency in Frankfurt", "rep.east1", [("EU data residency", "important")], "merged: EU data residency for workspaces"),
]
# fmt: on

# Committed by the VP Product, then reported on by a PM: (request, progress status, points done).
# Small on purpose: they hold 3 of the 40 points, so the current cut line stays after the 6th.
DEMO_COMMITMENTS: list[tuple[DemoRequest, str, int]] = [
    (
        DemoRequest(
            "Webhooks for deal stage changes", "rep.west1", [("Global rollout", "important")], C, 2
        ),
        "shipped",
        2,
    ),
    (
        DemoRequest(
            "Bulk archive of old projects",
            "rep.east3",
            [("Store-level dashboards", "nice_to_have")],
            C,
            1,
        ),
        "in_progress",
        0,
    ),
]


def seed_requests(*, current: Quarter | None, next_quarter: Quarter | None) -> int:
    """Create the demo requests that do not exist yet; returns how many were created."""
    users = {
        user.email.split("@")[0]: user
        for user in User.objects.filter(email__endswith="@example.com")
    }
    vp_sales, pm = users["vp.sales"], users["pm1"]
    deals = {deal.name: deal for deal in Deal.objects.all()}
    quarters = {C: current, N: next_quarter}
    to_commit = [demo for demo, _, _ in DEMO_COMMITMENTS]
    titles = [demo.title for demo in DEMO_REQUESTS + to_commit]
    existing = set(FeatureRequest.objects.filter(title__in=titles).values_list("title", flat=True))
    created = 0
    for demo in DEMO_REQUESTS + to_commit:
        if demo.title in existing:
            continue
        rep = users[demo.rep]
        request = services.request_submit(
            actor=rep,
            title=demo.title,
            problem=demo.problem or _problem(demo.title),
            quarter=current,
            deal_links=[
                (deals[name], criticality) for name, criticality in demo.deals if name in deals
            ],
        )
        created += 1
        if demo.estimate:
            services.request_estimate(actor=pm, request=request, points=demo.estimate)
        quarter = quarters.get(demo.fate)
        if quarter is not None:
            services.request_accept(actor=_leader_of(rep), request=request, quarter=quarter)
        elif demo.fate.startswith("declined: "):
            services.request_decline_by_sales(
                actor=_leader_of(rep), request=request, reason=demo.fate.removeprefix("declined: ")
            )
        elif demo.fate.startswith("merged: "):
            keep = FeatureRequest.objects.get(title=demo.fate.removeprefix("merged: "))
            services.request_merge(actor=vp_sales, duplicate=request, keep=keep)
    if current is not None:
        _seed_commitments(existing, pm)
    return created


def _leader_of(rep: User) -> User:
    """The sales leader who accepts or declines the rep's requests: the rep's manager."""
    if rep.manager is None:
        raise ValueError(f"The demo rep {rep.email} has no sales leader.")
    return rep.manager


def _seed_commitments(existing: set[str], pm: User) -> None:
    vp_product = User.objects.get(email="vp.product@example.com")
    for demo, status, points_done in DEMO_COMMITMENTS:
        if demo.title in existing:
            continue
        request = FeatureRequest.objects.get(title=demo.title)
        commitment = commitment_approve(
            actor=vp_product, request=request, expected_points=demo.estimate
        )
        commitment_progress(actor=pm, commitment=commitment, status=status, points_done=points_done)
