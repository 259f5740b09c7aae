"""Decisions written back to the CRM deals waiting on a request: a note per event on each
linked deal, the "Forcerank status" field, once per event however often it is tried."""

from __future__ import annotations

import pytest

from accounts.models import Role
from commitments.services import commitment_approve, commitment_drop, request_decline_by_product
from crm.models import Vendor, WriteBack
from crm.selectors import settings_for
from crm.writeback import write_back_attempt, write_backs_queue_due
from feature_requests.models import Customer, Deal, RequestDeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm_deal(connected, cast):
    """A deal the sync brought from the fake HubSpot."""
    company = connected.add_company("Acme Corp")
    deal_id = connected.add_deal("Renewal", company, 80_000)
    customer = Customer.objects.create(name="Acme Corp", external_id=company)
    return Deal.objects.create(
        customer=customer,
        name="Renewal",
        amount=80_000,
        owner=cast[Role.SALES_REP],
        external_id=deal_id,
    )


@pytest.fixture
def waiting(rank, crm_deal):
    """A ranked request of 8 points that the CRM deal waits on."""
    request = rank("Single sign-on", 8)
    RequestDeal.objects.create(request=request, deal=crm_deal)
    return request


def notes_on(fake, deal_id):
    return [
        note
        for note in fake.notes
        if any(str(a.get("to", {}).get("id")) == deal_id for a in note["associations"])
    ]


def test_a_commitment_is_written_to_the_deal_as_a_note_and_the_status_field(
    connected, crm_deal, waiting, product, deliver
):
    crm_settings = settings_for(Vendor.HUBSPOT)
    crm_settings.summary_field = "forcerank_status"
    crm_settings.save()

    commitment_approve(actor=product, request=waiting)
    deliver()

    notes = notes_on(connected, crm_deal.external_id)
    assert len(notes) == 1
    body = notes[0]["properties"]["hs_note_body"]
    assert "Single sign-on" in body and "committed" in body
    assert f"/requests/{waiting.pk}/" in body
    status = connected.deal(crm_deal.external_id)["forcerank_status"]
    assert status.startswith("Committed for") and "8 points" in status
    row = WriteBack.objects.get(deal=crm_deal)
    assert row.status == WriteBack.Status.SENT and row.remote_id == notes[0]["id"]


def test_a_decline_says_why_on_the_deal(connected, crm_deal, waiting, product, deliver):
    request_decline_by_product(actor=product, request=waiting, reason="Not this year")
    deliver()

    (note,) = notes_on(connected, crm_deal.external_id)
    assert "Declined by product: Not this year" in note["properties"]["hs_note_body"]


def test_a_drop_gives_its_cost_and_reason(connected, crm_deal, waiting, product, deliver):
    commitment = commitment_approve(actor=product, request=waiting)
    commitment_drop(actor=product, commitment=commitment, reason="Security review failed")
    deliver()

    bodies = [n["properties"]["hs_note_body"] for n in notes_on(connected, crm_deal.external_id)]
    dropped = [body for body in bodies if "Dropped from" in body]
    assert len(dropped) == 1
    assert "Security review failed" in dropped[0] and "cost the budget" in dropped[0]


def test_a_failed_write_is_retried_and_still_makes_one_note(
    connected, crm_deal, waiting, product, deliver, django_capture_on_commit_callbacks
):
    connected.fail("/crm/v3/objects/notes", 500, {"message": "boom"}, method="POST")

    commitment_approve(actor=product, request=waiting)
    deliver()

    row = WriteBack.objects.get(deal=crm_deal)
    assert row.status == WriteBack.Status.PENDING and row.attempts == 1
    assert "HubSpot" in row.last_error
    assert notes_on(connected, crm_deal.external_id) == []

    WriteBack.objects.filter(pk=row.pk).update(next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert write_backs_queue_due() == 1  # the beat sweep; eager, the attempt runs now
    row.refresh_from_db()
    assert row.status == WriteBack.Status.SENT
    assert write_back_attempt(write_back_id=row.pk) == "not due"  # sent: never twice
    assert len(notes_on(connected, crm_deal.external_id)) == 1


def test_an_attempt_whose_answer_was_lost_does_not_make_a_second_note(
    connected, crm_deal, waiting, product, deliver
):
    connected.fail("/crm/v3/objects/notes", 500, {"message": "boom"}, method="POST")
    commitment_approve(actor=product, request=waiting)
    deliver()
    row = WriteBack.objects.get(deal=crm_deal)
    # HubSpot saved the note of that attempt but the answer never came back.
    from crm.connection import provider

    saved_id = provider().write_note(
        deal_id=crm_deal.external_id, marker=row.marker, subject=row.subject, body=row.body
    )

    WriteBack.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert write_back_attempt(write_back_id=row.pk) == "sent"

    assert len(notes_on(connected, crm_deal.external_id)) == 1
    row.refresh_from_db()
    assert row.remote_id == saved_id


def test_an_event_delivered_twice_is_written_once(connected, crm_deal, waiting, product, deliver):
    from crm.writeback import write_backs_for
    from events.models import Event

    commitment_approve(actor=product, request=waiting)
    deliver()
    event = Event.objects.get(kind="commitment.approved")

    write_backs_for(event)  # the outbox offering it again

    assert WriteBack.objects.filter(event=event).count() == 1
    assert len(notes_on(connected, crm_deal.external_id)) == 1


def test_a_move_updates_the_status_field_only(connected, crm_deal, waiting, rank, cast, deliver):
    from feature_requests.ranking import ranking_move, ranking_version

    crm_settings = settings_for(Vendor.HUBSPOT)
    crm_settings.summary_field = "forcerank_status"
    crm_settings.save()
    above = rank("Above it", 8)
    deliver()
    notes_before = len(notes_on(connected, crm_deal.external_id))

    quarter = waiting.quarter
    ranking_move(
        actor=cast[Role.SALES_LEADER],
        quarter=quarter,
        request_id=waiting.pk,
        after_id=None,
        before_id=above.pk,
        version=ranking_version(quarter),
    )
    deliver()

    assert len(notes_on(connected, crm_deal.external_id)) == notes_before
    status = connected.deal(crm_deal.external_id)["forcerank_status"]
    assert status.startswith("Ranked #1 of 2") and "above the cut line" in status


def test_nothing_is_written_with_write_back_off_or_without_a_crm(
    settings, connected, crm_deal, waiting, product, deliver
):
    crm_settings = settings_for(Vendor.HUBSPOT)
    crm_settings.write_back = False
    crm_settings.save()

    commitment_approve(actor=product, request=waiting)
    deliver()

    assert WriteBack.objects.count() == 0
    assert connected.notes == []


def test_a_rate_limited_write_waits_for_retry_after(connected, crm_deal, waiting, product, deliver):
    from django.utils import timezone

    connected.fail(
        "/crm/v3/objects/notes",
        429,
        {"status": "error", "category": "RATE_LIMITS", "message": "slow down"},
        headers={"Retry-After": "30"},
    )
    commitment_approve(actor=product, request=waiting)
    deliver()

    row = WriteBack.objects.get(deal=crm_deal)
    assert row.status == WriteBack.Status.PENDING
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 20 < wait <= 30
    assert write_back_attempt(write_back_id=row.pk) == "not due"
