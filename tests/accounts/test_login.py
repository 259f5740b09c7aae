from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db


def test_it_logs_in_with_email_in_any_case(client, make_user):
    make_user(Role.SALES_LEADER, email="dana@example.com", password="s3cret-pass-word")
    response = client.post(
        reverse("login"), {"username": "Dana@Example.COM", "password": "s3cret-pass-word"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_it_says_clearly_when_the_password_is_wrong(client, make_user):
    make_user(Role.SALES_LEADER, email="dana@example.com", password="s3cret-pass-word")
    response = client.post(reverse("login"), {"username": "dana@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "That e-mail and password do not match an account" in response.text
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_disabled_account(client, make_user):
    make_user(
        Role.SALES_LEADER, email="gone@example.com", password="s3cret-pass-word", is_active=False
    )
    response = client.post(
        reverse("login"), {"username": "gone@example.com", "password": "s3cret-pass-word"}
    )
    assert "_auth_user_id" not in client.session
    assert "do not match" in response.text  # Django does not reveal that the account exists


def test_it_sends_anonymous_users_to_login_and_back(client, make_user):
    make_user(Role.PRODUCT_LEADER, email="pl@example.com", password="s3cret-pass-word")
    response = client.get(reverse("budgets:quarter_list"))
    assert response.status_code == 302
    login_url = response.url
    assert login_url.startswith(reverse("login"))
    response = client.post(
        login_url, {"username": "pl@example.com", "password": "s3cret-pass-word"}
    )
    assert response.url == reverse("budgets:quarter_list")


def test_it_logs_out_with_a_post_only(client, cast):
    client.force_login(cast[Role.SALES_REP])
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_it_shows_each_role_its_own_navigation(client, cast):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("dashboard")).text
    assert ">Quarters<" in page
    assert ">Settings<" not in page
    assert ">Admin<" not in page

    client.force_login(cast[Role.ADMIN])
    page = client.get(reverse("dashboard")).text
    assert ">Settings<" in page
    assert ">Admin<" in page


@pytest.mark.parametrize(
    ("role", "panel"),
    [
        (Role.SALES_REP, "Your manager"),
        (Role.SALES_LEADER, "Your team"),
        (Role.PRODUCT_MANAGER, "Estimates and progress"),
        (Role.PRODUCT_LEADER, "Quarter planning"),
        (Role.ADMIN, "People"),
    ],
)
def test_it_shows_a_dashboard_per_role(client, cast, quarter, role, panel):
    client.force_login(cast[role])
    page = client.get(reverse("dashboard")).text
    assert f'id="role-panel">{panel}<' in page
    assert "This quarter: " in page
    assert 'data-testid="sales-budget">40<' in page


def test_it_lists_a_leaders_team_on_the_dashboard(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    assert "Ray Rep" in client.get(reverse("dashboard")).text


def test_it_says_when_no_quarter_covers_today(client, cast):
    client.force_login(cast[Role.PRODUCT_LEADER])
    page = client.get(reverse("dashboard")).text
    assert "No current quarter" in page
    assert reverse("budgets:quarter_create") in page
