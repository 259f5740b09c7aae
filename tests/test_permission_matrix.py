"""Every URL × every role (and anonymous): the status a user gets, decided server-side."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from accounts.models import Role

LOGIN = "login redirect"
ANON = "anonymous"
ROLES = [ANON, *Role]

# url name -> kwargs; the quarter label is filled in from the `quarter` fixture.
URLS = {
    "dashboard": {},
    "budgets:quarter_list": {},
    "budgets:quarter_create": {},
    "budgets:quarter_detail": {"label": "Q"},
    "budgets:quarter_edit": {"label": "Q"},
    "budgets:settings": {},
}

EVERYONE = dict.fromkeys(Role, 200) | {ANON: LOGIN}
PRODUCT_LEADERS = dict.fromkeys(Role, 403) | {
    Role.PRODUCT_LEADER: 200,
    Role.ADMIN: 200,
    ANON: LOGIN,
}
ADMINS = dict.fromkeys(Role, 403) | {Role.ADMIN: 200, ANON: LOGIN}

EXPECTED = {
    "dashboard": EVERYONE,
    "budgets:quarter_list": EVERYONE,
    "budgets:quarter_create": PRODUCT_LEADERS,
    "budgets:quarter_detail": EVERYONE,
    "budgets:quarter_edit": PRODUCT_LEADERS,
    "budgets:settings": ADMINS,
}

# Pages anybody may see: logging in and recovering a password, and the health check.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}
SIGNED_IN_ACCOUNT_PAGES = {"password_change", "password_change_done"}


def named_routes(resolver=None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            if pattern.namespace == "admin":
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= named_routes(pattern, prefix)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_it_covers_every_named_url():
    covered = set(EXPECTED) | PUBLIC | SIGNED_IN_ACCOUNT_PAGES
    assert named_routes() == covered, "add new URLs to the permission matrix"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_it_gives_each_role_the_expected_status(client, cast, quarter, url_name, role):
    kwargs = dict.fromkeys(URLS[url_name], quarter.label)
    url = reverse(url_name, kwargs=kwargs)
    if role != ANON:
        client.force_login(cast[role])
    response = client.get(url)
    expected = EXPECTED[url_name][role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
        if expected == 403:
            assert b"You can" in response.content  # the page says why, not a bare 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.PRODUCT_LEADER, Role.ADMIN)])
def test_it_refuses_a_forged_quarter_post_from_other_roles(client, cast, quarter, role):
    client.force_login(cast[role])
    response = client.post(
        reverse("budgets:quarter_edit", kwargs={"label": quarter.label}),
        {
            "label": quarter.label,
            "start": quarter.start,
            "end": quarter.end,
            "capacity_points": 999,
            "sales_share_percent": 50,
        },
    )
    assert response.status_code == 403
    quarter.refresh_from_db()
    assert quarter.capacity_points == 400


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_it_keeps_everyone_but_admins_out_of_the_django_admin(client, cast, role):
    client.force_login(cast[role])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.django_db
def test_it_lets_admins_into_every_django_admin_page(client, cast, quarter):
    client.force_login(cast[Role.ADMIN])
    for path in [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{cast[Role.SALES_REP].pk}/change/",
        "/admin/budgets/quarter/",
        f"/admin/budgets/quarter/{quarter.pk}/change/",
        "/admin/budgets/companysettings/",
        "/admin/budgets/auditentry/",
    ]:
        assert client.get(path).status_code == 200, path
