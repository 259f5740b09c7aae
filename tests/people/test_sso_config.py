"""Company sign-in providers from the environment (config/sso.py), and the local mock
provider's command (`manage.py sso_mock`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.sso import oidc_apps, saml_apps, socialaccount_providers

OKTA = {
    "id": "okta",
    "name": "Okta",
    "issuer": "https://acme.okta.com/oauth2/default",
    "client_id": "0oa1",
    "secret": "okta-secret",
    "scopes": ["groups"],
}


def test_it_builds_one_allauth_app_per_openid_connect_provider():
    entra = {
        "id": "entra",
        "name": "Microsoft",
        "issuer": "https://login.microsoftonline.com/tenant-id/v2.0",
        "client_id": "app-id",
        "secret": "s",
        "groups_claim": "roles",
        "trust_email": True,
    }

    okta_app, entra_app = oidc_apps(json.dumps([OKTA, entra]))

    assert okta_app == {
        "provider_id": "okta",
        "name": "Okta",
        "client_id": "0oa1",
        "secret": "okta-secret",
        "settings": {
            "server_url": "https://acme.okta.com/oauth2/default",
            "openid_configuration_overrides": {"issuer": "https://acme.okta.com/oauth2/default"},
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
            "scope": ["openid", "profile", "email", "groups"],
            "groups_claim": "groups",
        },
    }
    assert entra_app["settings"]["groups_claim"] == "roles"
    assert entra_app["settings"]["verified_email"] is True
    assert "verified_email" not in okta_app["settings"]  # the email_verified claim decides


def test_it_keeps_the_issuer_exactly_and_finds_discovery_below_it():
    auth0 = {"id": "auth0", "name": "Auth0", "issuer": "https://acme.auth0.com/", "client_id": "x"}

    (app,) = oidc_apps(json.dumps([auth0]))

    assert app["settings"]["openid_configuration_overrides"]["issuer"] == "https://acme.auth0.com/"
    assert app["settings"]["server_url"] == "https://acme.auth0.com"
    assert app["secret"] == ""


def test_it_builds_saml_apps_from_a_metadata_url_or_a_certificate():
    entries = [
        {
            "id": "okta-saml",
            "name": "Okta (SAML)",
            "metadata_url": "https://acme.okta.com/app/exk1/sso/saml/metadata",
            "entity_id": "http://www.okta.com/exk1",
        },
        {
            "id": "google",
            "name": "Google",
            "entity_id": "https://accounts.google.com/o/saml2?idpid=C01",
            "sso_url": "https://accounts.google.com/o/saml2/idp?idpid=C01",
            "x509cert": "MIIDdDCC",
            "sp_entity_id": "https://forcerank.acme.com/saml",
            "groups_attribute": "memberOf",
            "trust_email": False,
        },
    ]

    metadata_app, inline_app = saml_apps(json.dumps(entries))

    assert metadata_app["provider_id"] == metadata_app["client_id"] == "okta-saml"
    assert metadata_app["settings"]["idp"] == {
        "entity_id": "http://www.okta.com/exk1",
        "metadata_url": "https://acme.okta.com/app/exk1/sso/saml/metadata",
    }
    assert metadata_app["settings"]["advanced"] == {
        "want_assertion_signed": True,
        "reject_idp_initiated_sso": True,
        "allow_single_label_domains": True,
    }
    assert metadata_app["settings"]["verified_email"] is True
    assert metadata_app["settings"]["groups_attribute"] == "groups"
    assert inline_app["settings"]["idp"]["sso_url"].startswith("https://accounts.google.com/")
    assert inline_app["settings"]["sp"] == {"entity_id": "https://forcerank.acme.com/saml"}
    assert inline_app["settings"]["groups_attribute"] == "memberOf"
    assert "verified_email" not in inline_app["settings"]


def test_it_gives_allauth_both_kinds_and_nothing_when_unset():
    saml = {"id": "s", "name": "S", "metadata_url": "https://idp.test/m", "entity_id": "e"}

    providers = socialaccount_providers(json.dumps([OKTA]), json.dumps([saml]))

    assert [app["provider_id"] for app in providers["openid_connect"]["APPS"]] == ["okta"]
    assert [app["provider_id"] for app in providers["saml"]["APPS"]] == ["s"]
    assert socialaccount_providers("", "  ") == {}


@pytest.mark.parametrize(
    ("oidc", "saml", "message"),
    [
        ("{not json", "", "SSO_OIDC_PROVIDERS is not valid JSON"),
        ('{"id": "okta"}', "", "must be a JSON list of objects"),
        (json.dumps([OKTA | {"secrett": "x"}]), "", "unknown key(s) secrett"),
        (json.dumps([OKTA | {"id": "Okta Prod"}]), "", "“id” must be 1–30 lower-case letters"),
        (json.dumps([OKTA | {"name": ""}]), "", "“name” must be a non-empty string"),
        (json.dumps([{k: v for k, v in OKTA.items() if k != "client_id"}]), "", "“client_id”"),
        (json.dumps([OKTA | {"issuer": "http://okta.example.com"}]), "", "must use https://"),
        (json.dumps([OKTA | {"issuer": "acme.okta.com"}]), "", "must be an https:// URL"),
        (json.dumps([OKTA | {"scopes": "groups"}]), "", "“scopes” must be a list"),
        (json.dumps([OKTA | {"trust_email": "yes"}]), "", "“trust_email” must be true or false"),
        (json.dumps([OKTA, OKTA]), "", "Two company sign-in providers have the id 'okta'"),
        ("", json.dumps([{"id": "s", "name": "S", "entity_id": "e"}]), "give “metadata_url”"),
        (
            json.dumps([OKTA]),
            json.dumps(
                [{"id": "okta", "name": "S", "metadata_url": "https://m.test", "entity_id": "e"}]
            ),
            "ids must differ",
        ),
    ],
)
def test_it_stops_at_a_mistake_with_a_message_naming_it(oidc, saml, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        socialaccount_providers(oidc, saml)
    assert message in str(refused.value)


def test_it_allows_plain_http_to_this_machine_only():
    local = OKTA | {"issuer": "http://127.0.0.1:9400"}
    (app,) = oidc_apps(json.dumps([local]))
    assert app["settings"]["server_url"] == "http://127.0.0.1:9400"


def test_it_reads_the_providers_from_the_environment_at_start_up(tmp_path):
    env = os.environ | {"DEBUG": "1", "SSO_OIDC_PROVIDERS": json.dumps([OKTA])}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'][0]['provider_id'])"
    )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"

    shown = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    broken = subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"SSO_OIDC_PROVIDERS": "[{]"},
        capture_output=True,
        text=True,
    )

    assert shown.stdout.strip().splitlines()[-1] == "okta", shown.stderr
    assert "SSO_OIDC_PROVIDERS is not valid JSON" in broken.stderr


# --- manage.py sso_mock -----------------------------------------------------------------------


def test_it_prints_a_provider_setting_that_parses():
    from people.management.commands.sso_mock import provider_entry, sso_env

    line = sso_env(host="127.0.0.1", port=9400)
    assert line.startswith("SSO_OIDC_PROVIDERS='") and line.endswith("'")
    (app,) = oidc_apps(line.removeprefix("SSO_OIDC_PROVIDERS=").strip("'"))
    assert app["provider_id"] == "mock"
    assert app["settings"]["server_url"] == "http://127.0.0.1:9400"
    assert provider_entry(host="127.0.0.1", port=9400)["issuer"] == "http://127.0.0.1:9400"


@pytest.mark.django_db
def test_it_maps_the_mock_groups_once_with_the_demo_manager(make_user):
    from accounts.models import Role
    from people.management.commands.sso_mock import mock_mappings_ensure
    from people.models import GroupRole

    manager = make_user(Role.SALES_LEADER, email="manager.east@example.com")

    added = mock_mappings_ensure()

    assert len(added) == 3
    rep_row = GroupRole.objects.get(provider_id="mock", group="forcerank-sales")
    assert (rep_row.role, rep_row.manager) == (Role.SALES_REP, manager)
    assert mock_mappings_ensure() == []  # a second start changes nothing


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_mock_commands_provider_signs_a_new_person_in(client, settings, make_user):
    """The command's own provider and mappings, as `make sso-mock` starts them."""
    import threading

    import requests
    from django.urls import reverse

    from accounts.models import Role, User
    from people.management.commands.sso_mock import mock_mappings_ensure, mock_server, sso_env

    make_user(Role.SALES_LEADER, email="manager.east@example.com")
    mock_mappings_ensure()
    server = mock_server(host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        value = sso_env(host="127.0.0.1", port=server.server_port)
        settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
            value.removeprefix("SSO_OIDC_PROVIDERS=").strip("'"), ""
        )
        start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "mock"}))
        page = requests.get(start.url, timeout=5)
        assert "new.rep@example.com" in page.text  # offered with one click
        answer = requests.post(
            start.url, data={"sub": "new.rep@example.com"}, allow_redirects=False, timeout=5
        )
        response = client.get(answer.headers["Location"])
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

    assert response.status_code == 302
    assert User.objects.get(email="new.rep@example.com").role == Role.SALES_REP
