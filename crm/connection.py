"""Which CRM is connected, from the environment: the provider the sync and the write-back use.

HubSpot: HUBSPOT_ACCESS_TOKEN (a private app's token). Salesforce: SALESFORCE_DOMAIN and
SALESFORCE_CLIENT_ID with SALESFORCE_CLIENT_SECRET (client credentials) or SALESFORCE_USERNAME
and SALESFORCE_PRIVATE_KEY (JWT bearer). Without any, no CRM is connected and Forcerank runs on
its own data (the CSV import, the forms, the API).
"""

from __future__ import annotations

from django.conf import settings

from crm.models import Vendor
from crm.providers.base import Provider


def configured_vendor() -> Vendor | None:
    """The CRM whose credentials are set (CRM_PROVIDER decides when both are)."""
    hubspot = bool(settings.HUBSPOT_ACCESS_TOKEN)
    salesforce = bool(
        settings.SALESFORCE_DOMAIN
        and settings.SALESFORCE_CLIENT_ID
        and (
            settings.SALESFORCE_CLIENT_SECRET
            or (settings.SALESFORCE_USERNAME and settings.SALESFORCE_PRIVATE_KEY)
        )
    )
    chosen = settings.CRM_PROVIDER.strip().lower()
    if chosen == Vendor.HUBSPOT and hubspot:
        return Vendor.HUBSPOT
    if chosen == Vendor.SALESFORCE and salesforce:
        return Vendor.SALESFORCE
    if chosen:
        return None  # asked for one whose credentials are missing: say so, don't guess
    if hubspot:
        return Vendor.HUBSPOT
    if salesforce:
        return Vendor.SALESFORCE
    return None


def missing_credentials() -> str:
    """What to set, in a sentence, when no CRM is connected."""
    chosen = settings.CRM_PROVIDER.strip().lower()
    if chosen == Vendor.HUBSPOT:
        return "CRM_PROVIDER is hubspot but HUBSPOT_ACCESS_TOKEN is not set."
    if chosen == Vendor.SALESFORCE:
        return (
            "CRM_PROVIDER is salesforce but SALESFORCE_DOMAIN, SALESFORCE_CLIENT_ID and "
            "SALESFORCE_CLIENT_SECRET (or SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY) "
            "are not all set."
        )
    if chosen:
        return f"CRM_PROVIDER is {chosen!r}: use hubspot or salesforce."
    return (
        "No CRM is connected: set HUBSPOT_ACCESS_TOKEN, or the SALESFORCE_* variables, in the "
        "environment (README, “Connect your CRM”)."
    )


def provider(vendor: Vendor | None = None) -> Provider | None:
    """A provider for the configured CRM (a new client each time: credentials may change)."""
    vendor = vendor or configured_vendor()
    if vendor == Vendor.HUBSPOT:
        from crm.providers.hubspot import HubSpotProvider

        return HubSpotProvider(
            access_token=settings.HUBSPOT_ACCESS_TOKEN,
            api_url=settings.HUBSPOT_API_URL,
            portal_id=settings.HUBSPOT_PORTAL_ID,
        )
    if vendor == Vendor.SALESFORCE:
        from crm.providers.salesforce import SalesforceProvider

        return SalesforceProvider(
            domain=settings.SALESFORCE_DOMAIN,
            client_id=settings.SALESFORCE_CLIENT_ID,
            client_secret=settings.SALESFORCE_CLIENT_SECRET,
            username=settings.SALESFORCE_USERNAME,
            private_key=settings.SALESFORCE_PRIVATE_KEY,
            api_url=settings.SALESFORCE_API_URL,
        )
    return None
