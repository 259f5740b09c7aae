"""Reads for the People page: who is here, how they sign in, what happened to them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from allauth.socialaccount.models import SocialAccount
from django.db.models import Q, QuerySet

from accounts.models import Role, User
from budgets.models import AuditEntry
from people.models import configured_provider_ids

ACTIVE = "active"
INACTIVE = "inactive"
LOCAL_SIGN_IN = "Password"  # the sign-in method
NOT_YET = "Not set up yet"  # invited: no password set, no SSO sign-in yet


def person_list(*, search: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    """Everyone, by name, with their manager (one query per page, however many people).

    `search` matches every word in the name or the e-mail address; `role` is a Role value;
    `status` is ACTIVE or INACTIVE (anything else: both).
    """
    people = User.objects.select_related("manager")
    for word in search.split():
        people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    if role in Role.values:
        people = people.filter(role=role)
    if status == ACTIVE:
        people = people.filter(is_active=True)
    elif status == INACTIVE:
        people = people.filter(is_active=False)
    return people.order_by("full_name", "pk")


def sign_in_methods(people: Iterable[User]) -> dict[int, str]:
    """How each of `people` signs in: "Password", the names of their SSO providers, both, or
    NOT_YET for someone invited who has neither set a password nor used SSO.

    One query for all their SSO identities; the providers' names come from the settings.
    """
    people = list(people)
    providers: dict[int, list[str]] = {}
    for user_id, provider in (
        SocialAccount.objects.filter(user_id__in=[person.pk for person in people])
        .order_by("pk")
        .values_list("user_id", "provider")
    ):
        providers.setdefault(user_id, []).append(provider)
    names = configured_provider_ids() if providers else {}
    methods = {}
    for person in people:
        ways = [LOCAL_SIGN_IN] if person.has_usable_password() else []
        ways.extend(names.get(provider, provider) for provider in providers.get(person.pk, []))
        methods[person.pk] = ", ".join(dict.fromkeys(ways)) or NOT_YET
    return methods


def sign_in_method(person: User) -> str:
    """How one person signs in (see `sign_in_methods`)."""
    return sign_in_methods([person])[person.pk]


def person_history(*, person: User) -> QuerySet[AuditEntry]:
    """The audit trail's entries about `person`, newest first."""
    return AuditEntry.objects.filter(person=person).select_related("actor").order_by("-at", "-id")


CHANGE_LABELS = {"full_name": "name", "email": "e-mail", "is_active": "status"}


class HistoryRow(NamedTuple):
    entry: AuditEntry
    changes: list[tuple[str, str, str]]  # (what, from, to), as people read them


def _readable(name: str, value: object) -> str:
    if value is None or value == "":
        return "(none)"
    if name == "role" and value in Role.values:
        return str(Role(value).label)
    if name == "is_active" and isinstance(value, bool):
        return "active" if value else "deactivated"
    return str(value)


def history_rows(entries: Iterable[AuditEntry]) -> list[HistoryRow]:
    """The entries with their changes in words: roles by their names, "active" or
    "deactivated" rather than true or false."""
    rows = []
    for entry in entries:
        changes = []
        for name, (old, new) in entry.changes.items():
            label = CHANGE_LABELS.get(name, name.replace("_", " "))
            changes.append((label, _readable(name, old), _readable(name, new)))
        rows.append(HistoryRow(entry, changes))
    return rows


def manager_choices(*, current: User | None = None) -> QuerySet[User]:
    """The sales leaders a rep may report to: the active ones, and the rep's current manager
    even if no longer active (so that saving another change does not force a new one)."""
    leaders = Q(role=Role.SALES_LEADER, is_active=True)
    if current is not None:
        leaders |= Q(pk=current.pk)
    return User.objects.filter(leaders).order_by("full_name", "pk")
