"""Two product leaders saving quarters at the same moment: the database keeps the rule that
quarters never overlap, and the loser gets the reason, not a 500."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import Role
from budgets import services
from budgets.models import Quarter


def create(actor, label: str, start: dt.date, *, hold: float = 0.0, wait: float = 0.0):
    def job() -> Quarter:
        time.sleep(wait)
        with transaction.atomic():
            quarter = services.quarter_create(
                actor=actor,
                label=label,
                start=start,
                end=start + dt.timedelta(days=89),
                capacity_points=300,
            )
            time.sleep(hold)  # still uncommitted: the other leader's check cannot see it
        return quarter

    return job


@pytest.mark.django_db(transaction=True)
def test_overlapping_quarters_saved_at_once_are_refused_by_postgresql(postgres, cast, run_together):
    leader = cast[Role.PRODUCT_LEADER]
    first, second = run_together(
        create(leader, "2031-Q1", dt.date(2031, 1, 1), hold=1.0),
        create(leader, "2031-Q2", dt.date(2031, 2, 1), wait=0.3),
    )
    assert isinstance(first, Quarter)
    assert isinstance(second, ValidationError)
    assert "These dates overlap 2031-Q1" in str(second)
    assert list(
        Quarter.objects.filter(label__startswith="2031").values_list("label", flat=True)
    ) == ["2031-Q1"]


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_overlapping_quarters(postgres):
    Quarter.objects.create(
        label="2032-Q1", start=dt.date(2032, 1, 1), end=dt.date(2032, 3, 31), capacity_points=9
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Quarter.objects.create(  # past clean(): only the constraint stands in the way
            label="2032-Q2", start=dt.date(2032, 3, 31), end=dt.date(2032, 6, 30), capacity_points=9
        )
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_a_quarter_saved_meanwhile_is_a_400_with_its_name(product_client, cast, monkeypatch):
    """The form checked the dates before another leader's quarter was saved; the service,
    checking again, refuses, and the page names the clash (it was a 500)."""
    form_clean = Quarter.clean

    def clean_then_race(self: Quarter) -> None:
        form_clean(self)
        if not Quarter.objects.filter(label="2033-Q1").exists() and self.label == "2033-Q2":
            Quarter.objects.create(
                label="2033-Q1",
                start=dt.date(2033, 1, 1),
                end=dt.date(2033, 3, 31),
                capacity_points=10,
            )

    monkeypatch.setattr(Quarter, "clean", clean_then_race)
    response = product_client.post(
        reverse("budgets:quarter_create"),
        {
            "label": "2033-Q2",
            "start": "2033-02-01",
            "end": "2033-04-30",
            "capacity_points": "100",
            "sales_share_percent": "10",
            "planning_lock_date": "",
        },
    )
    assert response.status_code == 400
    assert "These dates overlap 2033-Q1" in response.text
    assert not Quarter.objects.filter(label="2033-Q2").exists()
