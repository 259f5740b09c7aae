"""Fixtures shared by the requests tests: the cast by role, and a customer with a deal."""

from __future__ import annotations

import pytest

from accounts.models import Role
from feature_requests.models import Customer, Deal


@pytest.fixture
def rep(cast):
    return cast[Role.SALES_REP]


@pytest.fixture
def leader(cast):
    return cast[Role.SALES_LEADER]


@pytest.fixture
def pm(cast):
    return cast[Role.PRODUCT_MANAGER]


@pytest.fixture
def acme(db):
    return Customer.objects.create(name="Acme", arr=500_000)


@pytest.fixture
def deal(acme, rep):
    return Deal.objects.create(customer=acme, name="Renewal", amount=120_000, owner=rep)
