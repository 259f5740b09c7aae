"""The roadmap: the next four quarters, their commitments and the top of their rankings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from budgets.models import Quarter
from commitments.budget_selectors import RANKED_SHOWN
from commitments.models import Commitment, LedgerEntry
from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarters(quarter) -> list[Quarter]:
    """A past quarter, the current one (the `quarter` fixture) and five after it."""
    Quarter.objects.create(
        label="1999-Q4",
        start=quarter.start - dt.timedelta(days=91),
        end=quarter.start - dt.timedelta(days=1),
        capacity_points=100,
    )
    made = [quarter]
    for n in range(1, 6):
        start = made[-1].end + dt.timedelta(days=1)
        made.append(
            Quarter.objects.create(
                label=f"2999-Q{n}" if n < 5 else "3000-Q1",
                start=start,
                end=start + dt.timedelta(days=90),
                capacity_points=200 * n,
            )
        )
    return made


def request_in(cast, quarter: Quarter, title: str, **fields) -> FeatureRequest:
    return FeatureRequest.objects.create(
        title=title,
        problem="A problem.",
        submitted_by=cast[Role.SALES_REP],
        quarter=quarter,
        **fields,
    )


def commit(cast, quarter: Quarter, title: str, points: int, status: str, **fields) -> Commitment:
    return Commitment.objects.create(
        quarter=quarter,
        request=request_in(cast, quarter, title, status=status),
        points=points,
        approved_by=cast[Role.PRODUCT_LEADER],
        **fields,
    )


def columns(page: str) -> list[str]:
    return re.findall(r'<section[^>]*data-testid="roadmap-quarter">.*?</section>', page, re.S)


def test_it_shows_the_next_four_quarters_from_the_current_one(client, cast, quarters):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:roadmap")).text
    shown = columns(page)
    assert [re.search(r"<h2[^>]*>([^< ]+)", column).group(1) for column in shown] == [
        quarters[0].label,
        "2999-Q1",
        "2999-Q2",
        "2999-Q3",
    ]
    assert "current" in shown[0] and "current" not in shown[1]
    assert "1999-Q4" not in page and "2999-Q4" not in page
    assert "12 months out" in page and "2–5 years" in page


def test_it_lists_commitments_and_the_ranking_in_order(client, cast, quarters):
    current, later = quarters[0], quarters[1]
    commit(cast, current, "SSO for Acme", 8, "in_progress", points_done=3)
    commit(cast, current, "CSV export", 5, "shipped", points_done=5)
    commit(
        cast,
        current,
        "Dropped idea",
        13,
        "dropped",
        dropped_at=timezone.now(),
        dropped_by=cast[Role.PRODUCT_LEADER],
    )
    # Created in one order, ranked in another: the roadmap follows the rank keys.
    request_in(cast, later, "Third", status="ranked", rank_key="c", estimate_points=3)
    request_in(cast, later, "First", status="ranked", rank_key="a", estimate_points=8)
    request_in(cast, later, "Second", status="ranked", rank_key="b")
    request_in(cast, later, "Not ranked", status="submitted")

    client.force_login(cast[Role.PRODUCT_MANAGER])
    now, next_one = columns(client.get(reverse("commitments:roadmap")).text)[:2]
    assert "SSO for Acme" in now and "In progress" in now and "8 points, 3 done" in now
    assert "CSV export" in now and "Shipped" in now
    assert "Dropped idea" not in now
    assert "13 committed" in now  # 8 + 5 of the live commitments
    assert "Nothing ranked yet." in now
    assert "Nothing committed yet." in next_one
    titles = re.findall(
        r'<span class="roadmap-position">(\d+)\.</span>\s*<a[^>]*>([^<]+)', next_one
    )
    assert titles == [("1", "First"), ("2", "Second"), ("3", "Third")]
    assert "8 points" in next_one and "no estimate yet" in next_one
    assert "Not ranked" not in next_one


def test_it_shows_the_top_of_a_long_ranking_and_links_the_board(client, cast, quarters):
    later = quarters[1]
    for n in range(RANKED_SHOWN + 5):
        request_in(cast, later, f"Request {n:02}", status="ranked", rank_key=f"k{n:02}")
    client.force_login(cast[Role.SALES_LEADER])
    column = columns(client.get(reverse("commitments:roadmap")).text)[1]
    assert f"Request {RANKED_SHOWN - 1:02}" in column
    assert f"Request {RANKED_SHOWN:02}" not in column
    assert "5 more on the ranking board" in column
    assert reverse("commitments:board", args=[later.label]) in column


def test_it_shows_the_quarters_not_set_up_yet_as_the_next_four(client, cast, settings_row):
    """With no quarter at all, the roadmap still shows the next four calendar quarters,
    each one a product leader can set up from here."""
    client.force_login(cast[Role.SALES_REP])
    from budgets.selectors import company_today

    today = company_today()
    response = client.get(reverse("commitments:roadmap"))
    assert response.status_code == 200
    page = response.text
    assert page.count('data-testid="roadmap-placeholder"') == 4
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    assert f"{first.year}-Q{(first.month - 1) // 3 + 1}" in page
    assert "A product leader sets up quarters." in page
    assert reverse("budgets:quarter_create") not in page


def test_a_product_leader_sets_up_a_planned_quarter_from_the_roadmap(client, cast, quarter):
    """After the current quarter, three placeholders follow it, three months each; the
    link opens the quarter form with its label and dates filled in."""
    client.force_login(cast[Role.PRODUCT_LEADER])
    page = client.get(reverse("commitments:roadmap")).text
    assert page.count('data-testid="roadmap-quarter"') == 1
    assert page.count('data-testid="roadmap-placeholder"') == 3
    links = re.findall(r'href="(/quarters/new/\?[^"]+)"', page)
    assert len(links) == 3
    start = quarter.end + dt.timedelta(days=1)
    form = client.get(links[0].replace("&amp;", "&")).text
    assert f'value="{start.isoformat()}"' in form
    label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    assert f'value="{label}"' in form


@pytest.mark.parametrize("role", list(Role))
def test_it_shows_the_roadmap_to_every_role(client, cast, quarters, role):
    client.force_login(cast[role])
    assert client.get(reverse("commitments:roadmap")).status_code == 200


def test_it_sends_anonymous_visitors_to_log_in(client, quarters):
    response = client.get(reverse("commitments:roadmap"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_issues_the_same_queries_however_many_requests(client, cast, quarters):
    client.force_login(cast[Role.SALES_REP])
    counts = []
    for size in (1, 12):
        for column, quarter in enumerate(quarters[:4]):
            for n in range(size):
                key = f"{size:02}{n:02}"
                request_in(cast, quarter, f"R{column}-{key}", status="ranked", rank_key=key)
                commit(cast, quarter, f"C{column}-{key}", 3, "committed")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("commitments:roadmap"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_counts_change_costs_as_the_budget_page_does(client, cast, quarters):
    current = quarters[0]
    kept = commit(cast, current, "Kept", 4, "committed")
    dropped = commit(cast, current, "Dropped", 6, "committed", dropped_at=timezone.now())
    LedgerEntry.objects.create(
        quarter=current,
        kind=LedgerEntry.Kind.DROP,
        request=dropped.request,
        commitment=dropped,
        points=6,
        sunk_points=2,
        penalty_points=1,
        cost=3,
        actor=cast[Role.PRODUCT_LEADER],
    )
    assert kept.points == 4
    client.force_login(cast[Role.SALES_LEADER])
    roadmap = client.get(reverse("commitments:roadmap")).text
    column = roadmap.split('data-testid="roadmap-quarter"')[1]
    assert "4 committed + 3 in change costs" in column
    remaining = current.sales_budget - 4 - 3
    assert f'data-testid="roadmap-remaining">{remaining}<' in column
    budget = client.get(reverse("commitments:budget", args=[current.label])).text
    assert f">{remaining}<" in budget
