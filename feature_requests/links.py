"""Addresses of Forcerank pages that other systems link to."""

from __future__ import annotations

from django.urls import reverse


def deal_request_path(external_id: str) -> str:
    """The path a CRM shows on a deal to submit a request for it: the deal is found by its
    CRM id (`Deal.external_id`), so the CRM needs no Forcerank number. Prefix the site's
    address for a link outside Forcerank."""
    return reverse("requests:deal_request", args=[external_id])
