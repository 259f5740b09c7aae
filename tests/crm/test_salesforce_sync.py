"""The same sync and write-back against a fake Salesforce (simple-salesforce, client credentials
over HTTP on 127.0.0.1): accounts and opportunities in, a completed Task out, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from accounts.models import Role
from commitments.services import commitment_approve
from crm.fakes.salesforce import FakeSalesforce
from crm.models import SyncRun, Vendor
from crm.selectors import settings_for
from crm.sync import sync_run, sync_start
from feature_requests.models import Customer, Deal, RequestDeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def salesforce(settings) -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce()
    fake.start()
    settings.CRM_PROVIDER = ""
    settings.HUBSPOT_ACCESS_TOKEN = ""
    settings.SALESFORCE_DOMAIN = "acme.my"
    settings.SALESFORCE_CLIENT_ID = fake.client_id
    settings.SALESFORCE_CLIENT_SECRET = fake.client_secret
    settings.SALESFORCE_API_URL = fake.url
    yield fake
    fake.stop()


def sync() -> SyncRun:
    from crm.connection import provider

    started, _ = sync_start(vendor=Vendor.SALESFORCE, trigger=SyncRun.Trigger.MANUAL)
    return sync_run(run_id=started.pk, provider=provider())


def test_accounts_and_opportunities_become_customers_and_deals(salesforce, crm_rep):
    crm_settings = settings_for(Vendor.SALESFORCE)
    crm_settings.arr_field = "ARR__c"
    crm_settings.segment_field = "Segment__c"
    crm_settings.save()
    account = salesforce.add_account(name="Acme Corp", arr=250_000, segment="Mid-Market")
    won = salesforce.add_opportunity(
        account_id=account,
        name="Renewal",
        amount=90_000,
        stage="Closed Won",
        close_date=dt.date(2026, 12, 1),
        owner_email=crm_rep.email,
    )
    open_one = salesforce.add_opportunity(
        account_id=account,
        name="Expansion",
        amount=40_000,
        stage="Negotiation/Review",
        owner_email=crm_rep.email,
    )

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    customer = Customer.objects.get(external_id=account)
    assert (customer.name, customer.arr, customer.segment) == ("Acme Corp", 250_000, "mid_market")
    renewal = Deal.objects.get(external_id=won)
    assert (renewal.stage, renewal.amount, renewal.owner) == ("closed_won", 90_000, crm_rep)
    assert renewal.closed_at is not None
    assert Deal.objects.get(external_id=open_one).stage == "negotiation"

    salesforce.update(open_one, Amount=55_000)
    salesforce.delete(won)
    again = sync()

    assert (again.updated, again.deleted) == (1, 1)
    assert Deal.objects.get(external_id=open_one).amount == 55_000
    assert not Deal.objects.filter(external_id=won).exists()


def test_a_commitment_becomes_one_completed_task_on_the_opportunity(
    salesforce, crm_rep, rank, cast, deliver
):
    account = salesforce.add_account(name="Acme Corp")
    opportunity = salesforce.add_opportunity(
        account_id=account, name="Renewal", amount=90_000, owner_email=crm_rep.email
    )
    sync()
    request = rank("Audit log", 5)
    RequestDeal.objects.create(request=request, deal=Deal.objects.get(external_id=opportunity))

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)
    deliver()
    deliver()  # delivered twice: still one task

    tasks = [task for task in salesforce.tasks if task["WhatId"] == opportunity]
    assert len(tasks) == 1
    assert tasks[0]["Status"] == "Completed" and "committed" in tasks[0]["Subject"]
