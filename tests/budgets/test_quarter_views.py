from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import AuditEntry, Quarter

pytestmark = pytest.mark.django_db

VALID = {
    "label": "2027-Q1",
    "start": "2027-01-01",
    "end": "2027-03-31",
    "capacity_points": "500",
    "sales_share_percent": "12",
    "planning_lock_date": "",
}


def test_it_creates_a_quarter_and_shows_its_budget(product_client, cast):
    response = product_client.post(reverse("budgets:quarter_create"), VALID, follow=True)
    quarter = Quarter.objects.get(label="2027-Q1")
    assert quarter.sales_budget == 60
    assert quarter.planning_lock_date == dt.date(2027, 1, 15)
    assert "2027-Q1 created: a sales budget of 60 points." in response.text
    assert 'data-testid="sales-budget">60<' in response.text
    entry = AuditEntry.objects.get()
    assert entry.actor == cast[Role.PRODUCT_LEADER]
    assert entry.action == AuditEntry.Action.QUARTER_CREATED


def test_it_starts_new_quarters_at_the_default_share(product_client):
    from budgets.models import CompanySettings

    CompanySettings.objects.update_or_create(pk=1, defaults={"default_sales_share_percent": 7.5})
    page = product_client.get(reverse("budgets:quarter_create")).text
    assert 'value="7.5"' in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end": "2026-12-01"}, "end", "The end must be after the start."),
        ({"capacity_points": "0"}, "capacity_points", "Capacity must be at least 1 story point."),
        ({"capacity_points": "-5"}, "capacity_points", "Capacity must be at least 1 story point."),
        ({"capacity_points": "abc"}, "capacity_points", "Enter a whole number of story points"),
        ({"capacity_points": "100001"}, "capacity_points", "Capacity cannot exceed 100,000"),
        ({"capacity_points": ""}, "capacity_points", "This field is required."),
        (
            {"sales_share_percent": "150"},
            "sales_share_percent",
            "A percentage cannot be above 100.",
        ),
        ({"sales_share_percent": "-1"}, "sales_share_percent", "A percentage cannot be below 0."),
        ({"sales_share_percent": "12.55"}, "sales_share_percent", "Use at most one decimal"),
        ({"sales_share_percent": "ten"}, "sales_share_percent", "Enter a percentage such as 10"),
        ({"label": "Q1 2027"}, "label", "Use the form 2026-Q4."),
        ({"start": "yesterday"}, "start", "Enter a valid date."),
        (
            {"planning_lock_date": "2027-06-01"},
            "planning_lock_date",
            "must fall within the quarter",
        ),
    ],
)
def test_it_explains_bad_input_next_to_the_field_and_saves_nothing(
    product_client, change, field, message
):
    response = product_client.post(reverse("budgets:quarter_create"), VALID | change)
    assert response.status_code == 400
    assert message in response.text
    # The message sits in the field's own group, right by its input.
    group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert message in group
    assert not Quarter.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_an_overlapping_quarter(product_client, quarter):
    response = product_client.post(
        reverse("budgets:quarter_create"),
        VALID
        | {
            "label": "2030-Q1",
            "start": str(quarter.end),
            "end": str(quarter.end + dt.timedelta(days=90)),
        },
    )
    assert response.status_code == 400
    assert f"These dates overlap {quarter.label}" in response.text
    assert Quarter.objects.count() == 1


def test_it_refuses_a_duplicate_label(product_client, quarter):
    response = product_client.post(
        reverse("budgets:quarter_create"),
        VALID | {"label": quarter.label, "start": "2030-01-01", "end": "2030-03-31"},
    )
    assert response.status_code == 400
    assert "A quarter with this label exists already." in response.text


def test_it_changes_capacity_and_share_and_records_who_did(product_client, cast, quarter):
    url = reverse("budgets:quarter_edit", kwargs={"label": quarter.label})
    form = {
        "label": quarter.label,
        "start": quarter.start,
        "end": quarter.end,
        "capacity_points": 500,
        "sales_share_percent": "12",
        "planning_lock_date": quarter.planning_lock_date,
    }
    response = product_client.post(url, form, follow=True)
    assert f"{quarter.label} saved: a sales budget of 60 points." in response.text
    quarter.refresh_from_db()
    assert quarter.sales_budget == 60
    entry = AuditEntry.objects.get(action=AuditEntry.Action.QUARTER_UPDATED)
    assert entry.actor == cast[Role.PRODUCT_LEADER]
    assert entry.changes == {"capacity_points": [400, 500], "sales_share_percent": ["10", "12"]}
    assert "Capacity (story points): 400 → 500" in response.text


def test_it_keeps_the_saved_quarter_when_an_edit_is_invalid(product_client, quarter):
    url = reverse("budgets:quarter_edit", kwargs={"label": quarter.label})
    response = product_client.post(
        url,
        {
            "label": "",
            "start": quarter.start,
            "end": quarter.end,
            "capacity_points": 0,
            "sales_share_percent": 10,
        },
    )
    assert response.status_code == 400
    assert f"Edit {quarter.label}" in response.text
    quarter.refresh_from_db()
    assert quarter.capacity_points == 400
    assert not AuditEntry.objects.exists()


def test_it_records_nothing_when_nothing_changed(product_client, quarter):
    url = reverse("budgets:quarter_edit", kwargs={"label": quarter.label})
    product_client.post(
        url,
        {
            "label": quarter.label,
            "start": quarter.start,
            "end": quarter.end,
            "capacity_points": 400,
            "sales_share_percent": "10.0",
            "planning_lock_date": quarter.planning_lock_date,
        },
    )
    assert not AuditEntry.objects.exists()


def test_it_answers_404_for_an_unknown_quarter(product_client):
    response = product_client.get(reverse("budgets:quarter_detail", kwargs={"label": "1999-Q1"}))
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_it_lists_quarters_with_their_budgets(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("budgets:quarter_list")).text
    assert quarter.label in page
    assert ">40<" in page
    assert "New quarter" not in page  # reps only read


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"label": "9999-Q4", "start": "9999-10-01", "end": "9999-12-31"},
            {
                "label": "Use a year from 2000 to 2100, such as 2026-Q4.",
                "start": "Use a date from 2000 to 2100.",
                "end": "Use a date from 2000 to 2100.",
            },
        ),
        ({"label": "1999-Q1"}, {"label": "Use a year from 2000 to 2100"}),
        ({"end": "2101-03-31"}, {"end": "Use a date from 2000 to 2100."}),
    ],
)
def test_it_refuses_a_quarter_outside_the_years_it_plans_for(product_client, change, fields):
    # A year-9999 quarter once broke its budget page: its week series ran past 9999-12-31.
    response = product_client.post(reverse("budgets:quarter_create"), VALID | change)
    assert response.status_code == 400
    for field, message in fields.items():
        group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
        assert message in group, field
    assert not Quarter.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_offers_only_the_years_a_quarter_may_fall_in(product_client):
    page = product_client.get(reverse("budgets:quarter_create")).text
    assert 'name="start" min="2000-01-01" max="2100-12-31"' in page
