"""Reads of the CRM pages and of the sync: settings, runs and write-backs."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.models import CrmSettings, SyncRun, Vendor, WriteBack


def default_stage_map(vendor: Vendor) -> dict[str, str]:
    """The CRM's standard stages mapped onto Forcerank's (the providers know them)."""
    from crm.providers import hubspot, salesforce  # the vendors' clients load when needed

    chosen = hubspot if vendor == Vendor.HUBSPOT else salesforce
    return dict(chosen.DEFAULT_STAGE_MAP)


def settings_for(vendor: Vendor) -> CrmSettings:
    """The CRM's settings; made with its standard stage mapping the first time."""
    crm_settings, _ = CrmSettings.objects.select_related("default_owner").get_or_create(
        vendor=vendor, defaults={"stage_map": default_stage_map(vendor)}
    )
    return crm_settings


def sync_runs(vendor: Vendor) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(vendor=vendor).select_related("requested_by")


def last_run(vendor: Vendor) -> SyncRun | None:
    return sync_runs(vendor).first()


def write_backs(vendor: Vendor) -> QuerySet[WriteBack]:
    return WriteBack.objects.filter(vendor=vendor).select_related("deal", "deal__customer", "event")
