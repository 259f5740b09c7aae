"""What a person still holds that someone else should take over when they leave: their open
deals, their requests still waiting for a decision, the reps they manage.

Deals and requests live above people, so the app that owns them registers a provider (from its
`AppConfig.ready`, see `feature_requests/people.py`); people never imports it. What the lower
layers hold (the reps a leader manages, the company settings that name a person) is read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Role, User
from budgets.models import CompanySettings


@dataclass(frozen=True)
class OpenItem:
    """One thing to hand over, and where to do it."""

    group: str  # what kind of thing it is, e.g. "Open deals": the heading it is listed under
    label: str
    url: str  # the page where it can be given to someone else
    action: str  # the link's text, e.g. "Give it another owner"
    detail: str = ""


OpenItemsProvider = Callable[[User], Iterable[OpenItem]]
_providers: list[OpenItemsProvider] = []


def register_open_items(provider: OpenItemsProvider) -> OpenItemsProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def open_items_for(person: User) -> list[OpenItem]:
    """Everything `person` still holds, grouped in the order the providers list it.

    A bounded number of queries: one or two per provider, whatever the person holds.
    """
    items = [*_reports(person), *_company_roles(person)]
    for provider in _providers:
        items.extend(provider(person))
    return items


def _reports(person: User) -> list[OpenItem]:
    """The active reps who report to `person`: their requests go to this leader's triage."""
    reps = User.objects.filter(manager=person, is_active=True).order_by("full_name", "pk")
    return [
        OpenItem(
            group="Reps they manage",
            label=str(rep),
            url=reverse("people:person_detail", args=[rep.pk]),
            action="Give them another manager",
            detail=rep.email,
        )
        for rep in reps
    ]


def _company_roles(person: User) -> list[OpenItem]:
    """The places in the company settings that name `person` (the VPs of the weekly review)."""
    if person.role not in (Role.SALES_LEADER, Role.PRODUCT_LEADER):
        return []
    company = CompanySettings.objects.filter(pk=1).first()
    if company is None:
        return []
    items = []
    for field, title in (
        ("head_of_sales_id", "Head of sales"),
        ("head_of_product_id", "Head of product"),
    ):
        if getattr(company, field) == person.pk:
            items.append(
                OpenItem(
                    group="Company settings",
                    label=f"{title} of the weekly review",
                    url=reverse("budgets:settings"),
                    action="Name someone else",
                )
            )
    return items
