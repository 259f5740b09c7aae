"""The budget page: figures, spend against time, the planning lock, the burn-up and the ledger."""

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
from commitments.models import Commitment, LedgerEntry, ProgressUpdate
from commitments.services import commitment_approve, commitment_drop, commitment_progress
from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.django_db


def figure(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert match, f"no {testid} on the page"
    return match.group(1).strip()


@pytest.fixture
def spent_quarter(cast, quarter, rank):
    """Budget 40: 8 points committed, and a 10-point commitment dropped after the planning
    lock with 3 points done: it costs 3 sunk + 2 penalty (25% of 7, rounded up) = 5."""
    product_leader = cast[Role.PRODUCT_LEADER]
    commitment_approve(actor=product_leader, request=rank("SSO for Acme", 8))
    dropped = commitment_approve(actor=product_leader, request=rank("Audit log export", 10))
    commitment_progress(
        actor=cast[Role.PRODUCT_MANAGER], commitment=dropped, status="in_progress", points_done=3
    )
    commitment_drop(actor=product_leader, commitment=dropped, reason="Acme churned")
    return quarter


def test_it_shows_the_budget_figures(client, cast, spent_quarter):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:budget", args=[spent_quarter.label])).text
    assert figure(page, "sales-budget") == "40"
    assert figure(page, "committed") == "8"
    assert figure(page, "change-costs") == "5"
    assert figure(page, "remaining") == "27"
    assert "400 <small>points</small>" in page  # capacity
    assert "10.0<small>%</small>" in page  # share


def test_it_shows_budget_used_against_quarter_elapsed(client, cast, quarter, rank):
    product_leader = cast[Role.PRODUCT_LEADER]
    commitment_approve(actor=product_leader, request=rank("SSO", 10))
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    # 10 of 40 points; day 21 of a 91-day quarter.
    assert figure(page, "used-percent") == "25%"
    assert figure(page, "elapsed-percent") == "23%"
    assert "25% of the budget used with 23% of the quarter elapsed" in page
    # The two bars are drawn as SVG lengths out of 100, not with style attributes.
    assert '<rect x="0" y="0" width="25" height="10"' in page
    assert '<rect x="0" y="0" width="23" height="10"' in page
    assert "Budget used" in page and "Quarter elapsed" in page


def test_it_says_when_the_budget_is_overspent(client, cast, quarter, rank):
    commitment_approve(
        actor=cast[Role.PRODUCT_LEADER],
        request=rank("Data residency", 45),
        override=True,
        override_reason="The board promised it to Globex",
    )
    client.force_login(cast[Role.PRODUCT_MANAGER])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    # In words and in the danger colour, never "-5 remaining".
    assert figure(page, "remaining") == "Over budget by 5 points"
    assert 'class="over-budget" data-testid="remaining"' in page
    assert "figure-over-budget" in page
    assert '<rect x="0" y="0" width="100" height="10" fill="#a4161a"/>' in page  # full, in red
    assert figure(page, "used-percent") == "112%"


def test_it_tells_whether_the_planning_lock_has_passed(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    url = reverse("commitments:budget", args=[quarter.label])
    # The quarter fixture started 20 days ago, so its lock (start + 14 days) has passed.
    page = client.get(url).text
    lock = quarter.planning_lock_date
    assert f"Planning locked on {lock:%b} {lock.day}." in page
    assert "plus a 25.0% penalty on its remaining points" in page

    quarter.planning_lock_date = quarter.end - dt.timedelta(days=1)
    quarter.save()
    page = client.get(url).text
    assert "(not yet)" in page
    assert "at no cost" in page


def test_it_lists_the_ledger_newest_first_with_who_and_why(client, cast, spent_quarter, rank):
    commitment_approve(
        actor=cast[Role.PRODUCT_LEADER],
        request=rank("Data residency", 30),
        override=True,
        override_reason="The board promised it to Globex",
    )
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:budget", args=[spent_quarter.label])).text
    ledger = page[page.index('id="ledger-head"') :]
    rows = re.findall(r"<tr>\s*<td><time.*?</tr>", ledger, re.S)
    assert len(rows) == 4
    newest, drop, second, first = rows
    assert "Data residency" in newest and "over budget" in newest
    assert "The board promised it to Globex" in newest and "+30" in newest
    assert "Audit log export" in drop and "Drop" in drop and "Acme churned" in drop
    cells = re.findall(r'<td class="num">([^<]*)</td>', drop)
    assert cells == ["−10", "3", "2", "5"]  # points released, sunk, penalty, cost
    assert "Audit log export" in second and "+10" in second
    assert "SSO for Acme" in first and "+8" in first
    assert all("Paula Leader" in row for row in rows)
    request = FeatureRequest.objects.get(title="SSO for Acme")
    assert f'href="{reverse("requests:request_detail", args=[request.pk])}"' in first


def test_it_draws_the_burn_up_with_a_table_of_its_numbers(client, cast, spent_quarter):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:budget", args=[spent_quarter.label])).text
    svg = page[page.index("<svg xmlns") : page.index("</svg>", page.index("<svg xmlns"))]
    assert "<title" in svg and "Burn-up of" in svg
    assert "style=" not in page  # the CSP forbids style attributes anywhere
    assert "<script>" not in page
    table = page[page.index("The burn-up as a table") :]
    # All the activity happened this week (week 3 of the quarter): 8 held + 5 charged, 3 done.
    assert re.search(
        r'<th scope="row">W3 [A-Z][a-z]{2} \d+</th>\s*<td class="num">40</td>\s*'
        r'<td class="num">13</td>\s*<td class="num">3</td>',
        table,
    )
    assert re.search(
        r'<th scope="row">W4 [^<]+</th>\s*<td class="num">40</td>\s*<td class="num"><span aria-hidden="true">—',
        table,
    )


def test_it_shows_an_empty_ledger_plainly(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    assert "Nothing committed in" in page
    assert figure(page, "remaining") == "40"


def test_it_404s_for_an_unknown_quarter(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    assert client.get(reverse("commitments:budget", args=["1999-Q1"])).status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_it_shows_the_budget_to_every_role(client, cast, quarter, role):
    client.force_login(cast[role])
    assert client.get(reverse("commitments:budget", args=[quarter.label])).status_code == 200


def test_it_sends_anonymous_visitors_to_log_in(client, quarter):
    response = client.get(reverse("commitments:budget", args=[quarter.label]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_posts_and_changes_nothing(client, cast, spent_quarter):
    client.force_login(cast[Role.PRODUCT_LEADER])
    before = LedgerEntry.objects.count(), Commitment.objects.count()
    response = client.post(reverse("commitments:budget", args=[spent_quarter.label]), {"points": 1})
    assert response.status_code == 405
    assert (LedgerEntry.objects.count(), Commitment.objects.count()) == before


def test_it_sends_the_budget_link_to_the_current_quarter(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    response = client.get(reverse("commitments:budget_current"))
    assert response.status_code == 302
    assert response.url == reverse("commitments:budget", args=[quarter.label])


def test_it_explains_when_no_quarter_is_under_way(client, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.get(reverse("commitments:budget_current"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("budgets:quarter_list")
    assert "No quarter is under way today" in response.text


def _fill(cast, make_user, quarter: Quarter, size: int) -> None:
    """`size` commitments with progress, a third of them dropped with a cost; each approved
    by a different product leader, so that a query per row would show."""
    now = timezone.now()
    for n in range(size):
        product_leader = make_user(Role.PRODUCT_LEADER)
        dropped = n % 3 == 0
        request = FeatureRequest.objects.create(
            title=f"Request {n}",
            problem="A problem.",
            submitted_by=cast[Role.SALES_REP],
            quarter=quarter,
            status="dropped" if dropped else "in_progress",
        )
        commitment = Commitment.objects.create(
            quarter=quarter,
            request=request,
            points=5,
            approved_by=product_leader,
            approved_at=now - dt.timedelta(days=15),
            dropped_at=now - dt.timedelta(days=2) if dropped else None,
            dropped_by=product_leader if dropped else None,
        )
        LedgerEntry.objects.create(
            quarter=quarter,
            kind="commit",
            request=request,
            commitment=commitment,
            points=5,
            actor=product_leader,
            at=commitment.approved_at,
        )
        ProgressUpdate.objects.create(
            commitment=commitment,
            status="in_progress",
            points_done=2,
            at=now - dt.timedelta(days=9),
        )
        if dropped:
            LedgerEntry.objects.create(
                quarter=quarter,
                kind="drop",
                request=request,
                commitment=commitment,
                points=5,
                sunk_points=2,
                penalty_points=1,
                cost=3,
                reason="Changed plans",
                actor=product_leader,
                at=commitment.dropped_at,
            )


def test_it_issues_the_same_queries_however_long_the_ledger(client, cast, quarter, make_user):
    client.force_login(cast[Role.SALES_REP])
    url = reverse("commitments:budget", args=[quarter.label])
    counts = []
    for size in (2, 20):
        _fill(cast, make_user, quarter, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
