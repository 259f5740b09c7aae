"""Every URL × every role (and anonymous): the status a user gets, decided server-side."""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver, resolve, reverse

from accounts.models import Role

LOGIN = "login redirect"
ANON = "anonymous"
ROLES = [ANON, *Role]

# url name -> the object whose id or label the URL takes (filled in from the fixtures).
URLS = {
    "dashboard": None,
    "budgets:quarter_list": None,
    "budgets:quarter_create": None,
    "budgets:quarter_detail": "quarter",
    "budgets:quarter_edit": "quarter",
    "budgets:settings": None,
    "requests:customer_list": None,
    "requests:customer_create": None,
    "requests:crm_import": None,
    "requests:customer_detail": "customer",
    "requests:customer_edit": "customer",
    "requests:deal_list": None,
    "requests:deal_create": None,
    "requests:deal_edit": "deal",
    "requests:deal_pick": None,
    "requests:deal_request": "crm_deal",  # a CRM's link on a deal, by its CRM id
    "requests:search": None,
    "requests:duplicate_hints": None,
    "requests:request_list": None,
    "requests:request_create": None,
    "requests:request_detail": "request",
    "requests:request_edit": "request",
    "requests:triage_queue": None,
    "requests:estimate_queue": None,
    "commitments:board_current": None,
    "commitments:board": "quarter",
    "requests:ranking_history": "quarter",
    "commitments:board_export": "quarter",
    "notification_list": None,
    "notification_emails": None,
    "commitments:decision_queue": None,
    "commitments:commitment_list": None,
    "commitments:commitment_drop": "commitment",
    "commitments:swap_create": None,
    "commitments:swap_detail": "swap",
    "commitments:budget_current": None,
    "commitments:budget": "quarter",
    "commitments:roadmap": None,
    "reviews:review_current": None,
    "reviews:review_archive": None,
    "reviews:review_ics": None,
    "reviews:review_status": "review_pk",
    "reviews:review_detail": "review",
    "reviews:review_print": "review",
    "reviews:review_markdown": "review",
    "reviews:review_meeting": "review",
    "reviews:review_mark_held": "review",  # the confirmation step
    "people:person_list": None,
    "people:person_invite": None,
    "people:person_detail": "person",
    "people:person_deactivate": "person",  # the confirmation step
    "requests:saved_view_list": None,
    # api (REST API, API keys): add its pages here
    "api:key_list": None,
    "api:key_list_all": None,
    # webhooks: add its pages here
    "webhooks:endpoint_list": None,
    "webhooks:endpoint_create": None,
    "webhooks:endpoint_detail": "webhook_endpoint",
    # slack_app: add its pages here
    "slack_app:settings": None,
    "slack_app:me": None,
    # crm: add its pages here
    "crm:settings": None,
    "crm:sync_status": "crm_sync_run",
}
# POST-only actions: an empty POST is bad input (400) for those allowed, 403 for the rest.
POST_URLS = {
    "requests:comment_create": "request",
    "requests:request_accept": "request",
    "requests:request_decline": "request",
    "requests:request_merge": "request",
    "requests:request_owner": "request",
    "requests:triage_bulk": None,
    "requests:request_add_deals": "request",
    "requests:request_estimate": "request",
    "commitments:board_move": "quarter",
    "notifications_read": None,
    "sign_out_everywhere": None,
    "commitments:request_approve": "request",
    "commitments:request_decline": "request",
    "commitments:request_defer": "request",
    "commitments:commitment_progress": "commitment",
    "commitments:commitment_drop": "commitment",
    "commitments:swap_approve": "swap",
    "commitments:swap_reject": "swap",
    "reviews:review_prepare": None,
    "reviews:review_mark_held": "review",
    "reviews:review_refresh": "review",
    "people:person_invite": None,
    "people:person_detail": "person",
    "people:person_deactivate": "person",
    "people:person_reactivate": "person",
    "people:person_invitation_send": "person",
    "requests:saved_view_save": None,
    "requests:saved_view_share": "saved_view",
    "requests:saved_view_delete": "saved_view",
    # api: add its POST-only URLs here
    "api:key_create": None,
    "api:key_revoke": "api_key",
    # webhooks: add its POST-only URLs here
    "webhooks:endpoint_rotate_secret": "webhook_endpoint",
    "webhooks:endpoint_disable": "webhook_endpoint",
    "webhooks:endpoint_enable": "webhook_endpoint",
    "webhooks:endpoint_delete": "webhook_endpoint",
    "webhooks:endpoint_send_test": "webhook_endpoint",
    "webhooks:delivery_resend": "webhook_delivery",
    # slack_app: add its POST-only URLs here
    "slack_app:test_message": None,
    "slack_app:slash_command": None,
    # crm: add its POST-only URLs here
    "crm:test": None,
    "crm:sync": None,
}
ACTED = "acted or refused the empty input"  # 302 or 400: anything but 403 and 5xx


def roles(*allowed: Role, ok: int = 200) -> dict:
    """`ok` for the allowed roles and admins, 403 for the other roles, login for anonymous."""
    return {role: ok if role in allowed or role == Role.ADMIN else 403 for role in Role} | {
        ANON: LOGIN
    }


EVERYONE = roles(*Role)
SALES = roles(Role.SALES_REP, Role.SALES_LEADER)
SALES_LEADERS = roles(Role.SALES_LEADER)
PRODUCT_LEADERS = roles(Role.PRODUCT_LEADER)
ADMINS = roles()
SALES_400 = roles(Role.SALES_REP, Role.SALES_LEADER, ok=400)
REVIEWERS = roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER)

EXPECTED = {
    "dashboard": EVERYONE,
    "budgets:quarter_list": EVERYONE,
    "budgets:quarter_create": PRODUCT_LEADERS,
    "budgets:quarter_detail": EVERYONE,
    "budgets:quarter_edit": PRODUCT_LEADERS,
    "budgets:settings": ADMINS,
    "requests:customer_list": EVERYONE,
    "requests:customer_create": SALES,
    "requests:crm_import": SALES_LEADERS,
    "requests:customer_detail": EVERYONE,
    "requests:customer_edit": SALES,
    "requests:deal_list": EVERYONE,
    "requests:deal_create": SALES,
    "requests:deal_edit": SALES,  # the deal is the cast rep's own
    "requests:deal_pick": SALES,  # the request form's deal picker
    # On to the request form with the deal picked: the deal is the cast rep's own, and open.
    "requests:deal_request": roles(Role.SALES_REP, Role.SALES_LEADER, ok=302),
    "requests:search": EVERYONE,  # the header's search box
    "requests:duplicate_hints": SALES,  # the request form's duplicate hints
    "requests:request_list": EVERYONE,
    "requests:request_create": SALES,
    "requests:request_detail": EVERYONE,
    "requests:request_edit": roles(Role.SALES_REP),  # the submitter, while submitted
    "requests:triage_queue": SALES_LEADERS,
    "requests:estimate_queue": roles(Role.PRODUCT_MANAGER),
    "commitments:board_current": roles(*Role, ok=302),  # on to the current quarter's board
    "commitments:board": EVERYONE,
    "requests:ranking_history": EVERYONE,
    "commitments:board_export": EVERYONE,
    "notification_list": EVERYONE,
    "notification_emails": EVERYONE,
    "commitments:decision_queue": PRODUCT_LEADERS,
    "requests:saved_view_list": EVERYONE,
    # api: expected statuses of its pages
    "api:key_list": EVERYONE,
    "api:key_list_all": ADMINS,
    # webhooks: expected statuses of its pages
    "webhooks:endpoint_list": ADMINS,
    "webhooks:endpoint_create": ADMINS,
    "webhooks:endpoint_detail": ADMINS,
    # slack_app: expected statuses of its pages
    "slack_app:settings": ADMINS,  # not connected in the matrix: no token
    "slack_app:me": EVERYONE,
    # crm: expected statuses of its pages
    "crm:settings": ADMINS,  # not connected in the matrix: the page says what to set
    "crm:sync_status": roles(ok=302),  # the page polls it (htmx); opened by hand: the page
    "commitments:commitment_list": EVERYONE,
    "commitments:commitment_drop": PRODUCT_LEADERS,
    "commitments:swap_create": SALES_LEADERS,
    "commitments:swap_detail": EVERYONE,
    "commitments:budget_current": roles(*Role, ok=302),
    "commitments:budget": EVERYONE,
    "commitments:roadmap": EVERYONE,
    "reviews:review_current": REVIEWERS,
    "reviews:review_archive": REVIEWERS,
    "reviews:review_ics": REVIEWERS,
    "reviews:review_status": roles(
        Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER, ok=302
    ),  # ready: on to it
    "reviews:review_detail": REVIEWERS,
    "reviews:review_print": REVIEWERS,
    "reviews:review_markdown": REVIEWERS,
    "reviews:review_meeting": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER),
    "reviews:review_mark_held": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER),
    "people:person_list": ADMINS,
    "people:person_invite": ADMINS,
    "people:person_detail": ADMINS,
    "people:person_deactivate": ADMINS,
}
EXPECTED_POST = {
    "requests:comment_create": roles(*Role, ok=400),
    "requests:request_accept": roles(Role.SALES_LEADER, ok=400),
    "requests:request_decline": roles(Role.SALES_LEADER, ok=400),
    "requests:request_merge": roles(Role.SALES_LEADER, ok=400),
    # Empty is "nobody", which the submitted request already has: nothing changes.
    "requests:request_owner": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=302),
    "requests:triage_bulk": roles(Role.SALES_LEADER, ok=400),
    "requests:request_add_deals": SALES_400,  # "add my deal to this one instead"
    "requests:request_estimate": roles(Role.PRODUCT_MANAGER, ok=400),
    "commitments:board_move": roles(Role.SALES_LEADER, ok=400),
    "notifications_read": roles(*Role, ok=302),
    "sign_out_everywhere": roles(*Role, ok=302),
    "commitments:request_approve": roles(Role.PRODUCT_LEADER, ok=ACTED),
    "commitments:request_decline": roles(Role.PRODUCT_LEADER, ok=400),
    "commitments:request_defer": roles(Role.PRODUCT_LEADER, ok=400),
    "commitments:commitment_progress": roles(Role.PRODUCT_MANAGER, ok=400),
    "commitments:commitment_drop": roles(Role.PRODUCT_LEADER, ok=400),
    "commitments:swap_approve": roles(Role.PRODUCT_LEADER, ok=ACTED),
    "commitments:swap_reject": roles(Role.PRODUCT_LEADER, ok=400),
    "reviews:review_prepare": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=302),
    "reviews:review_mark_held": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=ACTED),
    "reviews:review_refresh": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=ACTED),
    "people:person_invite": roles(ok=400),
    "people:person_detail": roles(ok=400),
    "people:person_deactivate": roles(ok=302),  # the reason is optional: the rep is deactivated
    "people:person_reactivate": roles(ok=400),  # the rep is active already
    "people:person_invitation_send": roles(ok=400),  # the rep has set a password
    "requests:saved_view_save": roles(*Role, ok=400),  # no name, no page
    # A saved view is its owner's (a sales leader's) alone: anyone else, admins too, finds no
    # such view of theirs. An empty POST unshares it.
    "requests:saved_view_share": dict.fromkeys(Role, 404) | {Role.SALES_LEADER: 302, ANON: LOGIN},
    "requests:saved_view_delete": dict.fromkeys(Role, 404) | {Role.SALES_LEADER: 302, ANON: LOGIN},
    # api: expected statuses of its POST-only URLs
    "api:key_create": roles(*Role, ok=400),  # a key needs a name
    # The sales leader's own key: its owner and admins revoke it; nobody else may.
    "api:key_revoke": roles(Role.SALES_LEADER, ok=302),
    # webhooks: expected statuses of its POST-only URLs
    "webhooks:endpoint_rotate_secret": roles(ok=302),
    "webhooks:endpoint_disable": roles(ok=302),
    "webhooks:endpoint_enable": roles(ok=400),  # it is on already
    "webhooks:endpoint_delete": roles(ok=302),
    "webhooks:endpoint_send_test": roles(ok=302),
    "webhooks:delivery_resend": roles(ok=302),
    # slack_app: expected statuses of its POST-only URLs
    "slack_app:test_message": roles(ok=302),  # not connected: back to the page, saying so
    # Signed by Slack, not logged in: an unsigned POST is refused for everyone alike.
    "slack_app:slash_command": dict.fromkeys(ROLES, 401),
    # crm: expected statuses of its POST-only URLs (not connected: the page says what to set)
    "crm:test": roles(ok=200),
    "crm:sync": roles(ok=302),
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
# Company sign-in (people/sso_urls.py): the same answer for everyone, signed in or not, with
# the providers of `sso_providers` below: url name -> (its argument, the status of a GET).
SSO_URLS = {
    "openid_connect_login": ("acme", 200),  # the "Continue to …" button; a sign-in is a POST
    "openid_connect_callback": ("acme", 400),  # no sign-in of this browser to finish
    "saml_login": ("acme-saml", 200),
    "saml_acs": ("acme-saml", 302),  # on to finishing, where the session cookie is sent
    "saml_finish_acs": ("acme-saml", 400),
    "saml_sls": ("acme-saml", 400),  # no logout request
    "saml_metadata": ("acme-saml", 200),  # Forcerank's SAML metadata, for the IdP's admin
}


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


@pytest.fixture
def objects(cast, quarter):
    from feature_requests.models import Customer, Deal, FeatureRequest

    customer = Customer.objects.create(name="Matrix Corp")
    deal = Deal.objects.create(
        customer=customer,
        name="Matrix deal",
        amount=1000,
        owner=cast[Role.SALES_REP],
        external_id="crm-matrix-7",
    )
    request = FeatureRequest.objects.create(
        title="Matrix request", problem="p", submitted_by=cast[Role.SALES_REP], quarter=quarter
    )
    from commitments.models import Commitment, SwapProposal

    committed = FeatureRequest.objects.create(
        title="Matrix commitment",
        problem="p",
        submitted_by=cast[Role.SALES_REP],
        quarter=quarter,
        status="committed",
    )
    commitment = Commitment.objects.create(
        quarter=quarter, request=committed, points=3, approved_by=cast[Role.PRODUCT_LEADER]
    )
    swap = SwapProposal.objects.create(
        quarter=quarter,
        drop=commitment,
        commit=request,
        reason="r",
        proposed_by=cast[Role.SALES_LEADER],
    )
    from budgets.selectors import company_today
    from reviews.models import WeeklyReview
    from reviews.services import review_generate, week_start_for

    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    from api.services import api_key_create

    api_key, _ = api_key_create(actor=cast[Role.SALES_LEADER], name="Matrix key")
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    webhook_endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/matrix", kinds=["request.submitted"]
    )
    webhook_delivery = WebhookDelivery.objects.create(
        endpoint=webhook_endpoint, kind="webhook.test", body="{}"
    )
    from crm.models import SyncRun

    crm_sync_run = SyncRun.objects.create(
        vendor="hubspot", trigger="manual", status="succeeded", created=3
    )
    from feature_requests.models import SavedView

    saved_view = SavedView.objects.create(
        owner=cast[Role.SALES_LEADER], page="requests", name="Matrix view", query="segment=smb"
    )
    return {
        "saved_view": saved_view,
        # api: objects its URLs take (made above, before `saved_view`)
        "api_key": api_key,
        # webhooks: objects its URLs take (made above, before `saved_view`)
        "webhook_endpoint": webhook_endpoint,
        "webhook_delivery": webhook_delivery,
        # slack_app: objects its URLs take (made above, before `saved_view`)
        # crm: objects its URLs take (made above, before `saved_view`)
        "crm_sync_run": crm_sync_run,
        "review": review,
        "review_pk": review,
        "quarter": quarter,
        "customer": customer,
        "deal": deal,
        "crm_deal": deal,
        "request": request,
        "commitment": commitment,
        "swap": swap,
        "person": cast[Role.SALES_REP],
    }


def url_for(url_name: str, kind: str | None, objects: dict) -> str:
    if kind is None:
        return reverse(url_name)
    target = objects[kind]
    if kind == "review":
        return reverse(url_name, args=[target.quarter.label, target.week_start.isoformat()])
    if kind == "crm_deal":
        return reverse(url_name, args=[target.external_id])
    return reverse(url_name, args=[target.label if kind == "quarter" else target.pk])


def check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif expected == ACTED:
        assert response.status_code in (302, 400), response.status_code
    else:
        assert response.status_code == expected
        if expected == 403:
            assert b"You can" in response.content  # the page says why, not a bare 403


def test_it_covers_every_named_url():
    covered = set(EXPECTED) | set(EXPECTED_POST) | PUBLIC | SIGNED_IN_ACCOUNT_PAGES | set(SSO_URLS)
    assert named_routes() == covered, "add new URLs to the permission matrix"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_it_gives_each_role_the_expected_status(client, cast, objects, url_name, role):
    if role != ANON:
        client.force_login(cast[role])
    check(client.get(url_for(url_name, URLS[url_name], objects)), EXPECTED[url_name][role])


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(EXPECTED_POST))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_it_checks_each_role_on_every_action(client, cast, objects, url_name, role):
    if role != ANON:
        client.force_login(cast[role])
    check(
        client.post(url_for(url_name, POST_URLS[url_name], objects), {}),
        EXPECTED_POST[url_name][role],
    )


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
        "/admin/commitments/commitment/",
        "/admin/commitments/ledgerentry/",
        "/admin/commitments/swapproposal/",
        "/admin/commitments/progressupdate/",
        "/admin/accounts/notification/",
        "/admin/feature_requests/featurerequest/",
        "/admin/feature_requests/customer/",
        "/admin/feature_requests/deal/",
        "/admin/feature_requests/rankevent/",
        "/admin/reviews/weeklyreview/",
        "/admin/reviews/reviewnote/",
        "/admin/people/grouprole/",
        "/admin/people/grouprole/add/",
        "/admin/people/ssoonlydomain/",
        "/admin/people/ssoonlydomain/add/",
    ]:
        assert client.get(path).status_code == 200, path


# Hostile input: a NUL in any path argument or query value is refused at the edge with a
# 400, for every URL, even as an admin who may see everything (PostgreSQL refuses NUL in text;
# a NUL that reached a query answered 500).
PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")
# Valid arguments for the account pages that take some (their values do not matter here).
PUBLIC_ARGS = {"password_reset_confirm": ["MQ", "set-password"]} | {
    name: [argument] for name, (argument, _) in SSO_URLS.items()
}


def valid_url(url_name: str, objects: dict) -> str:
    if url_name in PUBLIC_ARGS:
        return reverse(url_name, args=PUBLIC_ARGS[url_name])
    kind = URLS.get(url_name, POST_URLS.get(url_name))
    return url_for(url_name, kind, objects)


ALL_URLS = sorted(
    set(EXPECTED) | set(EXPECTED_POST) | PUBLIC | SIGNED_IN_ACCOUNT_PAGES | set(SSO_URLS)
)


def nul_in_each_argument(url: str) -> list[str]:
    """The URL once for each of its path arguments, that argument followed by a NUL."""
    match = resolve(url)
    route = "/" + match.route
    urls = []
    for name in PATH_ARGUMENT.findall(route):

        def fill(found: re.Match[str], target: str = name) -> str:
            value = str(match.kwargs[found.group(1)])
            return value + "%00" if found.group(1) == target else value

        urls.append(PATH_ARGUMENT.sub(fill, route))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ALL_URLS)
def test_it_refuses_nul_in_every_path_argument_and_query(client, cast, objects, url_name):
    client.force_login(cast[Role.ADMIN])
    client.raise_request_exception = False  # a 500 is the failure to report, not to raise
    url = valid_url(url_name, objects)
    for hostile in [*nul_in_each_argument(url), f"{url}?quarter=%00"]:
        response = client.get(hostile)
        assert response.status_code == 400, (hostile, response.status_code)
        assert b"cannot be used" in response.content
        assert client.post(hostile, {}).status_code == 400, hostile
    response = client.post(url, {"quarter": "\x00"})  # and in a form field
    assert response.status_code == 400, (url, response.status_code)


@pytest.mark.django_db
def test_it_refuses_nul_in_the_django_admin_too(client, cast, quarter):
    client.force_login(cast[Role.ADMIN])
    client.raise_request_exception = False
    for hostile in [
        f"/admin/budgets/quarter/{quarter.pk}%00/change/",
        "/admin/budgets/quarter/?q=%00",
        "/admin/budgets/quarter/?label__exact=%00",
    ]:
        assert client.get(hostile).status_code == 400, hostile


def test_it_walks_every_path_argument():
    assert nul_in_each_argument("/reviews/2026-Q4/2026-11-23/") == [
        "/reviews/2026-Q4%00/2026-11-23/",
        "/reviews/2026-Q4/2026-11-23%00/",
    ]


@pytest.fixture
def sso_providers(settings) -> None:
    """One OpenID Connect and one SAML provider; nothing here reaches either."""
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


@pytest.mark.django_db
@pytest.mark.usefixtures("sso_providers")
@pytest.mark.parametrize("url_name", sorted(SSO_URLS))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_it_gives_everyone_the_same_company_sign_in_pages(client, cast, url_name, role):
    if role != ANON:
        client.force_login(cast[role])
    argument, expected = SSO_URLS[url_name]
    assert client.get(reverse(url_name, args=[argument])).status_code == expected
    # An unknown provider is nobody's page.
    assert client.get(reverse(url_name, args=["nobody"])).status_code == 404
