"""The People page: everyone, searchable, filtered, 50 a page, in a fixed number of queries."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role

pytestmark = pytest.mark.django_db

URL = reverse("people:person_list")
# The session and its user, the count and the page of people (with their managers), their SSO
# identities (the providers' names come from the settings), the header's count of unread
# notifications.
LIST_QUERIES = 6


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def names(response) -> list[str]:
    return [person.full_name for person, _ in response.context["rows"]]


def test_it_lists_everyone_with_their_details(admin_client, cast, make_user):
    rep = cast[Role.SALES_REP]
    rep.last_login = timezone.now()
    rep.save(update_fields=["last_login"])
    gone = make_user(Role.PRODUCT_MANAGER, full_name="Gone Person", is_active=False)
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert names(response) == [
        "Ada Admin",
        "Gone Person",
        "Lee Leader",
        "Pam Manager",
        "Paula Leader",
        "Ray Rep",
    ]
    html = response.text
    row = html.split(f'href="/people/{rep.pk}/"')[1].split("</tr>")[0]
    assert "Ray Rep" in row and rep.email in row and "Sales rep" in row
    assert "Lee Leader" in row  # the rep's manager
    assert "Active" in row and rep.last_login.strftime("%b") in row
    assert "Password" in row
    gone_row = html.split(f'href="/people/{gone.pk}/"')[1].split("</tr>")[0]
    assert "Deactivated" in gone_row and "Never" in gone_row


def test_it_shows_the_sso_provider_a_person_signs_in_with(admin_client, make_user, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"provider_id": "okta", "name": "Okta"}]}
    }
    sso = make_user(Role.PRODUCT_MANAGER, full_name="Sso Person")
    sso.set_unusable_password()
    sso.save()
    SocialAccount.objects.create(user=sso, provider="okta", uid="00u1")
    invited = make_user(Role.PRODUCT_MANAGER, full_name="Invited Person")
    invited.set_unusable_password()
    invited.save()
    methods = {person.full_name: method for person, method in admin_client.get(URL).context["rows"]}
    assert methods["Sso Person"] == "Okta"
    assert methods["Invited Person"] == "Not set up yet"
    assert methods["Ada Admin"] == "Password"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "lee"}, ["Lee Leader"]),
        ({"q": "LEADER"}, ["Lee Leader", "Paula Leader"]),  # any case, name or e-mail
        ({"q": "product.leader"}, ["Paula Leader"]),  # the e-mail address
        ({"q": "paula leader"}, ["Paula Leader"]),  # every word must match
        ({"role": "sales_rep"}, ["Ray Rep"]),
        ({"role": "admin", "q": "ada"}, ["Ada Admin"]),
        ({"status": "inactive"}, ["Gone Person"]),
        ({"status": "active", "role": "product_manager"}, ["Pam Manager"]),
        ({"role": "wizard", "status": "sleeping"}, None),  # unknown filters: everyone
        ({"q": "x" * 500}, None),  # a search too long to be one is no search
    ],
)
def test_it_searches_and_filters(admin_client, cast, make_user, query, expected):
    make_user(Role.PRODUCT_MANAGER, full_name="Gone Person", is_active=False)
    response = admin_client.get(URL, query)
    assert response.status_code == 200
    if expected is None:
        assert len(names(response)) == 6
    else:
        assert names(response) == expected


def test_it_says_when_nobody_matches(admin_client, cast):
    response = admin_client.get(URL, {"q": "nobody-by-this-name"})
    assert "Nobody matches" in response.text


def test_it_answers_htmx_with_the_table_only(admin_client, cast):
    response = admin_client.get(URL, {"role": "sales_rep"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="people-table">')
    assert "Ray Rep" in response.text and "<header" not in response.text


def test_it_pages_by_fifty_keeping_the_filters(admin_client, cast, make_user):
    for n in range(60):
        make_user(Role.PRODUCT_MANAGER, full_name=f"Pm {n:02}")
    response = admin_client.get(URL, {"role": "product_manager"})
    assert len(names(response)) == 50
    assert "Page 1 of 2" in response.text
    assert 'href="?role=product_manager&amp;page=2"' in response.text
    second = admin_client.get(URL, {"role": "product_manager", "page": "2"})
    # Page 1 is the cast's Pam Manager and Pm 00 to Pm 48.
    assert names(second) == [f"Pm {n:02}" for n in range(49, 60)]
    assert admin_client.get(URL, {"page": "999"}).status_code == 200  # the last page
    assert admin_client.get(URL, {"page": "nope"}).status_code == 200  # the first


def test_it_lists_in_the_same_number_of_queries_for_5_or_65_people(
    admin_client, cast, make_user, django_assert_num_queries
):
    SocialAccount.objects.create(user=cast[Role.SALES_REP], provider="okta", uid="ray")
    with django_assert_num_queries(LIST_QUERIES):
        assert len(names(admin_client.get(URL))) == 5
    leaders = [make_user(Role.SALES_LEADER) for _ in range(5)]
    for n in range(55):
        person = make_user(Role.SALES_REP, manager=leaders[n % 5])
        if n % 3 == 0:
            SocialAccount.objects.create(user=person, provider="okta", uid=f"u{n}")
    with django_assert_num_queries(LIST_QUERIES):
        assert len(names(admin_client.get(URL))) == 50


def test_it_links_the_sign_in_settings_admins_edit(client, cast):
    client.force_login(cast[Role.ADMIN])
    page = client.get(reverse("people:person_list")).text
    for name in ("admin:people_grouprole_changelist", "admin:people_ssoonlydomain_changelist"):
        url = reverse(name)
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200
