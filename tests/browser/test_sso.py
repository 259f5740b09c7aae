"""Company sign-in in Chromium: the login page's button, a real OpenID Connect provider's own
page on 127.0.0.1 (oidc-provider-mock), and back to Forcerank."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from people.models import GroupRole

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEW = "nora@acme.test"


@pytest.fixture
def mappings(transactional_db, make_user):
    leader = make_user(Role.SALES_LEADER, full_name="Lee Leader")
    GroupRole.objects.create(group="forcerank-reps", role=Role.SALES_REP, manager=leader)
    GroupRole.objects.create(group="forcerank-product", role=Role.PRODUCT_MANAGER)


@pytest.fixture
def idp_page(page, sso_provider):
    """The page, with the mock provider's stylesheet (a CDN this machine cannot reach) served
    empty, so that its page loads without errors."""
    page.route(
        "https://cdn.jsdelivr.net/**",
        lambda route: route.fulfill(status=200, content_type="text/css", body=""),
    )
    return page


def sign_in(page, sub: str, *, tamper_state: bool = False) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme SSO").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    if tamper_state:
        parts = urlsplit(page.url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        page.goto(urlunsplit(parts._replace(query=urlencode(query | {"state": "forged-state"}))))
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def expect_refusal(page, console_errors, heading: str, status: str) -> None:
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    # Chromium logs the refusal's status itself; that one is expected.
    console_errors.remove(
        f"Failed to load resource: the server responded with a status of {status}"
    )


def test_it_signs_a_new_person_in_and_updates_them_at_the_next_sign_in(
    idp_page, sso_provider, mappings
):
    page = idp_page
    sso_provider.set_user(
        "nora", email=NEW, email_verified=True, name="Nora Newrep", groups=["forcerank-reps"]
    )

    sign_in(page, "nora")

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator(".site-header .role-badge")).to_have_text("Sales rep")
    expect(page.locator(".site-header .who")).to_contain_text("Nora Newrep")
    assert User.objects.get(email=NEW).role == Role.SALES_REP

    page.get_by_role("button", name="Log out").click()
    sso_provider.set_user(
        "nora", email=NEW, email_verified=True, name="Nora Product", groups=["forcerank-product"]
    )
    sign_in(page, "nora")

    expect(page.locator(".site-header .role-badge")).to_have_text("Product manager")
    expect(page.locator(".site-header .who")).to_contain_text("Nora Product")
    assert User.objects.filter(email=NEW).count() == 1


def test_it_refuses_someone_whose_groups_map_to_nothing(
    idp_page, sso_provider, mappings, console_errors
):
    sso_provider.set_user("mo", email="mo@acme.test", email_verified=True, groups=["marketing"])

    sign_in(idp_page, "mo")

    expect_refusal(idp_page, console_errors, "Ask your admin for access", "403 (Forbidden)")
    expect(idp_page.get_by_test_id("sso-message")).to_contain_text("no account was made")
    assert not User.objects.filter(email="mo@acme.test").exists()


def test_it_refuses_a_tampered_state(idp_page, sso_provider, mappings, console_errors):
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])

    sign_in(idp_page, "nora", tamper_state=True)

    expect_refusal(idp_page, console_errors, "This sign-in has expired", "400 (Bad Request)")
    assert not User.objects.filter(email=NEW).exists()


def test_it_refuses_an_id_token_from_another_issuer(
    idp_page, settings, sso_provider, mappings, console_errors
):
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    port = urlsplit(sso_provider.url).port
    app["settings"]["openid_configuration_overrides"]["token_endpoint"] = (
        f"http://localhost:{port}/oauth2/token"  # its tokens then name another issuer
    )
    sso_provider.set_user("nora", email=NEW, email_verified=True, groups=["forcerank-product"])

    sign_in(idp_page, "nora")

    expect_refusal(
        idp_page, console_errors, "The sign-in could not be verified", "400 (Bad Request)"
    )
    assert not User.objects.filter(email=NEW).exists()


# --- axe-core on the company sign-in pages ---------------------------------------------------

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def axe_page(browser, live_server, console_errors) -> Iterator[object]:
    """A page with axe in every document it opens (an init script, outside the site's CSP)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.add_init_script(script=AXE_SOURCE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    yield page
    context.close()
    assert console_errors == [], f"the browser console reported errors: {console_errors}"


def serious_violations(page, where: str) -> list[str]:
    found = page.evaluate(
        """async tags => (await axe.run(document, {runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"]})).violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.map(n => n.target.join(" "))}))""",
        AXE_TAGS,
    )
    return [
        f"{v['impact']} {v['id']} on {where}: {v['targets'][:5]}"
        for v in found
        if v["impact"] in {"serious", "critical"}
    ]


def test_axe_finds_nothing_serious_on_the_sign_in_pages(
    axe_page, sso_provider, mappings, console_errors
):
    page = axe_page
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto("/accounts/login/")
        problems += serious_violations(page, f"the login page with its button ({width})")
        page.goto("/sso/oidc/acme/login/")
        problems += serious_violations(page, f"the Continue page ({width})")
        page.goto("/sso/oidc/acme/login/callback/?state=forged&code=x")
        expect(page.get_by_role("heading", name="This sign-in has expired")).to_be_visible()
        problems += serious_violations(page, f"a refusal ({width})")
        console_errors.remove(
            "Failed to load resource: the server responded with a status of 400 (Bad Request)"
        )
    assert problems == [], "\n".join(problems)
