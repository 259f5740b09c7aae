"""`manage.py seed_demo`: the demo company "Acme Analytics", its people, two quarters, and
the customers and deals its reps are working.

Safe to run again: users are matched by e-mail, quarters by label, customers by name and
deals by customer and name, so a second run adds nothing (a password or a quarter's
capacity that someone changed is kept; customers and deals go back to the demo values).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.text import slugify

from accounts.models import Role, User
from budgets.models import CompanySettings, Quarter
from demo.requests import DEMO_COMMITMENTS, DEMO_REQUESTS, seed_requests
from demo.reviews import seed_reviews
from feature_requests.models import Customer, Deal

SILENT_EMAIL = "django.core.mail.backends.dummy.EmailBackend"
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

Segment = Customer.Segment
Stage = Deal.Stage
DEMO_CRM = "https://crm.example.com"


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    segment: Customer.Segment
    arr: int


@dataclass(frozen=True)
class DemoDeal:
    """A deal; it closes `close_week` weeks into the current quarter (0) or the next (1)."""

    customer: str
    name: str
    amount: int
    stage: Deal.Stage
    owner: str
    close_quarter: int
    close_week: int


DEMO_CUSTOMERS: list[DemoCustomer] = [
    DemoCustomer("Northwind Traders", Segment.ENTERPRISE, 480_000),
    DemoCustomer("Globex Corporation", Segment.ENTERPRISE, 1_250_000),
    DemoCustomer("Initech", Segment.MID_MARKET, 96_000),
    DemoCustomer("Umbrella Health", Segment.ENTERPRISE, 720_000),
    DemoCustomer("Hooli Retail", Segment.MID_MARKET, 150_000),
    DemoCustomer("Stark Logistics", Segment.MID_MARKET, 64_000),
    DemoCustomer("Pied Piper Labs", Segment.SMB, 18_000),
    DemoCustomer("Bluth Homes", Segment.SMB, 0),
]

# Owners by the local part of their e-mail: "rep.east1" is rep.east1@example.com.
# fmt: off
DEMO_DEALS: list[DemoDeal] = [
    DemoDeal("Northwind Traders",  "EU data residency",          180_000, Stage.NEGOTIATION, "rep.east1", 0,  8),
    DemoDeal("Northwind Traders",  "Warehouse analytics add-on",  60_000, Stage.DISCOVERY,   "rep.east1", 1,  6),
    DemoDeal("Globex Corporation", "Global rollout",             400_000, Stage.EVALUATION,  "rep.west1", 1,  3),
    DemoDeal("Globex Corporation", "SSO for subsidiaries",        90_000, Stage.CLOSED_WON,  "rep.west1", 0,  2),
    DemoDeal("Initech",            "Renewal with audit log",      96_000, Stage.NEGOTIATION, "rep.east2", 0, 10),
    DemoDeal("Initech",            "Reporting upgrade",           24_000, Stage.CLOSED_LOST, "rep.east2", 0,  3),
    DemoDeal("Umbrella Health",    "HIPAA workspace",            250_000, Stage.EVALUATION,  "rep.west2", 0, 12),
    DemoDeal("Umbrella Health",    "Clinic network expansion",   140_000, Stage.DISCOVERY,   "rep.west2", 1,  9),
    DemoDeal("Hooli Retail",       "Store-level dashboards",      75_000, Stage.NEGOTIATION, "rep.east3", 0,  6),
    DemoDeal("Hooli Retail",       "Forecasting pilot",           30_000, Stage.DISCOVERY,   "rep.east3", 1, 11),
    DemoDeal("Stark Logistics",    "Fleet tracking integration",  48_000, Stage.EVALUATION,  "rep.west3", 0,  9),
    DemoDeal("Stark Logistics",    "Second region",               32_000, Stage.DISCOVERY,   "rep.west3", 1,  4),
    DemoDeal("Pied Piper Labs",    "Team plan upgrade",           12_000, Stage.CLOSED_WON,  "rep.east1", 0,  1),
    DemoDeal("Pied Piper Labs",    "API access",                   9_000, Stage.EVALUATION,  "rep.west1", 1,  2),
    DemoDeal("Bluth Homes",        "First contract",              15_000, Stage.NEGOTIATION, "rep.east2", 0, 11),
]
# fmt: on


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


def _close_date(deal: DemoDeal, today: dt.date) -> dt.date:
    _, start, end = calendar_quarter(today)
    if deal.close_quarter:
        _, start, end = calendar_quarter(end + dt.timedelta(days=1))
    return min(start + dt.timedelta(weeks=deal.close_week, days=-3), end)


def _seed_customers_and_deals(today: dt.date) -> tuple[int, int]:
    """Create or restore the demo customers and deals; returns how many of each were new."""
    customers: dict[str, Customer] = {}
    new_customers = new_deals = 0
    for demo_customer in DEMO_CUSTOMERS:
        customers[demo_customer.name], created = Customer.objects.update_or_create(
            name=demo_customer.name,
            defaults={
                "segment": demo_customer.segment,
                "arr": demo_customer.arr,
                "crm_url": f"{DEMO_CRM}/accounts/{slugify(demo_customer.name)}",
            },
        )
        new_customers += created
    owners = {user.email: user for user in User.objects.filter(role=Role.SALES_REP)}
    for demo_deal in DEMO_DEALS:
        close = _close_date(demo_deal, today)
        closed = demo_deal.stage in (Stage.CLOSED_WON, Stage.CLOSED_LOST)
        _, created = Deal.objects.update_or_create(
            customer=customers[demo_deal.customer],
            name=demo_deal.name,
            defaults={
                "amount": demo_deal.amount,
                "stage": demo_deal.stage,
                # A closed demo deal closed on its close date (at noon UTC, as migrated deals).
                "closed_at": dt.datetime.combine(close, dt.time(12), tzinfo=dt.UTC)
                if closed
                else None,
                "owner": owners[f"{demo_deal.owner}@example.com"],
                "expected_close": close,
                "crm_url": f"{DEMO_CRM}/deals/{slugify(demo_deal.customer)}-{slugify(demo_deal.name)}",
            },
        )
        new_deals += created
    return new_customers, new_deals


class Command(BaseCommand):
    help = (
        f'Create or refresh the demo company "{DEMO_COMPANY_NAME}": its users (password '
        f'"{DEMO_PASSWORD}" for new ones), company settings, the current and next quarter, '
        f"the customers and deals its reps are working, and their feature requests and ranking."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's story notifies its people in the app, but e-mails nobody: with the
        # console backend of `make run` they would bury the "server running" line. The
        # e-mails go after the commit (and the events' deliveries), so the whole run is inside.
        with override_settings(EMAIL_BACKEND=SILENT_EMAIL), transaction.atomic():
            users, created_count = _seed_users()
            company = _seed_company_settings(users)
            quarters = _seed_quarters(company.today())
            new_customers, new_deals = _seed_customers_and_deals(company.today())
            new_requests = seed_requests(current=quarters[0][0], next_quarter=quarters[1][0])
            new_reviews = seed_reviews(quarter=quarters[0][0])

        self.stdout.write(
            f"{company.company_name}: {len(users)} demo users "
            f"({created_count} created, {len(users) - created_count} updated)."
        )
        for quarter, message in quarters:
            self.stdout.write(message if quarter is not None else self.style.WARNING(message))
        self.stdout.write(
            f"{len(DEMO_CUSTOMERS)} demo customers ({new_customers} created) and "
            f"{len(DEMO_DEALS)} demo deals ({new_deals} created)."
        )
        total = len(DEMO_REQUESTS) + len(DEMO_COMMITMENTS)
        self.stdout.write(f"{total} demo requests ({new_requests} created).")
        self.stdout.write(
            f"Weekly reviews: last week's (held, with minutes) and this week's ({new_reviews} created)."
        )
        self.stdout.write(self.style.SUCCESS(f"Log in as {HEAD_OF_SALES_EMAIL} / {DEMO_PASSWORD}"))
