"""End to end through Redis and a real Celery worker: Sync now queues the sync, the worker runs
it while the page polls its progress, and a decision reaches the CRM deal once."""

from __future__ import annotations

import time

import pytest

from accounts.models import Role
from commitments.services import commitment_approve
from crm import services
from crm.models import SyncRun, WriteBack
from feature_requests.models import Deal, RequestDeal

pytestmark = pytest.mark.celery_worker


def test_sync_now_runs_on_the_worker_and_a_decision_is_written_back_once(
    celery_worker, postgres, connected, crm_rep, cast, rank, client, wait_for
):
    company = connected.add_company("Acme Corp")
    connected.add_deals(250, company_id=company, owner_email=crm_rep.email)

    run, started = services.sync_now(actor=cast[Role.ADMIN])

    assert started
    client.force_login(cast[Role.ADMIN])
    assert wait_for(lambda: SyncRun.objects.get(pk=run.pk).status != SyncRun.Status.RUNNING)
    run.refresh_from_db()
    assert (run.status, run.created) == (SyncRun.Status.SUCCEEDED, 251)
    assert run.pages >= 3  # 100 deals a page, each saved with its cursor
    page = client.get(
        f"/integrations/crm/syncs/{run.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert 'data-status="succeeded"' in page and "every 1s" not in page

    deal = Deal.objects.get(name="Deal 1")
    request = rank("Audit log", 5)
    RequestDeal.objects.create(request=request, deal=deal)
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)

    assert wait_for(lambda: WriteBack.objects.filter(status=WriteBack.Status.SENT).exists())
    time.sleep(0.5)
    notes = [
        note
        for note in connected.notes
        if any(str(a["to"]["id"]) == deal.external_id for a in note["associations"])
    ]
    assert len(notes) == 1 and "committed" in notes[0]["properties"]["hs_note_body"]
