"""Customers and deals upserted by the CRM's id (the REST API and a CRM sync use these):
one record per CRM id, CSV-imported records adopted rather than duplicated."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from accounts.models import Role
from feature_requests.customers import customer_upsert, deal_upsert
from feature_requests.models import Customer, Deal

pytestmark = pytest.mark.django_db


def test_it_creates_then_updates_a_customer_by_its_crm_id(cast):
    leader = cast[Role.SALES_LEADER]
    customer, created = customer_upsert(
        actor=leader, external_id="hs-42", name="Acme  Corp", segment="enterprise", arr=90_000
    )
    assert created and customer.name == "Acme Corp" and customer.arr == 90_000
    again, created = customer_upsert(actor=leader, external_id="hs-42", name="Acme Inc")
    assert not created and again.pk == customer.pk
    again.refresh_from_db()
    assert (again.name, again.segment, again.arr) == ("Acme Inc", "enterprise", 90_000)
    assert Customer.objects.count() == 1


def test_it_adopts_a_customer_imported_by_name(cast):
    imported = Customer.objects.create(name="Globex Corporation", arr=10)
    customer, created = customer_upsert(
        actor=cast[Role.SALES_LEADER], external_id="sf-001", name="globex  corporation"
    )
    assert not created and customer.pk == imported.pk
    assert Customer.objects.get().external_id == "sf-001"


def test_a_name_held_by_another_crm_record_is_refused(cast):
    Customer.objects.create(name="Initech", external_id="hs-1")
    with pytest.raises(ValidationError, match="already exists"):
        customer_upsert(actor=cast[Role.SALES_LEADER], external_id="hs-2", name="Initech")


@pytest.mark.parametrize("external_id", ["", "   ", "\u200b", "x" * 101])
def test_a_missing_or_long_crm_id_is_refused(cast, external_id):
    with pytest.raises(ValidationError):
        customer_upsert(actor=cast[Role.SALES_LEADER], external_id=external_id, name="Acme")
    assert not Customer.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER])
def test_only_sales_leaders_upsert_customers(cast, role):
    with pytest.raises(PermissionDenied):
        customer_upsert(actor=cast[role], external_id="hs-9", name="Acme")


def test_it_creates_updates_and_adopts_deals(cast):
    leader, rep = cast[Role.SALES_LEADER], cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme")
    imported = Deal.objects.create(customer=acme, name="Renewal", amount=5, owner=rep)
    deal, created = deal_upsert(
        actor=leader, external_id="d-1", customer=acme, name="renewal", amount=70_000, owner=rep
    )
    assert not created and deal.pk == imported.pk
    deal, created = deal_upsert(
        actor=leader,
        external_id="d-1",
        customer=acme,
        name="Renewal 2027",
        amount=80_000,
        owner=rep,
        stage="negotiation",
    )
    assert not created
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.stage) == ("Renewal 2027", 80_000, "negotiation")
    new, created = deal_upsert(
        actor=leader, external_id="d-2", customer=acme, name="Upsell", amount=1, owner=rep
    )
    assert created and new.external_id == "d-2" and Deal.objects.count() == 2


def test_a_rep_upserts_only_their_own_deals(cast, make_user):
    rep = cast[Role.SALES_REP]
    other = make_user(Role.SALES_REP)
    acme = Customer.objects.create(name="Acme")
    Deal.objects.create(customer=acme, name="Theirs", amount=5, owner=other, external_id="d-7")
    with pytest.raises(PermissionDenied):
        deal_upsert(actor=rep, external_id="d-7", customer=acme, name="Theirs", amount=9, owner=rep)
    with pytest.raises(PermissionDenied):  # nor create one for someone else
        deal_upsert(actor=rep, external_id="d-8", customer=acme, name="X", amount=9, owner=other)
    mine, created = deal_upsert(
        actor=rep, external_id="d-9", customer=acme, name="Mine", amount=9, owner=rep
    )
    assert created and mine.owner == rep


def test_a_deal_owner_must_be_an_active_rep(cast, make_user):
    acme = Customer.objects.create(name="Acme")
    gone = make_user(Role.SALES_REP, is_active=False)
    with pytest.raises(ValidationError, match="active sales rep"):
        deal_upsert(
            actor=cast[Role.SALES_LEADER],
            external_id="d-1",
            customer=acme,
            name="X",
            amount=1,
            owner=gone,
        )


@pytest.mark.django_db(transaction=True)
def test_two_upserts_of_a_new_crm_id_at_once_make_one_customer(postgres, cast, run_together):
    leader = cast[Role.SALES_LEADER]

    def upsert(name: str):
        def job():
            try:
                return customer_upsert(actor=leader, external_id="hs-race", name=name)[1]
            finally:
                connections.close_all()

        return job

    results = run_together(upsert("Race Corp"), upsert("Race Corp"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [False, True]  # one created it, the other updated it
    assert Customer.objects.filter(external_id="hs-race").count() == 1
