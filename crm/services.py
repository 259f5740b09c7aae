"""What admins do on the CRM page (sync now, test the connection, change the mapping) and
what the schedule does; each checks permission, then leaves the work to `crm.sync`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from accounts.permissions import Action, require
from config.celery import QueueUnavailable, enqueue
from crm.connection import configured_vendor, missing_credentials, provider
from crm.models import CrmSettings, SyncRun, Vendor
from crm.providers.base import CrmError
from crm.selectors import settings_for
from crm.sync import STAGES, sync_run, sync_start


class NotConnected(Exception):
    """No CRM credentials in the environment; str() says what to set."""


def _vendor() -> Vendor:
    vendor = configured_vendor()
    if vendor is None:
        raise NotConnected(missing_credentials())
    return vendor


def sync_now(*, actor: User) -> tuple[SyncRun, bool]:
    """Start a sync (True), or give back the one running (False). The sync runs on the
    worker; without a broker (the embedded setup) it runs before this returns."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    run, started = sync_start(vendor=_vendor(), trigger=SyncRun.Trigger.MANUAL, actor=actor)
    if started:
        try:
            enqueue("crm.tasks.sync", run.pk)
        except QueueUnavailable:
            SyncRun.objects.filter(pk=run.pk).update(
                status=SyncRun.Status.FAILED,
                message="The task queue is down, so the sync could not start. Try again in a "
                "minute; the schedule also retries.",
            )
        run.refresh_from_db()  # without a broker it has run already
    return run, started


def sync_continue(*, run_id: int) -> str:
    """The worker's part: run the sync against the connected CRM."""
    run = SyncRun.objects.get(pk=run_id)
    crm = provider(Vendor(run.vendor))
    if crm is None:
        SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.FAILED, message=missing_credentials()
        )
        return "not connected"
    return sync_run(run_id=run_id, provider=crm).status


def sync_scheduled() -> str:
    vendor = configured_vendor()
    if vendor is None:
        return "no CRM"
    run, started = sync_start(vendor=vendor, trigger=SyncRun.Trigger.SCHEDULED)
    if not started:
        return "a sync is running"
    return sync_continue(run_id=run.pk)


def connection_test(*, actor: User) -> tuple[bool, str]:
    """(worked, a sentence for the admin)."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    vendor = configured_vendor()
    crm = provider(vendor) if vendor else None
    if crm is None:
        return False, missing_credentials()
    try:
        return True, crm.test_connection()
    except CrmError as error:
        return False, str(error)


@transaction.atomic
def settings_update(
    *, actor: User, vendor: Vendor, stage_map: dict[str, str], **values: Any
) -> CrmSettings:
    """Change the mapping: fields, stages, the default owner, write-back on or off."""
    require(actor, Action.MANAGE_INTEGRATIONS)
    unknown = set(values) - {
        "arr_field",
        "segment_field",
        "summary_field",
        "default_owner",
        "write_back",
    }
    if unknown:
        raise TypeError(f"settings_update does not change {sorted(unknown)}")
    bad = {crm_stage: stage for crm_stage, stage in stage_map.items() if stage not in STAGES}
    if bad:
        raise ValidationError(
            {"stage_map": f"Unknown Forcerank stages: {sorted(set(bad.values()))}"}
        )
    owner = values.get("default_owner")
    if owner is not None and (owner.role != Role.SALES_REP or not owner.is_active):
        raise ValidationError({"default_owner": "The default owner must be an active sales rep."})
    crm_settings = CrmSettings.objects.select_for_update().get(pk=settings_for(vendor).pk)
    for name, value in values.items():
        setattr(crm_settings, name, value)
    crm_settings.stage_map = stage_map
    crm_settings.stages_seen = [s for s in crm_settings.stages_seen if s not in stage_map]
    crm_settings.full_clean()
    crm_settings.save()
    return crm_settings
