"""When a deal closed (`Deal.closed_at`): set on entering a closed stage by every writer of
a deal's stage, kept while it stays closed, cleared when it reopens."""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from feature_requests.crm_import import crm_import
from feature_requests.customers import closed_at_after, deal_create, deal_update, deal_upsert
from feature_requests.models import Customer, Deal

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
EARLIER = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("old_stage", "new_stage", "closed_at", "expected"),
    [
        (None, "discovery", None, None),  # a new open deal
        (None, "closed_won", None, NOW),  # a new closed deal
        ("negotiation", "closed_won", None, NOW),  # entering a closed stage
        ("evaluation", "closed_lost", None, NOW),
        ("closed_won", "closed_won", EARLIER, EARLIER),  # staying closed
        ("closed_won", "closed_lost", EARLIER, EARLIER),  # a correction, not a new close
        ("closed_won", "closed_won", None, NOW),  # closed with no time known: from now
        ("closed_won", "negotiation", EARLIER, None),  # reopened
        ("discovery", "evaluation", None, None),
    ],
)
def test_it_says_when_a_deal_closed(old_stage, new_stage, closed_at, expected):
    assert (
        closed_at_after(old_stage=old_stage, new_stage=new_stage, closed_at=closed_at, now=NOW)
        == expected
    )


@pytest.fixture
def acme(db):
    return Customer.objects.create(name="Acme", arr=1)


def test_the_deal_services_record_the_close(cast, acme):
    rep = cast[Role.SALES_REP]
    deal = deal_create(actor=rep, customer=acme, name="Renewal", amount=10, owner=rep)
    assert deal.closed_at is None
    before = timezone.now()
    deal = deal_update(actor=rep, deal=deal, stage=Deal.Stage.CLOSED_WON)
    assert deal.closed_at is not None and deal.closed_at >= before
    closed_at = deal.closed_at
    deal = deal_update(actor=rep, deal=deal, stage=Deal.Stage.CLOSED_LOST, amount=20)
    assert deal.closed_at == closed_at
    deal = deal_update(actor=rep, deal=deal, stage=Deal.Stage.NEGOTIATION)
    assert deal.closed_at is None
    won = deal_create(
        actor=rep, customer=acme, name="Won", amount=1, owner=rep, stage=Deal.Stage.CLOSED_WON
    )
    assert won.closed_at is not None


def test_an_upsert_records_the_close(cast, acme):
    rep = cast[Role.SALES_REP]
    fields = {"actor": rep, "external_id": "hs-1", "customer": acme, "name": "N", "owner": rep}
    deal, _ = deal_upsert(amount=1, **fields)
    assert deal.closed_at is None
    deal, _ = deal_upsert(amount=1, stage=Deal.Stage.CLOSED_WON, **fields)
    closed_at = deal.closed_at
    assert closed_at is not None
    deal, _ = deal_upsert(amount=2, **fields)  # the stage left as it is
    assert Deal.objects.get().closed_at == closed_at
    deal, _ = deal_upsert(amount=2, stage=Deal.Stage.DISCOVERY, **fields)
    assert Deal.objects.get().closed_at is None


def test_the_csv_import_records_the_close(cast, make_user):
    rep = make_user(Role.SALES_REP, email="rep@example.com", manager=cast[Role.SALES_LEADER])
    header = "customer,segment,customer_arr,deal,amount,stage,expected_close,owner_email\n"

    def run(stage: str) -> Deal:
        line = f"Acme,smb,1,Renewal,10,{stage},,{rep.email}\n"
        crm_import(actor=cast[Role.SALES_LEADER], csv_file=io.BytesIO((header + line).encode()))
        return Deal.objects.get()

    assert run("closed_won").closed_at is not None  # created closed
    Deal.objects.update(stage="negotiation", closed_at=None)
    closed = run("closed_lost")  # updated into a closed stage
    assert closed.closed_at is not None
    assert run("closed_won").closed_at == closed.closed_at  # stays closed
    assert run("negotiation").closed_at is None


def test_the_deal_pages_show_when_a_deal_closed(client, cast, acme):
    Deal.objects.create(
        customer=acme,
        name="Renewal",
        amount=10,
        owner=cast[Role.SALES_REP],
        stage=Deal.Stage.CLOSED_WON,
        closed_at=dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC),
    )
    client.force_login(cast[Role.SALES_LEADER])
    for url in (reverse("requests:deal_list"), reverse("requests:customer_detail", args=[acme.pk])):
        assert "Closed won on <time" in client.get(url + "?show=all").text
        assert ">3 Dec 2026</time>" in client.get(url + "?show=all").text


def test_the_migration_dates_deals_that_closed_before_it(cast, acme):
    migration = importlib.import_module("feature_requests.migrations.0007_deal_closed_at")
    rep = cast[Role.SALES_REP]
    dated = Deal.objects.create(
        customer=acme,
        name="Dated",
        amount=1,
        owner=rep,
        stage="closed_won",
        expected_close=dt.date(2026, 10, 5),
    )
    undated = Deal.objects.create(
        customer=acme, name="Undated", amount=1, owner=rep, stage="closed_lost"
    )
    open_deal = Deal.objects.create(
        customer=acme, name="Open", amount=1, owner=rep, expected_close=dt.date(2026, 10, 5)
    )
    migration.closed_deals_closed_at(apps, None)
    for deal in (dated, undated, open_deal):
        deal.refresh_from_db()
    assert dated.closed_at == dt.datetime(2026, 10, 5, 12, tzinfo=dt.UTC)
    assert undated.closed_at == undated.created_at
    assert open_deal.closed_at is None
