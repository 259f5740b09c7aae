from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import CompanySettings, Quarter
from demo.management.commands.seed_demo import (
    DEMO_CUSTOMERS,
    DEMO_DEALS,
    DEMO_PASSWORD,
    DEMO_USERS,
    calendar_quarter,
)
from feature_requests.models import Customer, Deal


def snapshot() -> dict[str, object]:
    return {
        "users": sorted(
            User.objects.values_list("email", "full_name", "role", "manager__email", "password")
        ),
        "quarters": sorted(
            Quarter.objects.values_list(
                "label", "start", "end", "capacity_points", "sales_share_percent"
            )
        ),
        "settings": CompanySettings.objects.values_list(
            "company_name", "head_of_sales__email", "head_of_product__email"
        ).get(),
        "customers": sorted(
            Customer.objects.values_list("pk", "name", "segment", "arr", "crm_url")
        ),
        "deals": sorted(
            Deal.objects.values_list(
                "pk", "customer__name", "name", "amount", "stage", "expected_close", "owner__email"
            )
        ),
    }


@pytest.mark.django_db
def test_it_creates_the_right_number_of_users_per_role(seed):
    seed()

    assert Counter(User.objects.values_list("role", flat=True)) == {
        Role.ADMIN: 1,
        Role.SALES_LEADER: 3,
        Role.SALES_REP: 6,
        Role.PRODUCT_LEADER: 1,
        Role.PRODUCT_MANAGER: 3,
    }
    assert User.objects.count() == len(DEMO_USERS)


@pytest.mark.django_db
def test_it_gives_every_rep_a_manager_with_three_reps(seed):
    seed()

    reps = User.objects.filter(role=Role.SALES_REP)
    assert all(rep.manager is not None for rep in reps)
    managers = User.objects.filter(reports__isnull=False).distinct()
    assert sorted(m.email for m in managers) == [
        "manager.east@example.com",
        "manager.west@example.com",
    ]
    for manager in managers:
        assert manager.role == Role.SALES_LEADER
        assert manager.reports.count() == 3
    assert not User.objects.get(email="vp.sales@example.com").reports.exists()


@pytest.mark.django_db
def test_it_sets_up_the_company_settings(seed):
    seed()

    company = CompanySettings.load()
    assert company.company_name == "Acme Analytics"
    assert company.head_of_sales.email == "vp.sales@example.com"
    assert company.head_of_product.email == "vp.product@example.com"


@pytest.mark.django_db
def test_it_leaves_the_same_rows_when_run_twice(seed):
    seed()
    first = snapshot()

    seed()

    assert snapshot() == first
    assert User.objects.count() == 14
    assert Quarter.objects.count() == 2


@pytest.mark.django_db
def test_it_keeps_a_changed_password_and_capacity_but_restores_demo_roles(seed):
    seed()
    rep = User.objects.get(email="rep.east1@example.com")
    rep.set_password("my-own-secret-123")
    rep.save()
    pm = User.objects.get(email="pm1@example.com")
    pm.full_name = "Renamed"
    pm.role = Role.ADMIN
    pm.save()
    label, _, _ = calendar_quarter(CompanySettings.load().today())
    Quarter.objects.filter(label=label).update(capacity_points=555)

    seed()

    assert signs_in("rep.east1@example.com", "my-own-secret-123")
    assert not signs_in("rep.east1@example.com", DEMO_PASSWORD)
    assert Quarter.objects.get(label=label).capacity_points == 555
    pm.refresh_from_db()
    assert (pm.full_name, pm.role) == ("Priya Patel", Role.PRODUCT_MANAGER)


@pytest.mark.django_db
def test_it_creates_the_current_quarter_around_today_with_a_budget_of_40(seed):
    seed()

    today = CompanySettings.load().today()
    current = Quarter.objects.get(start__lte=today, end__gte=today)
    assert current.label == calendar_quarter(today)[0]
    assert current.capacity_points == 400
    assert current.sales_budget == 40

    following = Quarter.objects.get(start=current.end + dt.timedelta(days=1))
    assert following.capacity_points == 420
    assert following.sales_budget == 42
    assert following.label == calendar_quarter(following.start)[0]


@pytest.mark.django_db
def test_it_skips_a_quarter_whose_dates_are_taken_by_another_label(seed):
    today = CompanySettings.load().today()
    label, start, end = calendar_quarter(today)
    Quarter.objects.create(
        label="1999-Q1", start=start, end=end, capacity_points=100, sales_share_percent=10
    )

    output = seed()

    assert "Skipped quarter" in output
    assert not Quarter.objects.filter(label=label).exists()
    assert Quarter.objects.count() == 2


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 23), ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        (dt.date(2026, 12, 31), ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        (dt.date(2027, 1, 1), ("2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31))),
        (dt.date(2026, 2, 10), ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (dt.date(2026, 4, 1), ("2026-Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        (dt.date(2026, 9, 30), ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
    ],
)
def test_it_computes_the_calendar_quarter(day, expected):
    assert calendar_quarter(day) == expected


@pytest.mark.django_db
def test_it_lets_demo_users_log_in_with_the_demo_password(seed):
    output = seed()

    for demo in DEMO_USERS:
        assert signs_in(demo.email, DEMO_PASSWORD), demo.email
    assert "Log in as vp.sales@example.com / forcerank-demo" in output


@pytest.mark.django_db
def test_it_creates_customers_and_deals_across_segments_stages_and_reps(seed):
    output = seed()

    assert Customer.objects.count() == len(DEMO_CUSTOMERS) == 8
    assert Deal.objects.count() == len(DEMO_DEALS) == 15
    assert set(Customer.objects.values_list("segment", flat=True)) == set(Customer.Segment)
    assert set(Deal.objects.values_list("stage", flat=True)) == set(Deal.Stage)
    owners = User.objects.filter(deals__isnull=False).distinct()
    assert {owner.role for owner in owners} == {Role.SALES_REP}
    assert owners.count() == 6
    assert "8 demo customers (8 created) and 15 demo deals (15 created)." in output


@pytest.mark.django_db
def test_it_spreads_expected_close_dates_over_the_current_and_next_quarter(seed):
    seed()

    today = CompanySettings.load().today()
    _, start, end = calendar_quarter(today)
    _, next_start, next_end = calendar_quarter(end + dt.timedelta(days=1))
    dates = list(Deal.objects.values_list("expected_close", flat=True))
    assert all(start <= day <= next_end for day in dates)
    assert any(day <= end for day in dates)
    assert any(day >= next_start for day in dates)


@pytest.mark.django_db
def test_it_restores_demo_deals_without_duplicating_them(seed):
    seed()
    deal = Deal.objects.get(name=DEMO_DEALS[0].name)
    deal.amount = 1
    deal.save()

    output = seed()

    assert Customer.objects.count() == 8
    assert Deal.objects.count() == 15
    deal.refresh_from_db()
    assert deal.amount == DEMO_DEALS[0].amount
    assert "(0 created)" in output


def signs_in(email: str, password: str) -> bool:
    """Through the login page, as a person does (the lockout's checks included)."""
    client = Client()
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session
