from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import AuditEntry, CompanySettings

pytestmark = pytest.mark.django_db


def form(**changes) -> dict:
    values = {
        "company_name": "Acme",
        "time_zone": "Europe/Berlin",
        "meeting_weekday": "2",
        "meeting_time": "10:30",
        "disruption_penalty_percent": "30",
        "default_sales_share_percent": "12.5",
        "head_of_sales": "",
        "head_of_product": "",
    }
    return values | changes


def test_it_saves_the_settings_and_audits_them(client, cast):
    client.force_login(cast[Role.ADMIN])
    response = client.post(
        reverse("budgets:settings"),
        form(
            head_of_sales=cast[Role.SALES_LEADER].pk, head_of_product=cast[Role.PRODUCT_LEADER].pk
        ),
        follow=True,
    )
    assert "Settings saved." in response.text
    saved = CompanySettings.load()
    assert saved.time_zone == "Europe/Berlin"
    assert str(saved.meeting_time) == "10:30:00"
    assert saved.head_of_sales == cast[Role.SALES_LEADER]
    entry = AuditEntry.objects.get()
    assert entry.actor == cast[Role.ADMIN]
    assert entry.changes["time_zone"] == ["UTC", "Europe/Berlin"]
    assert "Ada Admin" in response.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"disruption_penalty_percent": "101"}, "A percentage cannot be above 100."),
        ({"meeting_time": "25:00"}, "Enter a valid time."),
        ({"meeting_weekday": "9"}, "Select a valid choice."),
    ],
)
def test_it_refuses_bad_settings(client, cast, change, message):
    client.force_login(cast[Role.ADMIN])
    response = client.post(reverse("budgets:settings"), form(**change))
    assert response.status_code == 400
    assert message in response.text
    assert CompanySettings.load().time_zone == "UTC"


def test_it_only_offers_leaders_of_the_right_kind_as_heads(client, cast):
    client.force_login(cast[Role.ADMIN])
    response = client.post(reverse("budgets:settings"), form(head_of_sales=cast[Role.SALES_REP].pk))
    assert response.status_code == 400
    assert CompanySettings.load().head_of_sales is None
