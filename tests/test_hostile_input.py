"""Hostile and unusable input meets a clear refusal at the edge, never a 500: NUL and other
control characters in addresses, queries and forms (400), methods no page uses (405), text
made only of invisible characters; and signed-in pages stay out of shared caches.

The NUL cases matter most on PostgreSQL, which refuses NUL in text: run this module with
DATABASE_URL pointing at it too.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from budgets.selectors import company_today
from config.middleware import unusable_input
from feature_requests.models import Customer, Deal, FeatureRequest
from reviews.models import WeeklyReview
from reviews.services import review_generate, week_start_for

pytestmark = pytest.mark.django_db

REFUSED = "That request could not be understood"  # the heading of templates/400.html
UNUSABLE = "a character that cannot be used"


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    # A 500 is an answer to look at here, not an exception to stop at.
    client.raise_request_exception = False
    return client


@pytest.fixture
def review(quarter):
    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    review.refresh_from_db()
    return review


def request_form(**changes: str) -> dict[str, str]:
    """The request form as a browser posts it, with no deals."""
    return {
        "title": "Bulk export",
        "problem": "They cannot export.",
        "quarter": "",
        "deals-TOTAL_FORMS": "1",
        "deals-INITIAL_FORMS": "0",
        "deals-MIN_NUM_FORMS": "0",
        "deals-MAX_NUM_FORMS": "50",
        "deals-0-deal": "",
        "deals-0-criticality": "important",
    } | changes


def assert_refused(response) -> None:
    assert response.status_code == 400, response.status_code
    assert REFUSED in response.text  # the site's own 400 page …
    assert UNUSABLE in response.text  # … saying why


# --- NUL and other control characters: 400 at the edge -----------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/board/{label}%00/",
        "/budget/{label}%00/",
        "/quarters/%00/",
        "/reviews/%00/2026-11-23/",
        "/reviews/{label}/2026-11-23%00/",
        "/decisions/?quarter=%00",
        "/commitments/?quarter=%00",
        "/swaps/new/?quarter=%00",
        "/requests/?q=abc%00def",
        "/deals/pick/?q=abc%00def",
        "/search/?q=abc%00def",
        "/requests/similar/?title=abc%00def",
        "/people/?q=abc%00def",
        "/people/?role=%00&status=active",
        "/board/{label}/?quarter=%01",  # other control characters are as unusable
        "/board/{label}%0A/",  # in an address, even a line break
    ],
)
def test_it_refuses_nul_in_the_address_with_a_400(admin_client, quarter, path):
    assert_refused(admin_client.get(path.format(label=quarter.label)))


def test_it_refuses_nul_in_a_form_field_and_saves_nothing(client, cast):
    client.force_login(cast[Role.SALES_REP])
    client.raise_request_exception = False
    response = client.post(reverse("requests:request_create"), request_form(title="Bulk\x00export"))
    assert_refused(response)
    assert "“title”" in response.text
    assert not FeatureRequest.objects.exists()


def test_it_refuses_nul_in_a_field_name(client, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(reverse("requests:request_create"), request_form() | {"x\x00": "1"})
    assert_refused(response)
    assert not FeatureRequest.objects.exists()


def test_it_refuses_nul_in_a_cookie_before_the_session_is_looked_up(client, cast):
    client.force_login(cast[Role.ADMIN])
    client.raise_request_exception = False
    # Sent as "…\000…", an octal escape in a quoted cookie value, which Django decodes.
    client.cookies["sessionid"] = client.cookies["sessionid"].value + "\x00"
    response = client.get(reverse("dashboard"))
    assert response.status_code == 400
    assert "A cookie contains a character that cannot be used" in response.text
    assert "no-store" in response["Cache-Control"]


def test_it_keeps_tabs_and_line_breaks_in_typed_text(client, cast):
    client.force_login(cast[Role.SALES_REP])
    problem = "They cannot export.\r\nNot even\tby hand."
    response = client.post(reverse("requests:request_create"), request_form(problem=problem))
    assert response.status_code == 302
    assert FeatureRequest.objects.get().problem == problem


def test_it_refuses_lone_surrogates():
    # A browser cannot send one (Django decodes bytes with replacement), but a value that
    # holds one cannot be stored or encoded: the same refusal, whatever put it there.
    request = RequestFactory().get("/requests/")
    request.GET = QueryDict(mutable=True)
    request.GET["q"] = "abc\ud800"
    assert UNUSABLE in (unusable_input(request) or "")
    request.GET["q"] = "abc"
    assert unusable_input(request) is None


def test_it_answers_the_refusal_with_the_sites_security_headers(admin_client):
    response = admin_client.get("/decisions/?quarter=%00")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


# --- methods no page uses: 405 -------------------------------------------------------------------


@pytest.fixture
def pages(quarter, review, cast):
    request = FeatureRequest.objects.create(
        title="Export", problem="p", submitted_by=cast[Role.SALES_REP], quarter=quarter
    )
    return [
        reverse("dashboard"),
        reverse("commitments:board", args=[quarter.label]),
        reverse("requests:request_detail", args=[request.pk]),
        reverse("reviews:review_detail", args=[quarter.label, review.week_start.isoformat()]),
    ]


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_it_answers_405_to_methods_no_page_uses(admin_client, pages, method):
    for path in pages:
        response = getattr(admin_client, method)(path)
        assert response.status_code == 405, (method, path, response.status_code)
        assert response["Allow"] == "GET, HEAD, POST"


def test_it_still_answers_get_head_and_post(admin_client, pages):
    for path in pages:
        assert admin_client.get(path).status_code == 200, path
        assert admin_client.head(path).status_code == 200, path
    # The Django admin deletes with a POST, never a DELETE: that still works.
    customer = Customer.objects.create(name="Acme", arr=1)
    response = admin_client.post(
        f"/admin/feature_requests/customer/{customer.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Customer.objects.exists()


# --- signed-in pages stay out of shared caches ----------------------------------------------------


def test_it_keeps_signed_in_pages_out_of_shared_caches(client, cast, quarter, settings):
    client.force_login(cast[Role.SALES_REP])
    for path in [reverse("dashboard"), reverse("commitments:board", args=[quarter.label])]:
        cache_control = client.get(path)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, path
    # A page that says how it may be cached keeps its own word (the health check).
    assert client.get(reverse("healthz"))["Cache-Control"] == (
        "max-age=0, no-cache, no-store, must-revalidate, private"
    )
    client.logout()
    # Signed out, nobody's data is on the page: left as the view answered it.
    assert "Cache-Control" not in client.get(reverse("password_reset")).headers
    assert client.get(reverse("login"))["Cache-Control"] == (
        "max-age=0, no-cache, no-store, must-revalidate, private"  # Django's own never_cache
    )


def test_it_leaves_static_files_to_their_own_caching(client, cast, settings):
    # WhiteNoise serves static files ahead of the views; a fresh client builds the
    # middleware again with these settings.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(cast[Role.SALES_REP])
    response = client.get("/static/css/forcerank.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "no-store" in client.get(reverse("dashboard"))["Cache-Control"]


# --- text that shows nothing is no text -----------------------------------------------------------

INVISIBLE = ["\u200b", "\u2060\ufeff", "\u200b \u200d", "\u0301\u0301", "\u3164"]


@pytest.mark.parametrize("blank", INVISIBLE, ids=ascii)
def test_it_refuses_a_request_with_an_invisible_title_or_problem(client, cast, blank):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(
        reverse("requests:request_create"), request_form(title=blank, problem=blank)
    )
    assert response.status_code == 400
    for field, message in [
        ("title", "Give the request a title."),
        ("problem", "Describe the customer&#x27;s problem."),
    ]:
        group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
        assert message in group
    assert not FeatureRequest.objects.exists()


def test_it_keeps_a_visible_title_as_typed(client, cast):
    client.force_login(cast[Role.SALES_REP])
    title = "SSO \u200bfor 👩\u200d💻"  # a zero-width space and a joined emoji inside
    response = client.post(reverse("requests:request_create"), request_form(title=title))
    assert response.status_code == 302
    assert FeatureRequest.objects.get().title == title


@pytest.mark.parametrize("blank", INVISIBLE, ids=ascii)
def test_it_refuses_an_invisible_customer_or_deal_name(client, cast, blank):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(
        reverse("requests:customer_create"),
        {"name": blank, "segment": "enterprise", "arr": "1000", "crm_url": ""},
    )
    assert response.status_code == 400
    group = response.text.split('name="name"')[0].rsplit('<div class="field', 1)[1]
    assert "Enter the customer&#x27;s name." in group
    assert not Customer.objects.exists()

    acme = Customer.objects.create(name="Acme", arr=1)
    response = client.post(
        reverse("requests:deal_create"),
        {"customer": acme.pk, "name": blank, "amount": "1", "stage": "evaluation"},
    )
    assert response.status_code == 400
    group = response.text.split('name="name"')[0].rsplit('<div class="field', 1)[1]
    assert "Enter the deal&#x27;s name." in group
    assert not Deal.objects.exists()


@pytest.mark.parametrize("blank", ["\u200b\u200b", "   ", "\u00ad"])
def test_it_does_not_search_for_invisible_text(admin_client, blank):
    response = admin_client.get(reverse("requests:search"), {"q": blank})
    assert response.status_code == 200
    assert "Search requests by title" in response.text  # the empty page, not "nothing matches"


@pytest.mark.parametrize(
    "text", ["%", "_", "'; DROP TABLE x; --", "a <% b", "\\", "!!! & | ! ()", '"quoted" -not']
)
def test_it_searches_for_sql_and_query_syntax_as_plain_text(admin_client, cast, text):
    """LIKE wildcards, tsquery operators and quotes are words to look for, never syntax."""
    FeatureRequest.objects.create(title="Plain request", problem="p", submitted_by=cast[Role.ADMIN])
    response = admin_client.get(reverse("requests:search"), {"q": text})
    assert response.status_code == 200
    assert "Plain request" not in response.text


def test_it_refuses_a_search_too_long_with_a_message(admin_client):
    response = admin_client.get(reverse("requests:search"), {"q": "y" * 5_000})
    assert response.status_code == 400
    assert "at most 200 characters" in response.text


@pytest.mark.django_db
def test_pages_that_answer_htmx_with_a_fragment_vary_on_it(client, cast, quarter):
    client.force_login(cast[Role.SALES_LEADER])
    url = reverse("commitments:board", args=[quarter.label])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert "HX-Request" in response["Vary"], headers


def test_it_refuses_nul_in_an_invitation_and_invites_nobody(admin_client):
    from accounts.models import User

    response = admin_client.post(
        reverse("people:person_invite"),
        {"full_name": "Nina\x00New", "email": "nina@example.com", "role": "product_manager"},
    )
    assert_refused(response)
    assert not User.objects.filter(email="nina@example.com").exists()


@pytest.mark.parametrize("blank", INVISIBLE, ids=ascii)
def test_it_refuses_an_invisible_name_for_a_person(admin_client, cast, blank):
    rep = cast[Role.SALES_REP]
    response = admin_client.post(
        reverse("people:person_detail", args=[rep.pk]),
        {"full_name": blank, "role": "sales_rep", "manager": rep.manager_id},
    )
    assert response.status_code == 400
    group = response.text.split('name="full_name"')[0].rsplit('<div class="field', 1)[1]
    assert "Enter the person&#x27;s name." in group
    rep.refresh_from_db()
    assert rep.full_name == "Ray Rep"


# --- Company sign-in: what an identity provider's answer (or a forger) can send -------------


@pytest.fixture
def sso_providers(settings):
    import json

    from config.sso import socialaccount_providers

    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        json.dumps(
            [{"id": "acme", "name": "Acme", "issuer": "https://sso.acme.test", "client_id": "x"}]
        ),
        json.dumps(
            [
                {
                    "id": "acme-saml",
                    "name": "Acme SAML",
                    "entity_id": "https://sso.acme.test/saml",
                    "sso_url": "https://sso.acme.test/saml/login",
                    "x509cert": "MIIC",
                }
            ]
        ),
    )


@pytest.mark.usefixtures("sso_providers")
@pytest.mark.parametrize(
    "query",
    [
        "?code=abc&state=" + "x" * 5000,
        "?code=%E2%80%AE&state=%F0%9F%98%80",
        "?state=abc&state=def&code=1&code=2",
        "?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C/script%3E",
        "?error=server_error&error_description=%3Cscript%3E",
    ],
)
def test_it_refuses_a_forged_sign_in_answer_with_a_page_not_a_500(client, query):
    client.raise_request_exception = False
    response = client.get(reverse("openid_connect_callback", args=["acme"]) + query, follow=True)
    assert response.status_code in (200, 400)  # the login page (cancelled), or a refusal
    assert "<script>" not in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("sso_providers")
@pytest.mark.parametrize(
    "saml_response",
    [
        "not base64 at all %%%",
        "PHA+bm90IFNBTUw8L3A+",  # <p>not SAML</p>
        # An external entity (XXE): read nothing, resolve nothing.
        "PD94bWwgdmVyc2lvbj0iMS4wIj8+PCFET0NUWVBFIHIgWzwhRU5USVRZIHggU1lTVEVNICJmaWxlOi8vL2V0Yy9wYXNzd2QiPl0+PHI+Jng7PC9yPg==",
        "",
    ],
)
def test_it_refuses_a_malformed_saml_response_with_a_page_not_a_500(client, saml_response):
    client.raise_request_exception = False
    consumed = client.post(reverse("saml_acs", args=["acme-saml"]), {"SAMLResponse": saml_response})
    response = client.get(consumed.url)
    assert response.status_code == 400
    assert "root:" not in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("provider_id", ["..", "acme%2F..", "ACME", "%C3%A9", "a" * 300])
def test_it_answers_404_to_a_provider_id_that_is_none(client, sso_providers, provider_id):
    client.raise_request_exception = False
    response = client.post(f"/sso/oidc/{provider_id}/login/")
    assert response.status_code == 404


# --- bulk triage and the owner form ----------------------------------------------------------------


@pytest.fixture
def waiting(cast):
    return FeatureRequest.objects.create(
        title="Waiting", problem="p", submitted_by=cast[Role.SALES_REP]
    )


@pytest.mark.parametrize(
    "ids",
    [
        ["-1"],
        ["0"],
        ["2147483648"],
        ["9" * 40],
        ["1e3"],
        ["１"],  # a full-width digit
        [" "],
        [str(n) for n in range(1, 202)],  # more than a page could show
    ],
    ids=lambda ids: ascii(ids[0]) + (f"x{len(ids)}" if len(ids) > 1 else ""),
)
def test_it_refuses_request_numbers_no_page_could_send_in_bulk_triage(client, cast, waiting, ids):
    client.force_login(cast[Role.SALES_LEADER])
    client.raise_request_exception = False
    response = client.post(
        reverse("requests:triage_bulk"), {"action": "decline", "reason": "No", "requests": ids}
    )
    assert response.status_code == 400
    assert "Nothing was triaged" in response.text
    waiting.refresh_from_db()
    assert waiting.status == FeatureRequest.Status.SUBMITTED


@pytest.mark.parametrize("blank", INVISIBLE, ids=ascii)
def test_it_refuses_an_invisible_bulk_decline_reason(client, cast, waiting, blank):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.post(
        reverse("requests:triage_bulk"),
        {"action": "decline", "reason": blank, "requests": [waiting.pk]},
    )
    assert response.status_code == 400
    waiting.refresh_from_db()
    assert waiting.status == FeatureRequest.Status.SUBMITTED


def test_it_triages_a_request_ticked_twice_once(client, cast, waiting):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.post(
        reverse("requests:triage_bulk"),
        {"action": "decline", "reason": "No", "requests": [waiting.pk, waiting.pk]},
    )
    assert response.status_code == 302
    assert waiting.status_changes.filter(to_status="declined_by_sales").count() == 1


@pytest.mark.parametrize("owner", ["abc", "-1", "9" * 40, "1\x00"], ids=ascii)
def test_it_refuses_an_owner_no_page_could_send(client, cast, waiting, owner):
    client.force_login(cast[Role.PRODUCT_LEADER])
    client.raise_request_exception = False
    response = client.post(reverse("requests:request_owner", args=[waiting.pk]), {"owner": owner})
    assert response.status_code == 400
    waiting.refresh_from_db()
    assert waiting.owner is None
