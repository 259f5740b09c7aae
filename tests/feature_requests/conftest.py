"""Fixtures shared by the requests tests: the cast by role, a customer with a deal, a quarter
that has ended, and submitting a request. The product manager (`pm`) is in tests/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from budgets.models import Quarter
from feature_requests import services
from feature_requests.models import Customer, Deal


@pytest.fixture
def rep(cast):
    return cast[Role.SALES_REP]


@pytest.fixture
def leader(cast):
    """The sales leader, the rep's manager."""
    return cast[Role.SALES_LEADER]


@pytest.fixture
def leader_client(client, leader):
    """The test client, logged in as the sales leader."""
    client.force_login(leader)
    return client


@pytest.fixture
def acme(db):
    return Customer.objects.create(name="Acme", arr=500_000)


@pytest.fixture
def deal(acme, rep):
    return Deal.objects.create(customer=acme, name="Renewal", amount=120_000, owner=rep)


@pytest.fixture
def ended_quarter(db):
    return Quarter.objects.create(
        label="2020-Q1", start=dt.date(2020, 1, 1), end=dt.date(2020, 3, 31), capacity_points=100
    )


@pytest.fixture
def submit(db):
    """Submit a request through the service: no target quarter and no deals unless given."""

    def make(actor, title="Bulk export", **fields):
        fields.setdefault("problem", "They cannot export.")
        fields.setdefault("quarter", None)
        fields.setdefault("deal_links", [])
        return services.request_submit(actor=actor, title=title, **fields)

    return make
