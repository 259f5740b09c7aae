"""SSO-only e-mail domains: password sign-in refused, with a message that says where to sign
in and nothing about whether the account exists; set by admins, audited."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from budgets.models import AuditEntry
from config.sso import socialaccount_providers
from people.models import SsoOnlyDomain

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass-word"
MESSAGE = (
    "People at acme.test sign in with Acme SSO, not with a password: use the "
    "“Sign in with Acme SSO” button on this page."
)


@pytest.fixture
def acme(settings):
    entry = {"id": "acme", "name": "Acme SSO", "issuer": "https://sso.acme.test", "client_id": "x"}
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps([entry]), "")


@pytest.fixture
def sso_only(acme):
    return SsoOnlyDomain.objects.create(domain="acme.test", provider_id="acme")


def log_in(client, email: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_it_refuses_a_password_for_an_sso_only_domain_and_says_where_to_sign_in(
    client, sso_only, make_user
):
    make_user(Role.SALES_LEADER, email="dana@acme.test", password=PASSWORD)

    response = log_in(client, "Dana@ACME.test")

    assert response.status_code == 200
    assert MESSAGE in response.text
    assert "Sign in with Acme SSO" in response.text  # the button it names is on the page
    assert "_auth_user_id" not in client.session


def test_it_says_the_same_for_an_address_with_no_account(client, sso_only, make_user):
    make_user(Role.SALES_LEADER, email="dana@acme.test", password=PASSWORD)

    known = log_in(client, "dana@acme.test", "wrong-password")
    unknown = log_in(client, "nobody@acme.test")

    assert MESSAGE in known.text and MESSAGE in unknown.text
    assert "do not match" not in known.text + unknown.text
    assert known.status_code == unknown.status_code == 200


def test_it_leaves_other_domains_and_subdomains_to_their_passwords(client, sso_only, make_user):
    make_user(Role.SALES_LEADER, email="sam@other.test", password=PASSWORD)
    make_user(Role.SALES_LEADER, email="sub@eu.acme.test", password=PASSWORD)

    assert log_in(client, "sam@other.test").status_code == 302
    client.post(reverse("logout"))
    assert log_in(client, "sub@eu.acme.test").status_code == 302


def test_it_refuses_the_password_on_the_django_admin_login_too(client, sso_only, make_user):
    make_user(Role.ADMIN, email="root@acme.test", password=PASSWORD)

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root@acme.test", "password": PASSWORD}
    )

    assert response.status_code == 200  # the admin's login form again, with its error
    assert "_auth_user_id" not in client.session


def test_it_shows_a_button_per_provider_on_the_login_page(client, settings):
    entries = [
        {"id": "okta", "name": "Okta", "issuer": "https://acme.okta.test", "client_id": "a"},
        {
            "id": "entra",
            "name": "Microsoft",
            "issuer": "https://login.ms.test/t/v2.0",
            "client_id": "b",
        },
    ]
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps(entries), "")

    response = client.get(reverse("login") + "?next=/quarters/")

    assert "Sign in with Okta" in response.text and "Sign in with Microsoft" in response.text
    assert 'action="/sso/oidc/okta/login/"' in response.text
    assert response.text.count('name="next" value="/quarters/"') == 3  # password form too
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' https://acme.okta.test https://login.ms.test" in policy


def test_it_shows_no_company_sign_in_without_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    response = client.get(reverse("login"))

    assert "Sign in with" not in response.text
    assert "form-action 'self';" in response["Content-Security-Policy"] + ";"


def test_it_keeps_allauths_own_pages_unreachable(client):
    for path in ["/accounts/signup/", "/accounts/password/set/", "/accounts/3rdparty/", "/sso/"]:
        assert client.get(path).status_code == 404, path


def test_it_keeps_the_domain_plain_and_the_provider_configured(sso_only, acme):
    domain = SsoOnlyDomain(domain=" @Example.COM ", provider_id="acme")
    domain.full_clean()
    assert domain.domain == "example.com"

    with pytest.raises(ValidationError, match="No sign-in provider has the id"):
        SsoOnlyDomain(domain="other.test", provider_id="okta").full_clean()
    with pytest.raises(ValidationError, match="Enter a domain"):
        SsoOnlyDomain(domain="not a domain", provider_id="acme").full_clean()
    with pytest.raises(ValidationError):
        SsoOnlyDomain(domain="acme.test", provider_id="acme").full_clean()  # already there


def test_it_lets_admins_set_a_domain_in_the_django_admin_and_audits_it(client, cast, acme):
    admin = cast[Role.ADMIN]
    client.force_login(admin)

    response = client.post(
        "/admin/people/ssoonlydomain/add/", {"domain": "Acme.test", "provider_id": "acme"}
    )

    assert response.status_code == 302, response.content[:2000]
    domain = SsoOnlyDomain.objects.get()
    assert domain.domain == "acme.test"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_SETTINGS_UPDATED)
    assert entry.actor == admin
    assert entry.changes == {"SSO-only domain": [None, "acme.test (SSO only, acme)"]}

    client.post(f"/admin/people/ssoonlydomain/{domain.pk}/delete/", {"post": "yes"})
    assert not SsoOnlyDomain.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_SETTINGS_UPDATED).count() == 2
