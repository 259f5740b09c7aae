"""Pages issue a constant number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import Quarter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]


def add_quarters(count: int) -> None:
    start = dt.date(2030, 1, 1)
    Quarter.objects.bulk_create(
        Quarter(
            label=f"{2030 + i}-Q1",
            start=start.replace(year=2030 + i),
            end=start.replace(year=2030 + i, month=3, day=31),
            capacity_points=400,
            planning_lock_date=start.replace(year=2030 + i, day=15),
        )
        for i in range(count)
    )


def add_reps(make_user, leader, count: int) -> None:
    for _ in range(count):
        make_user(Role.SALES_REP, manager=leader)


@pytest.mark.parametrize("extra", [2, 30])
def test_it_lists_quarters_in_constant_queries(client, cast, django_assert_num_queries, extra):
    add_quarters(extra)
    client.force_login(cast[Role.PRODUCT_LEADER])
    # session, user, company settings (today), current quarter, the list, unread notifications
    with django_assert_num_queries(6):
        response = client.get(reverse("budgets:quarter_list"))
    assert response.content.count(b"-Q1</a>") == extra


@pytest.mark.parametrize("reps", [1, 25])
def test_it_shows_a_leaders_dashboard_in_constant_queries(
    client, cast, quarter, make_user, django_assert_num_queries, reps
):
    leader = cast[Role.SALES_LEADER]
    add_reps(make_user, leader, reps - 1)  # the cast's rep reports to this leader already
    client.force_login(leader)
    # session, user, company settings, current quarter, next quarter, the budget's committed
    # points and change costs, the team, the triage count, unread notifications (header)
    with django_assert_num_queries(10):
        response = client.get(reverse("dashboard"))
    assert (
        response.text.count('<span class="meta">sales.rep') + response.text.count("Ray Rep") >= reps
    )
