"""The sync against a fake HubSpot over HTTP: what arrives, what is matched, what a failure
leaves behind, and where the next sync resumes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from crm import sync as crm_sync
from crm.models import CrmSettings, SyncCursor, SyncRun, Vendor
from crm.selectors import settings_for
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(db):
    crm_settings = settings_for(Vendor.HUBSPOT)
    crm_settings.arr_field = "annualrevenue"
    crm_settings.segment_field = "forcerank_segment"
    crm_settings.save()
    return crm_settings


def seed(hubspot, rep_email="rita.rep@example.com"):
    acme = hubspot.add_company("Acme Corp", arr=120_000, segment="Enterprise")
    globex = hubspot.add_company("Globex", arr=45_000, segment="SMB")
    renewal = hubspot.add_deal(
        "Renewal",
        acme,
        80_000,
        stage="contractsent",
        close_date=dt.date(2027, 1, 15),
        owner_email=rep_email,
    )
    expansion = hubspot.add_deal("Expansion", globex, 30_000, owner_email=rep_email)
    return acme, globex, renewal, expansion


def test_a_first_sync_brings_companies_and_deals(connected, sync, mapped, crm_rep):
    acme, _, renewal, _ = seed(connected)

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert (run.created, run.updated, run.skipped, run.deleted) == (4, 0, 0, 0)
    customer = Customer.objects.get(external_id=acme)
    assert (customer.name, customer.arr, customer.segment) == ("Acme Corp", 120_000, "enterprise")
    assert customer.crm_url == f"https://app.hubspot.com/contacts/12345678/record/0-2/{acme}"
    deal = Deal.objects.get(external_id=renewal)
    assert (deal.customer, deal.name, deal.amount) == (customer, "Renewal", 80_000)
    assert deal.stage == Deal.Stage.NEGOTIATION  # contractsent, by the default mapping
    assert deal.expected_close == dt.date(2027, 1, 15)
    assert deal.owner == crm_rep
    assert deal.closed_at is None


def test_the_next_sync_brings_only_what_changed(connected, sync, mapped, crm_rep):
    _, _, renewal, expansion = seed(connected)
    sync()

    unchanged = sync()
    assert (unchanged.created, unchanged.updated, unchanged.deleted) == (0, 0, 0)

    connected.update("deals", renewal, amount="95000")
    run = sync()

    assert (run.created, run.updated) == (0, 1)
    assert Deal.objects.get(external_id=renewal).amount == 95_000
    assert Deal.objects.get(external_id=expansion).amount == 30_000
    assert Deal.objects.count() == 2


def test_a_deal_closing_won_in_the_crm_is_recorded(connected, sync, mapped, crm_rep):
    _, _, renewal, _ = seed(connected)
    sync()

    connected.update("deals", renewal, dealstage="closedwon")
    sync()

    deal = Deal.objects.get(external_id=renewal)
    assert deal.stage == Deal.Stage.CLOSED_WON
    assert deal.closed_at is not None


def test_an_unmapped_stage_falls_back_on_won_or_lost_and_is_listed(
    connected, sync, mapped, crm_rep
):
    acme = connected.add_company("Acme Corp")
    lost = connected.add_deal("Lost one", acme, 10, stage="custom_lost", owner_email=crm_rep.email)
    connected.update("deals", lost, hs_is_closed="true", hs_is_closed_won="false")
    open_deal = connected.add_deal("Odd", acme, 10, stage="custom_open", owner_email=crm_rep.email)

    sync()

    assert Deal.objects.get(external_id=lost).stage == Deal.Stage.CLOSED_LOST
    assert Deal.objects.get(external_id=open_deal).stage == Deal.Stage.DISCOVERY
    assert set(CrmSettings.objects.get().stages_seen) == {"custom_lost", "custom_open"}


def test_a_customer_and_deal_imported_by_csv_are_matched_not_duplicated(
    connected, sync, mapped, crm_rep
):
    imported = Customer.objects.create(name="ACME corp", arr=1)  # stored clean, as the import does
    deal = Deal.objects.create(customer=imported, name="renewal", amount=5, owner=crm_rep)
    acme, _, renewal, _ = seed(connected)

    sync()

    assert Customer.objects.filter(name__iexact="acme corp").count() == 1
    imported.refresh_from_db()
    deal.refresh_from_db()
    assert (imported.external_id, imported.name, imported.arr) == (acme, "Acme Corp", 120_000)
    assert (deal.external_id, deal.amount) == (renewal, 80_000)


def test_a_deal_whose_owner_is_no_rep_is_skipped_with_the_reason_or_given_the_default_owner(
    connected, sync, mapped, crm_rep
):
    acme = connected.add_company("Acme Corp")
    orphan = connected.add_deal("Orphan", acme, 10, owner_email="stranger@elsewhere.example")

    first = sync()

    assert first.skipped == 1
    assert not Deal.objects.filter(external_id=orphan).exists()
    assert first.problems[0]["record"] == f"Deal {orphan} “Orphan”"
    assert "stranger@elsewhere.example" in first.problems[0]["reason"]
    assert "no default owner" in first.problems[0]["reason"]

    mapped.default_owner = crm_rep
    mapped.save()
    connected.update("deals", orphan, amount="11")
    sync()

    assert Deal.objects.get(external_id=orphan).owner == crm_rep


def test_two_crm_deals_of_one_name_are_both_kept(connected, sync, mapped, crm_rep):
    acme = connected.add_company("Acme Corp")
    first = connected.add_deal("Renewal", acme, 10, owner_email=crm_rep.email)
    second = connected.add_deal("Renewal", acme, 20, owner_email=crm_rep.email)

    sync()
    sync()  # and nothing changes the second time

    names = dict(Deal.objects.values_list("external_id", "name"))
    assert names == {first: "Renewal", second: f"Renewal ({second})"}


def test_deleted_deals_go_unless_requests_wait_on_them(connected, sync, mapped, crm_rep):
    _, _, renewal, expansion = seed(connected)
    sync()
    waited_on = Deal.objects.get(external_id=renewal)
    request = FeatureRequest.objects.create(title="SSO", problem="p", submitted_by=crm_rep)
    RequestDeal.objects.create(request=request, deal=waited_on)

    connected.archive("deals", renewal)
    connected.archive("deals", expansion)
    run = sync()

    assert not Deal.objects.filter(external_id=expansion).exists()
    waited_on.refresh_from_db()
    assert waited_on.external_id is None and waited_on.amount == 80_000
    assert run.deleted == 2
    assert any("requests wait on it" in problem["reason"] for problem in run.problems)


def test_merged_companies_bring_their_deals_to_the_survivor(connected, sync, mapped, crm_rep):
    acme, globex, _, expansion = seed(connected)
    sync()

    connected.merge("companies", acme, globex)
    sync()

    survivor = Customer.objects.get(external_id=acme)
    assert Deal.objects.get(external_id=expansion).customer == survivor
    assert not Customer.objects.filter(name="Globex").exists()


def test_merged_deals_hand_their_requests_to_the_survivor(connected, sync, mapped, crm_rep):
    _, _, renewal, _ = seed(connected)
    duplicate = connected.add_deal(
        "Renewal again", connected.deal_company[renewal], 5, owner_email=crm_rep.email
    )
    sync()
    request = FeatureRequest.objects.create(title="SSO", problem="p", submitted_by=crm_rep)
    RequestDeal.objects.create(request=request, deal=Deal.objects.get(external_id=duplicate))

    connected.merge("deals", renewal, duplicate)
    sync()

    assert not Deal.objects.filter(external_id=duplicate).exists()
    link = RequestDeal.objects.get(request=request)
    assert link.deal.external_id == renewal


def test_a_failure_keeps_every_record_and_says_why(connected, sync, mapped, crm_rep):
    _, _, renewal, _ = seed(connected)
    sync()
    connected.update("deals", renewal, amount=None, dealname="Renamed")
    connected.fail("/crm/v3/objects/deals/search", 401, {"message": "expired"}, times=10)

    run = sync()

    assert run.status == SyncRun.Status.FAILED
    assert "HUBSPOT_ACCESS_TOKEN" in run.message
    deal = Deal.objects.get(external_id=renewal)
    assert (deal.name, deal.amount) == ("Renewal", 80_000)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (500, {"message": "internal error"}, "HubSpot"),
        (200, b"{not json", "not the JSON"),
    ],
)
def test_a_broken_answer_fails_the_sync_with_a_reason(
    connected, sync, mapped, crm_rep, status, body, words
):
    seed(connected)
    connected.fail("/crm/v3/objects/companies/search", status, body, times=10)

    run = sync()

    assert run.status == SyncRun.Status.FAILED
    assert words in run.message
    assert Customer.objects.count() == 0


def test_an_empty_crm_field_never_blanks_forcerank(connected, sync, mapped, crm_rep):
    acme, _, renewal, _ = seed(connected)
    sync()

    connected.update("companies", acme, annualrevenue=None, forcerank_segment=None)
    connected.update("deals", renewal, amount=None, closedate=None)
    sync()

    customer = Customer.objects.get(external_id=acme)
    assert (customer.arr, customer.segment) == (120_000, "enterprise")
    deal = Deal.objects.get(external_id=renewal)
    assert (deal.amount, deal.expected_close) == (80_000, dt.date(2027, 1, 15))


def test_rate_limits_are_waited_out_and_the_sync_goes_on(connected, sync, mapped, crm_rep):
    seed(connected)
    connected.fail(
        "/crm/v3/objects/deals/search",
        429,
        {"status": "error", "category": "RATE_LIMITS", "message": "You have reached your limit."},
        headers={"Retry-After": "1"},
        times=2,
    )
    waits: list[float] = []

    run = sync(sleep=waits.append)

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert waits == [1.0, 1.0]
    assert Deal.objects.count() == 2


def test_a_rate_limit_longer_than_the_sync_waits_stops_it_to_resume_later(
    connected, sync, mapped, crm_rep
):
    seed(connected)
    connected.fail(
        "/crm/v3/objects/deals/search",
        429,
        {"status": "error", "category": "RATE_LIMITS", "message": "Daily limit."},
        headers={"Retry-After": "3600"},
    )

    run = sync(sleep=lambda seconds: None)

    assert run.status == SyncRun.Status.FAILED
    assert Customer.objects.count() == 2  # the companies' pages were saved
    assert sync().status == SyncRun.Status.SUCCEEDED
    assert Deal.objects.count() == 2


def test_a_sync_stopped_on_page_3_resumes_there_without_duplicates(
    connected, sync, mapped, crm_rep, monkeypatch
):
    acme = connected.add_company("Acme Corp")
    connected.add_deals(250, company_id=acme, owner_email=crm_rep.email)
    real_apply = crm_sync._apply_deals
    calls = {"n": 0}

    def apply_failing_on_page_3(page, crm_settings):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("the database went away")
        return real_apply(page, crm_settings)

    monkeypatch.setattr(crm_sync, "_apply_deals", apply_failing_on_page_3)
    failed = sync()

    assert failed.status == SyncRun.Status.FAILED
    assert "OperationalError" in failed.message
    assert Deal.objects.count() == 200  # pages 1 and 2 committed, page 3 rolled back
    fetched_before = len(connected.requests_to("/crm/v3/objects/deals/search"))

    monkeypatch.setattr(crm_sync, "_apply_deals", real_apply)
    resumed = sync()

    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert Deal.objects.count() == 250
    assert Deal.objects.values("external_id").distinct().count() == 250
    # It started from page 3, not from the first page again.
    assert resumed.created == 50
    fetched = len(connected.requests_to("/crm/v3/objects/deals/search")) - fetched_before
    assert fetched == 1


def test_a_second_start_while_one_runs_gets_the_running_one(db, connected):
    from crm.sync import sync_start

    first, started = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
    again, started_again = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.SCHEDULED)

    assert (started, started_again) == (True, False)
    assert again.pk == first.pk
    assert SyncRun.objects.count() == 1


def test_a_run_whose_worker_died_is_closed_by_the_next_start(db, connected):
    from django.utils import timezone

    from crm.sync import STALE_AFTER, sync_start

    dead, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
    SyncRun.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=1)
    )

    fresh, started = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)

    assert started and fresh.pk != dead.pk
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED
    assert "Stopped without finishing" in dead.message


@pytest.mark.django_db(transaction=True)
def test_two_sync_now_presses_at_once_start_one_sync(postgres, connected, run_together, make_user):
    from crm import services

    admins = [make_user(Role.ADMIN), make_user(Role.ADMIN)]
    results = run_together(
        *(lambda admin=admin: services.sync_now(actor=admin) for admin in admins)
    )

    assert not any(isinstance(result, Exception) for result in results), results
    assert sorted(started for _, started in results) == [False, True]  # type: ignore[union-attr]
    assert SyncRun.objects.count() == 1


def test_queries_per_page_do_not_grow_with_the_page_number(connected, sync, mapped, crm_rep):
    acme = connected.add_company("Acme Corp")
    sync()
    per_run = []
    for pages in (1, 3, 5):
        SyncCursor.objects.all().delete()
        Deal.objects.all().delete()
        connected.objects["deals"].clear()
        connected.add_deals(100 * pages, company_id=acme, owner_email=crm_rep.email)
        with CaptureQueriesContext(connection) as queries:
            run = sync()
        assert run.created == 100 * pages
        per_run.append(len(queries))

    one, three, five = per_run
    assert three - one == five - three  # each further page costs the same
    assert (three - one) / 2 <= 20


def test_bad_records_are_skipped_with_a_reason_and_the_rest_synced(
    connected, sync, mapped, crm_rep
):
    acme = connected.add_company("Acme Corp")
    huge = connected.add_deal("Huge", acme, 10**20, owner_email=crm_rep.email)
    odd = connected.add_deal("Odd\x00name\tthere", acme, 10, owner_email=crm_rep.email)
    fine = connected.add_deal("Fine", acme, 20, owner_email=crm_rep.email)

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert not Deal.objects.filter(external_id=huge).exists()
    assert "too large" in run.problems[0]["reason"]
    assert Deal.objects.get(external_id=odd).name == "Odd name there"
    assert Deal.objects.get(external_id=fine).amount == 20


def test_a_record_the_database_refuses_is_skipped_not_the_page(connected, sync, mapped, crm_rep):
    acme = connected.add_company("Acme Corp")
    sync()
    customer = Customer.objects.get(external_id=acme)
    Deal.objects.create(customer=customer, name="Renewal", amount=1, owner=crm_rep, external_id="z")
    clash = connected.add_deal("Renewal", acme, 10, owner_email=crm_rep.email)
    # The name it would get to tell it apart from the other "Renewal" is taken too.
    Deal.objects.create(customer=customer, name=f"Renewal ({clash})", amount=1, owner=crm_rep)
    other = connected.add_deal("Expansion", acme, 30, owner_email=crm_rep.email)

    run = sync()

    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert (run.created, run.skipped) == (1, 1)
    assert "could not store it" in run.problems[0]["reason"]
    assert Deal.objects.get(external_id=other).amount == 30


def test_a_sync_taken_over_by_another_worker_stops_without_writing(connected, mapped, crm_rep):
    from crm.connection import provider
    from crm.sync import sync_run, sync_start

    acme = connected.add_company("Acme Corp")
    connected.add_deal("Renewal", acme, 10, owner_email=crm_rep.email)
    started, _ = sync_start(vendor=Vendor.HUBSPOT, trigger=SyncRun.Trigger.MANUAL)
    crm = provider()
    fetch = crm.deals_page

    def deals_page(cursor, mapping):
        page = fetch(cursor, mapping)
        # Meanwhile the task was delivered again and another worker claimed the run.
        SyncRun.objects.filter(pk=started.pk).update(claim="another-worker")
        return page

    crm.deals_page = deals_page
    run = sync_run(run_id=started.pk, provider=crm)

    assert run.status == SyncRun.Status.RUNNING  # the other worker finishes it
    assert Deal.objects.count() == 0
    assert Customer.objects.count() == 1  # the pages before the takeover stay
