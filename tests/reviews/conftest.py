"""Fixtures shared by the weekly review tests: a small hand-written snapshot (format 1) with
one or two items in every section, reviews made from it, their URLs, and the company's
settings. Tests of pages and exports build reviews from this snapshot, not from live data, so
they check what is shown, not the builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import CompanySettings, Quarter
from budgets.selectors import company_today
from reviews.models import WeeklyReview
from reviews.services import week_start_for


def build_snapshot(quarter: Quarter, week_start: dt.date, **changes: Any) -> dict[str, Any]:
    """A small review in format 1; `changes` replace whole top-level parts ("decisions")."""
    data: dict[str, Any] = {
        "format": 1,
        "quarter": {
            "label": quarter.label,
            "start": quarter.start.isoformat(),
            "end": quarter.end.isoformat(),
        },
        "week_start": week_start.isoformat(),
        "generated_at": f"{week_start.isoformat()}T08:00:00+00:00",
        "previous_week_start": (week_start - dt.timedelta(days=7)).isoformat(),
        "budget": {
            "capacity": 400,
            "share": "10.0",
            "sales_budget": 40,
            "committed": 18,
            "change_costs": 5,
            "remaining": 17,
            "used_percent": 58,
            "elapsed_percent": 23,
            "lock_date": (quarter.start + dt.timedelta(days=14)).isoformat(),
            "locked": True,
            "burnup": [
                {
                    "label": "W1",
                    "start": quarter.start.isoformat(),
                    "end": (quarter.start + dt.timedelta(days=6)).isoformat(),
                    "budget": 40,
                    "spent": 18,
                    "done": 2,
                },
                {
                    "label": "W2",
                    "start": (quarter.start + dt.timedelta(days=7)).isoformat(),
                    "end": (quarter.start + dt.timedelta(days=13)).isoformat(),
                    "budget": 40,
                    "spent": None,
                    "done": None,
                },
            ],
        },
        "decisions": {
            "proposed": [
                {
                    "key": "request-12",
                    "title": "EU data residency",
                    "url": "/decisions/",
                    "position": 2,
                    "estimate": 8,
                    "cumulative": 11,
                    "arr": 120000,
                },
                {
                    "key": "request-13",
                    "title": "Audit trail",
                    "url": "/decisions/",
                    "position": 3,
                    "estimate": 5,
                    "cumulative": 16,
                    "arr": 0,
                },
            ],
            "swaps": [
                {
                    "key": "swap-3",
                    "title": "Swap “Audit log export” for “SAML SSO”",
                    "url": "/swaps/3/",
                    "drop_title": "Audit log export",
                    "commit_title": "SAML SSO",
                    "cost": 4,
                    "proposed_by": "Valerie Sales",
                }
            ],
            "needs_estimate": [
                {
                    "key": "request-14",
                    "title": "Slack alerts",
                    "url": "/estimates/",
                    "position": 4,
                }
            ],
        },
        "ranking_changes": {
            "since": f"{(week_start - dt.timedelta(days=7)).isoformat()}T08:00:00+00:00",
            "new": [
                {
                    "key": "request-15",
                    "title": "Dark mode",
                    "url": "/requests/15/",
                    "position": 5,
                    "by": ["Valerie Sales"],
                }
            ],
            "moved": [
                {
                    "key": "request-12",
                    "title": "EU data residency",
                    "url": "/requests/12/",
                    "from": 5,
                    "to": 2,
                    "delta": 3,
                    "by": ["Valerie Sales"],
                },
                {
                    "key": "request-16",
                    "title": "CSV import",
                    "url": "/requests/16/",
                    "from": 2,
                    "to": 6,
                    "delta": -4,
                    "by": ["Lee Leader"],
                },
            ],
            "removed": [
                {
                    "key": "request-9",
                    "title": "Audit log export",
                    "url": "/requests/9/",
                    "from": 3,
                    "status": "Committed",
                }
            ],
        },
        "commitments": [
            {
                "key": "commitment-5",
                "title": "SAML SSO",
                "url": f"/commitments/?quarter={quarter.label}",
                "status": "In progress",
                "points": 10,
                "points_done": 1,
                "at_risk": True,
                "risk": "10% done with 60% of the quarter gone",
            }
        ],
        "changes": [
            {
                "key": "ledger-7",
                "title": "Audit log export",
                "url": "/requests/9/",
                "kind": "Drop",
                "points": 10,
                "sunk": 3,
                "penalty": 2,
                "cost": 5,
                "reason": "Acme churned",
                "by": "Paula Leader",
                "at": f"{week_start.isoformat()}T07:00:00+00:00",
            }
        ],
        "revenue": {
            "committed_arr": 250000,
            "proposed_arr": 120000,
            "closing_deals": [
                {
                    "key": "deal-7",
                    "title": "Globex renewal",
                    "url": "/deals/7/edit/",
                    "customer": "Globex",
                    "amount": 90000,
                    "expected_close": quarter.end.isoformat(),
                    "requests": ["EU data residency"],
                }
            ],
        },
        "ahead": {
            "next_quarter": {
                "label": "2099-Q1",
                "ranking": [
                    {
                        "key": "request-20",
                        "title": "Mobile app",
                        "url": "/requests/20/",
                        "position": 1,
                        "estimate": None,
                    }
                ],
            },
            "deferred": [
                {
                    "key": "request-21",
                    "title": "Offline mode",
                    "url": "/requests/21/",
                    "to": "2099-Q1",
                }
            ],
            "horizons": "Sales plans 12 months out; product looks 2–5 years ahead.",
        },
        "follow_ups": [
            {
                "key": "followup-1",
                "title": "Slack alerts",
                "url": "/requests/14/",
                "kind": "Decision",
                "text": "Estimate it before Friday.",
                "by": "Victor Product",
                "at": f"{(week_start - dt.timedelta(days=7)).isoformat()}T09:30:00+00:00",
            }
        ],
        "ranking": [12, 13, 14, 15, 16],
        "last_rank_event_id": 42,
    }
    data.update(changes)
    return data


@pytest.fixture
def snapshot() -> Callable[..., dict[str, Any]]:
    """`snapshot(quarter, week_start, **changes)`: see `build_snapshot`."""
    return build_snapshot


@pytest.fixture
def this_week() -> dt.date:
    return week_start_for(company_today())


@pytest.fixture
def make_review(db) -> Callable[..., WeeklyReview]:
    """`make_review(quarter, week_start, **fields)`: a ready review of the shared snapshot
    unless `fields` say otherwise; a review that is not ready has no data."""

    def make(quarter: Quarter, week_start: dt.date, **fields: Any) -> WeeklyReview:
        fields.setdefault("status", WeeklyReview.Status.READY)
        if fields["status"] == WeeklyReview.Status.READY:
            fields.setdefault("data", build_snapshot(quarter, week_start))
            fields.setdefault("generated_at", timezone.now())
        return WeeklyReview.objects.create(quarter=quarter, week_start=week_start, **fields)

    return make


@pytest.fixture
def review(quarter, this_week, make_review) -> WeeklyReview:
    """This week's review, ready, of the shared snapshot."""
    return make_review(quarter, this_week)


@pytest.fixture
def review_url() -> Callable[[str, WeeklyReview], str]:
    """`review_url("review_print", review)`: the URL of one of a review's pages."""

    def url(name: str, review: WeeklyReview) -> str:
        return reverse(
            f"reviews:{name}", args=[review.quarter.label, review.week_start.isoformat()]
        )

    return url


@pytest.fixture
def set_company(db) -> Callable[..., CompanySettings]:
    """`set_company(time_zone="Europe/Berlin", …)`: save those fields on the company's
    settings and return them."""

    def update(**fields: Any) -> CompanySettings:
        settings_row = CompanySettings.load()
        for name, value in fields.items():
            setattr(settings_row, name, value)
        settings_row.save()
        return settings_row

    return update
