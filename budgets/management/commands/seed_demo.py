"""`manage.py seed_demo`: the demo company "Acme Analytics", its people and two quarters.

Safe to run again: users are matched by e-mail and quarters by label, so a second run
changes nothing (a password or a quarter's capacity that someone changed is kept).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Role, User
from budgets.models import CompanySettings, Quarter

DEMO_COMPANY_NAME = "Acme Analytics"
DEMO_PASSWORD = "forcerank-demo"  # noqa: S105 - a published demo password, not a secret
DEMO_SALES_SHARE_PERCENT = Decimal("10.0")
CURRENT_QUARTER_CAPACITY = 400
NEXT_QUARTER_CAPACITY = 420


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    manager_email: str | None = None


# Sales leaders come before the reps who report to them: a rep needs a saved manager.
DEMO_USERS: list[DemoUser] = [
    DemoUser("admin@example.com", "Alex Admin", Role.ADMIN),
    DemoUser("vp.sales@example.com", "Valerie Sales", Role.SALES_LEADER),
    DemoUser("manager.east@example.com", "Ethan East", Role.SALES_LEADER),
    DemoUser("manager.west@example.com", "Wendy West", Role.SALES_LEADER),
    DemoUser("rep.east1@example.com", "Riley Evans", Role.SALES_REP, "manager.east@example.com"),
    DemoUser("rep.east2@example.com", "Sam Ellis", Role.SALES_REP, "manager.east@example.com"),
    DemoUser("rep.east3@example.com", "Jordan Eaton", Role.SALES_REP, "manager.east@example.com"),
    DemoUser("rep.west1@example.com", "Taylor Walsh", Role.SALES_REP, "manager.west@example.com"),
    DemoUser("rep.west2@example.com", "Morgan Wade", Role.SALES_REP, "manager.west@example.com"),
    DemoUser("rep.west3@example.com", "Casey Ward", Role.SALES_REP, "manager.west@example.com"),
    DemoUser("vp.product@example.com", "Victor Product", Role.PRODUCT_LEADER),
    DemoUser("pm1@example.com", "Priya Patel", Role.PRODUCT_MANAGER),
    DemoUser("pm2@example.com", "Paul Mendes", Role.PRODUCT_MANAGER),
    DemoUser("pm3@example.com", "Pia Moreno", Role.PRODUCT_MANAGER),
]

HEAD_OF_SALES_EMAIL = "vp.sales@example.com"
HEAD_OF_PRODUCT_EMAIL = "vp.product@example.com"


def calendar_quarter(day: dt.date) -> tuple[str, dt.date, dt.date]:
    """The calendar quarter containing `day`: (label such as "2026-Q4", first day, last day)."""
    number = (day.month - 1) // 3 + 1
    start = dt.date(day.year, 3 * number - 2, 1)
    if number == 4:
        end = dt.date(day.year, 12, 31)
    else:
        end = dt.date(day.year, 3 * number + 1, 1) - dt.timedelta(days=1)
    return f"{day.year}-Q{number}", start, end


def _upsert_user(demo: DemoUser) -> tuple[User, bool]:
    """Create the user with the demo password, or bring an existing one back to the demo
    name, role and manager (leaving the password alone)."""
    user = User.objects.filter(email=demo.email).first()
    created = user is None
    if user is None:
        user = User(email=demo.email)
        user.set_password(DEMO_PASSWORD)
    user.full_name = demo.full_name
    user.role = demo.role
    user.manager = (
        User.objects.get(email=demo.manager_email) if demo.manager_email is not None else None
    )
    user.full_clean()
    user.save()
    return user, created


def _seed_users() -> tuple[dict[str, User], int]:
    users: dict[str, User] = {}
    created_count = 0
    for demo in DEMO_USERS:
        users[demo.email], created = _upsert_user(demo)
        created_count += created
    return users, created_count


def _seed_company_settings(users: dict[str, User]) -> CompanySettings:
    company = CompanySettings.load()
    company.company_name = DEMO_COMPANY_NAME
    company.head_of_sales = users[HEAD_OF_SALES_EMAIL]
    company.head_of_product = users[HEAD_OF_PRODUCT_EMAIL]
    company.save(update_fields=["company_name", "head_of_sales", "head_of_product", "updated_at"])
    return company


def _ensure_quarter(day: dt.date, capacity_points: int) -> tuple[Quarter | None, str]:
    """The quarter containing `day`, created if missing. Returns (quarter, what happened);
    the quarter is None when another quarter already covers some of its dates."""
    label, start, end = calendar_quarter(day)
    existing = Quarter.objects.filter(label=label).first()
    if existing is not None:
        return existing, f"Quarter {label} already exists; left as it is."
    clash = Quarter.objects.filter(start__lte=end, end__gte=start).first()
    if clash is not None:
        return None, (
            f"Skipped quarter {label}: its dates overlap {clash.label} "
            f"({clash.start} to {clash.end})."
        )
    quarter = Quarter(
        label=label,
        start=start,
        end=end,
        capacity_points=capacity_points,
        sales_share_percent=DEMO_SALES_SHARE_PERCENT,
    )
    quarter.full_clean()
    quarter.save()
    return quarter, f"Created quarter {label} ({start} to {end}), capacity {capacity_points}."


def _seed_quarters(today: dt.date) -> list[tuple[Quarter | None, str]]:
    _, _, current_end = calendar_quarter(today)
    return [
        _ensure_quarter(today, CURRENT_QUARTER_CAPACITY),
        _ensure_quarter(current_end + dt.timedelta(days=1), NEXT_QUARTER_CAPACITY),
    ]


class Command(BaseCommand):
    help = (
        f'Create or refresh the demo company "{DEMO_COMPANY_NAME}": its users (password '
        f'"{DEMO_PASSWORD}" for new ones), company settings and the current and next quarter.'
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users, created_count = _seed_users()
            company = _seed_company_settings(users)
            quarters = _seed_quarters(company.today())

        self.stdout.write(
            f"{company.company_name}: {len(users)} demo users "
            f"({created_count} created, {len(users) - created_count} updated)."
        )
        for quarter, message in quarters:
            self.stdout.write(message if quarter is not None else self.style.WARNING(message))
        self.stdout.write(self.style.SUCCESS(f"Log in as {HEAD_OF_SALES_EMAIL} / {DEMO_PASSWORD}"))
