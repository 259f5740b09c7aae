"""Company sign-in end to end: Django's test client against a real OpenID Connect provider on
127.0.0.1 (oidc-provider-mock, the `sso_provider` fixture), through django-allauth and the
people app's rules for who gets in and as whom."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import Role, User
from budgets.models import AuditEntry
from config.sso import socialaccount_providers
from events.kinds import Kind
from events.models import Event
from people.models import GroupRole, SsoOnlyDomain

pytestmark = [
    pytest.mark.django_db,
    # authlib, inside the mock provider, warns about its own deprecations.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

NEW = "nora@acme.test"


@pytest.fixture
def leader(make_user):
    return make_user(Role.SALES_LEADER, full_name="Lee Leader", email="lee@acme.test")


@pytest.fixture
def mappings(leader):
    """Reps' group → sales rep (Lee's team), product group → product manager."""
    return {
        "reps": GroupRole.objects.create(
            group="Forcerank-Reps", role=Role.SALES_REP, manager=leader
        ),
        "product": GroupRole.objects.create(group="forcerank-product", role=Role.PRODUCT_MANAGER),
    }


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_it_creates_a_person_with_the_mapped_role_at_the_first_sign_in(
    client, sso_provider, mappings, leader
):
    sso_provider.set_user(
        "nora", email=NEW, email_verified=True, name="Nora Newrep", groups=["forcerank-reps"]
    )

    response = sso_provider.sign_in(client, "nora")

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    person = User.objects.get(email=NEW)
    assert signed_in_user(client) == person
    assert (person.full_name, person.role, person.manager) == (
        "Nora Newrep",
        Role.SALES_REP,
        leader,
    )
    assert not person.has_usable_password()
    assert "Sales rep" in response.text and "Nora Newrep" in response.text
    entry = AuditEntry.objects.get(person=person)
    assert entry.action == AuditEntry.Action.PERSON_PROVISIONED
    assert entry.actor == person
    assert entry.changes["role"] == [None, "Sales rep"]
    assert "Acme SSO" in entry.reason and "Forcerank-Reps" in entry.reason
    event = Event.objects.get(kind=Kind.PERSON_PROVISIONED)
    assert event.payload["person_id"] == person.pk and event.payload["provider"] == "acme"
    assert SocialAccount.objects.get(user=person).provider == "acme"


def test_it_updates_name_and_role_at_the_next_sign_in(client, sso_provider, mappings):
    sso_provider.set_user(
        "nora", email=NEW, email_verified=True, name="Nora", groups=["forcerank-reps"]
    )
    sso_provider.sign_in(client, "nora")
    client.post(reverse("logout"))
    sso_provider.set_user(
        "nora", email=NEW, email_verified=True, name="Nora Product", groups=["forcerank-product"]
    )

    response = sso_provider.sign_in(client, "nora")

    assert response.status_code == 200
    person = User.objects.get(email=NEW)
    assert signed_in_user(client) == person
    assert (person.full_name, person.role, person.manager) == (
        "Nora Product",
        Role.PRODUCT_MANAGER,
        None,
    )
    assert User.objects.filter(email=NEW).count() == 1
    update = AuditEntry.objects.get(person=person, action=AuditEntry.Action.PERSON_UPDATED)
    assert update.actor is None  # the identity provider changed it
    assert update.changes["role"] == ["Sales rep", "Product manager"]
    assert update.changes["full_name"] == ["Nora", "Nora Product"]
    assert Event.objects.filter(kind=Kind.PERSON_SSO_UPDATED).count() == 1


def test_it_keeps_changes_made_in_forcerank_when_the_mapping_says_so(
    client, sso_provider, mappings
):
    GroupRole.objects.filter(pk=mappings["product"].pk).update(update_on_sign_in=False)
    sso_provider.set_user(
        "pat", email="pat@acme.test", email_verified=True, name="Pat", groups=["forcerank-product"]
    )
    sso_provider.sign_in(client, "pat")
    User.objects.filter(email="pat@acme.test").update(role=Role.PRODUCT_LEADER, full_name="Pat P.")
    client.post(reverse("logout"))

    sso_provider.sign_in(client, "pat")

    person = User.objects.get(email="pat@acme.test")
    assert (person.role, person.full_name) == (Role.PRODUCT_LEADER, "Pat P.")
    assert signed_in_user(client) == person


def test_it_keeps_a_sales_leader_with_reps_a_sales_leader(
    client, sso_provider, mappings, leader, make_user
):
    make_user(Role.SALES_REP, manager=leader)
    sso_provider.set_user(
        "lee", email="lee@acme.test", email_verified=True, groups=["forcerank-product"]
    )

    sso_provider.sign_in(client, "lee")

    leader.refresh_from_db()
    assert signed_in_user(client) == leader
    assert leader.role == Role.SALES_LEADER  # the reps' triage queue stays with a sales leader


def test_it_refuses_someone_whose_groups_map_to_nothing(client, sso_provider, mappings):
    sso_provider.set_user(
        "mo", email="mo@acme.test", email_verified=True, name="Mo", groups=["marketing", "everyone"]
    )

    response = sso_provider.sign_in(client, "mo")

    assert response.status_code == 403
    assert "Ask your admin for access" in response.text
    assert (
        "none of your groups there gives access to Forcerank, so no account was made"
        in response.text
    )
    assert not User.objects.filter(email="mo@acme.test").exists()
    assert not SocialAccount.objects.exists()
    assert signed_in_user(client) is None


def test_it_refuses_someone_with_no_groups_claim_at_all(client, sso_provider, mappings):
    sso_provider.set_user("mo", email="mo@acme.test", email_verified=True)

    assert sso_provider.sign_in(client, "mo").status_code == 403
    assert not User.objects.filter(email="mo@acme.test").exists()


def test_it_links_an_existing_person_by_verified_address_without_a_duplicate(
    client, sso_provider, mappings, make_user
):
    pam = make_user(
        Role.PRODUCT_MANAGER, email="pam@acme.test", full_name="Pam", password="pam-pass-123"
    )
    sso_provider.set_user(
        "okta-id-42",
        email="Pam@Acme.test",
        email_verified=True,
        name="Pam",
        groups=["forcerank-product"],
    )

    sso_provider.sign_in(client, "okta-id-42")

    assert signed_in_user(client) == pam
    assert User.objects.count() == 2  # Lee and Pam: nobody new
    assert SocialAccount.objects.get(user=pam).uid == "okta-id-42"
    pam.refresh_from_db()
    assert pam.check_password("pam-pass-123")  # her password still works (allauth would wipe it)
    linked = AuditEntry.objects.get(person=pam, action=AuditEntry.Action.PERSON_UPDATED)
    assert linked.changes == {"sign_in": [None, "Acme SSO (single sign-on)"]}


def test_it_refuses_to_link_an_address_the_provider_did_not_verify(
    client, sso_provider, mappings, make_user
):
    pam = make_user(Role.PRODUCT_MANAGER, email="pam@acme.test")
    sso_provider.set_user(
        "evil", email="pam@acme.test", email_verified=False, groups=["forcerank-product"]
    )

    response = sso_provider.sign_in(client, "evil")

    assert response.status_code == 403
    assert "did not confirm that pam@acme.test is yours" in response.text
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.filter(user=pam).exists()


def test_it_refuses_a_deactivated_person(client, sso_provider, mappings):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    sso_provider.sign_in(client, "nora")
    client.post(reverse("logout"))
    User.objects.filter(email=NEW).update(is_active=False)

    response = sso_provider.sign_in(client, "nora")

    assert response.status_code == 403
    assert "Your Forcerank account is deactivated" in response.text
    assert signed_in_user(client) is None


def test_it_refuses_a_deactivated_person_found_by_address(
    client, sso_provider, mappings, make_user
):
    make_user(Role.PRODUCT_MANAGER, email="gone@acme.test", is_active=False)
    sso_provider.set_user(
        "gone", email="gone@acme.test", email_verified=True, groups=["forcerank-product"]
    )

    assert sso_provider.sign_in(client, "gone").status_code == 403
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_it_sends_state_and_pkce_and_returns_to_the_page_asked_for(client, sso_provider, mappings):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "acme"}), {"next": "/quarters/"}
    )
    query = parse_qs(urlsplit(start.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert len(query["state"][0]) >= 16
    assert query["redirect_uri"] == ["http://testserver/sso/oidc/acme/login/callback/"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}

    response = client.get(sso_provider.authorize(start.url, "nora"))

    assert response.status_code == 302
    assert response.url == "/quarters/"


def test_it_refuses_a_tampered_state(client, sso_provider, mappings):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    callback = sso_provider.authorize(start.url, "nora")

    response = client.get(with_query(callback, state="forged-state-1234"))

    assert response.status_code == 400
    assert "This sign-in has expired" in response.text
    assert "was not started from this browser" in response.text
    assert signed_in_user(client) is None
    assert not User.objects.filter(email=NEW).exists()


def test_it_refuses_a_callback_from_another_browser(
    client, sso_provider, mappings, django_user_model
):
    from django.test import Client

    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    callback = sso_provider.authorize(start.url, "nora")

    response = Client().get(callback)  # an attacker's browser, sent the victim's answer

    assert response.status_code == 400
    assert not User.objects.filter(email=NEW).exists()


def test_it_refuses_a_replayed_answer(client, sso_provider, mappings):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    callback = sso_provider.authorize(start.url, "nora")
    assert client.get(callback).status_code == 302
    client.post(reverse("logout"))

    response = client.get(callback)

    assert response.status_code == 400
    assert signed_in_user(client) is None


def test_it_refuses_an_id_token_from_another_issuer(
    client, settings, sso_provider, mappings, caplog
):
    # The provider hands out tokens from its token endpoint as reached at "localhost", so
    # they name http://localhost:<port> as their issuer, not the configured 127.0.0.1 one.
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    port = urlsplit(sso_provider.url).port
    app["settings"]["openid_configuration_overrides"]["token_endpoint"] = (
        f"http://localhost:{port}/oauth2/token"
    )
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])

    response = sso_provider.sign_in(client, "nora")

    assert response.status_code == 400
    assert "could not verify the answer from Acme SSO" in response.text
    assert "InvalidIssuerError" in caplog.text  # refused for its issuer, nothing else
    assert signed_in_user(client) is None
    assert not User.objects.filter(email=NEW).exists()


def test_it_says_so_when_the_person_cancels_at_the_provider(client, sso_provider, mappings):
    import requests

    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))
    denied = requests.post(start.url, data={"action": "deny"}, allow_redirects=False, timeout=5)

    response = client.get(denied.headers["Location"], follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Signing in with Acme SSO was cancelled." in response.text
    assert signed_in_user(client) is None


def test_it_shows_a_button_for_a_get_rather_than_signing_in(client, sso_provider):
    response = client.get(reverse("openid_connect_login", kwargs={"provider_id": "acme"}))

    assert response.status_code == 200
    assert "Continue to Acme SSO" in response.text
    assert 'method="post"' in response.text
    assert sso_provider.url in response["Content-Security-Policy"]  # form-action


def test_it_answers_404_for_a_provider_that_is_not_configured(client, sso_provider):
    for url in [
        reverse("openid_connect_login", kwargs={"provider_id": "nobody"}),
        reverse("openid_connect_callback", kwargs={"provider_id": "nobody"}),
        reverse("saml_login", kwargs={"organization_slug": "acme"}),  # not a SAML provider
    ]:
        assert client.post(url).status_code == 404, url


def test_it_says_so_when_the_provider_cannot_be_reached(client, settings):
    entry = {"id": "down", "name": "Down SSO", "issuer": "http://127.0.0.1:9", "client_id": "x"}
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps([entry]), "")

    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "down"}))

    assert response.status_code == 502
    assert "could not reach Down SSO" in response.text


def test_it_refuses_another_provider_for_an_sso_only_domain(client, settings, oidc_idp, mappings):
    entries = [
        {"id": "acme", "name": "Acme SSO", "issuer": oidc_idp.url, "client_id": "a", "secret": "s"},
        {
            "id": "partner",
            "name": "Partner SSO",
            "issuer": oidc_idp.url,
            "client_id": "b",
            "secret": "s",
        },
    ]
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps(entries), "")
    SsoOnlyDomain.objects.create(domain="acme.test", provider_id="acme")
    oidc_idp.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])

    response = oidc_idp.sign_in(client, "nora", provider_id="partner")

    assert response.status_code == 403
    assert "People at acme.test sign in with Acme SSO, not Partner SSO" in response.text
    assert not User.objects.filter(email=NEW).exists()
    assert oidc_idp.sign_in(client, "nora", provider_id="acme").status_code == 200
    assert signed_in_user(client).email == NEW


def test_it_reads_groups_from_the_claim_the_provider_is_configured_with(client, settings, oidc_idp):
    # Google Workspace sends no groups: its hosted-domain claim "hd" admits the company.
    entry = {
        "id": "google",
        "name": "Google",
        "issuer": oidc_idp.url,
        "client_id": "g",
        "secret": "s",
        "groups_claim": "hd",
    }
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps([entry]), "")
    GroupRole.objects.create(provider_id="google", group="acme.test", role=Role.PRODUCT_MANAGER)
    oidc_idp.set_user("g1", email=NEW, email_verified=True, hd="acme.test")
    oidc_idp.set_user("g2", email="someone@gmail.test", email_verified=True)

    assert oidc_idp.sign_in(client, "g1", provider_id="google").status_code == 200
    assert User.objects.get(email=NEW).role == Role.PRODUCT_MANAGER
    client.post(reverse("logout"))
    assert oidc_idp.sign_in(client, "g2", provider_id="google").status_code == 403


def test_it_never_sends_someone_to_another_site_after_signing_in(client, sso_provider, mappings):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "acme"}),
        {"next": "https://evil.test/phish"},
    )

    response = client.get(sso_provider.authorize(start.url, "nora"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


@pytest.mark.parametrize("process", ["connect", "redirect"])
def test_it_only_ever_signs_people_in(client, sso_provider, mappings, make_user, process):
    """allauth's "connect" and "redirect" processes are not offered, even to a forged form."""
    pam = make_user(Role.PRODUCT_MANAGER, email="pam@acme.test")
    client.force_login(pam)
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])
    start = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "acme"}), {"process": process}
    )

    response = client.get(sso_provider.authorize(start.url, "nora"))

    assert response.status_code == 400
    assert not User.objects.filter(email=NEW).exists()
    assert not SocialAccount.objects.exists()
