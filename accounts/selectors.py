from __future__ import annotations

from typing import TypedDict

from django.db.models import Count, QuerySet

from accounts.models import Role, User


def user_team(*, leader: User) -> QuerySet[User]:
    """The active sales reps who report to `leader`."""
    return leader.reports.filter(is_active=True, role=Role.SALES_REP).order_by("full_name")


class RoleCount(TypedDict):
    role: str  # the role's label
    count: int


def user_counts_by_role() -> list[RoleCount]:
    counts = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")).order_by()
    )
    return [{"role": role.label, "count": counts.get(role.value, 0)} for role in Role]
