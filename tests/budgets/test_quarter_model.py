from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from budgets.models import Quarter


def make(capacity: int, share: str) -> Quarter:
    return Quarter(capacity_points=capacity, sales_share_percent=Decimal(share))


@pytest.mark.parametrize(
    ("capacity", "share", "budget"),
    [
        (500, "12", 60),
        (400, "10", 40),
        (333, "10", 33),
        (101, "12.5", 12),
        (7, "0", 0),
        (9, "100", 9),
    ],
)
def test_it_rounds_the_sales_budget_down(capacity, share, budget):
    assert make(capacity, share).sales_budget == budget


def test_it_measures_how_much_of_the_quarter_has_passed():
    quarter = Quarter(start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    assert quarter.elapsed_percent(dt.date(2026, 9, 30)) == 0
    assert quarter.elapsed_percent(dt.date(2026, 11, 15)) == 50
    assert quarter.elapsed_percent(dt.date(2027, 1, 5)) == 100


@pytest.mark.django_db
def test_it_locks_planning_two_weeks_after_the_start_by_default():
    quarter = Quarter(
        label="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), capacity_points=400
    )
    quarter.full_clean()
    quarter.save()
    assert quarter.planning_lock_date == dt.date(2026, 10, 15)
    assert not quarter.is_locked(dt.date(2026, 10, 15))
    assert quarter.is_locked(dt.date(2026, 10, 16))


@pytest.mark.django_db
def test_it_refuses_overlapping_quarters():
    Quarter.objects.create(
        label="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), capacity_points=1
    )
    clash = Quarter(
        label="2027-Q1", start=dt.date(2026, 12, 31), end=dt.date(2027, 3, 31), capacity_points=1
    )
    with pytest.raises(ValidationError, match="overlap 2026-Q4"):
        clash.full_clean()


@pytest.mark.django_db
def test_it_keeps_impossible_quarters_out_of_the_database():
    with pytest.raises(IntegrityError):
        Quarter.objects.create(
            label="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 9, 1), capacity_points=1
        )


@pytest.mark.django_db
def test_it_bounds_quarters_to_the_years_2000_to_2100():
    far = Quarter(
        label="9999-Q4", start=dt.date(9999, 10, 1), end=dt.date(9999, 12, 31), capacity_points=1
    )
    with pytest.raises(ValidationError) as refused:
        far.full_clean()
    assert set(refused.value.message_dict) == {"label", "start", "end"}
    edges = Quarter(
        label="2100-Q4", start=dt.date(2100, 10, 1), end=dt.date(2100, 12, 31), capacity_points=1
    )
    edges.full_clean()
    Quarter(
        label="2000-Q1", start=dt.date(2000, 1, 1), end=dt.date(2000, 3, 31), capacity_points=1
    ).full_clean()
