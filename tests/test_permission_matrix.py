"""Every URL × every role (and anonymous): the status a user gets, decided server-side."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

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
    "requests:request_list": None,
    "requests:request_create": None,
    "requests:request_detail": "request",
    "requests:request_edit": "request",
    "requests:triage_queue": None,
    "requests:estimate_queue": None,
    "requests:board_current": None,
    "requests:board": "quarter",
    "requests:ranking_history": "quarter",
    "requests:board_export": "quarter",
    "notification_list": None,
    "budgets:decision_queue": None,
    "budgets:commitment_list": None,
    "budgets:commitment_drop": "commitment",
    "budgets:swap_create": None,
    "budgets:swap_detail": "swap",
    "budgets:budget_current": None,
    "budgets:budget": "quarter",
    "budgets:roadmap": None,
    "budgets:review_current": None,
    "budgets:review_archive": None,
    "budgets:review_ics": None,
    "budgets:review_status": "review_pk",
    "budgets:review_detail": "review",
    "budgets:review_print": "review",
    "budgets:review_markdown": "review",
    "budgets:review_meeting": "review",
}
# POST-only actions: an empty POST is bad input (400) for those allowed, 403 for the rest.
POST_URLS = {
    "requests:comment_create": "request",
    "requests:request_accept": "request",
    "requests:request_decline": "request",
    "requests:request_merge": "request",
    "requests:request_estimate": "request",
    "requests:board_move": "quarter",
    "notifications_read": None,
    "budgets:request_approve": "request",
    "budgets:request_decline": "request",
    "budgets:request_defer": "request",
    "budgets:commitment_progress": "commitment",
    "budgets:commitment_drop": "commitment",
    "budgets:swap_approve": "swap",
    "budgets:swap_reject": "swap",
    "budgets:review_prepare": None,
    "budgets:review_mark_held": "review",
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
    "requests:request_list": EVERYONE,
    "requests:request_create": SALES,
    "requests:request_detail": EVERYONE,
    "requests:request_edit": roles(Role.SALES_REP),  # the submitter, while submitted
    "requests:triage_queue": SALES_LEADERS,
    "requests:estimate_queue": roles(Role.PRODUCT_MANAGER),
    "requests:board_current": roles(*Role, ok=302),  # on to the current quarter's board
    "requests:board": EVERYONE,
    "requests:ranking_history": EVERYONE,
    "requests:board_export": EVERYONE,
    "notification_list": EVERYONE,
    "budgets:decision_queue": PRODUCT_LEADERS,
    "budgets:commitment_list": EVERYONE,
    "budgets:commitment_drop": PRODUCT_LEADERS,
    "budgets:swap_create": SALES_LEADERS,
    "budgets:swap_detail": EVERYONE,
    "budgets:budget_current": roles(*Role, ok=302),
    "budgets:budget": EVERYONE,
    "budgets:roadmap": EVERYONE,
    "budgets:review_current": REVIEWERS,
    "budgets:review_archive": REVIEWERS,
    "budgets:review_ics": REVIEWERS,
    "budgets:review_status": roles(
        Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER, ok=302
    ),  # ready: on to it
    "budgets:review_detail": REVIEWERS,
    "budgets:review_print": REVIEWERS,
    "budgets:review_markdown": REVIEWERS,
    "budgets:review_meeting": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER),
}
EXPECTED_POST = {
    "requests:comment_create": roles(*Role, ok=400),
    "requests:request_accept": roles(Role.SALES_LEADER, ok=400),
    "requests:request_decline": roles(Role.SALES_LEADER, ok=400),
    "requests:request_merge": roles(Role.SALES_LEADER, ok=400),
    "requests:request_estimate": roles(Role.PRODUCT_MANAGER, ok=400),
    "requests:board_move": roles(Role.SALES_LEADER, ok=400),
    "notifications_read": roles(*Role, ok=302),
    "budgets:request_approve": roles(Role.PRODUCT_LEADER, ok=ACTED),
    "budgets:request_decline": roles(Role.PRODUCT_LEADER, ok=400),
    "budgets:request_defer": roles(Role.PRODUCT_LEADER, ok=400),
    "budgets:commitment_progress": roles(Role.PRODUCT_MANAGER, ok=400),
    "budgets:commitment_drop": roles(Role.PRODUCT_LEADER, ok=400),
    "budgets:swap_approve": roles(Role.PRODUCT_LEADER, ok=ACTED),
    "budgets:swap_reject": roles(Role.PRODUCT_LEADER, ok=400),
    "budgets:review_prepare": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=302),
    "budgets:review_mark_held": roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, ok=ACTED),
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


@pytest.fixture
def objects(cast, quarter):
    from feature_requests.models import Customer, Deal, FeatureRequest

    customer = Customer.objects.create(name="Matrix Corp")
    deal = Deal.objects.create(
        customer=customer, name="Matrix deal", amount=1000, owner=cast[Role.SALES_REP]
    )
    request = FeatureRequest.objects.create(
        title="Matrix request", problem="p", submitted_by=cast[Role.SALES_REP], quarter=quarter
    )
    from budgets.models import Commitment, SwapProposal

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
    from budgets.models import WeeklyReview
    from budgets.reviews import review_generate, week_start_for
    from budgets.selectors import company_today

    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    return {
        "review": review,
        "review_pk": review,
        "quarter": quarter,
        "customer": customer,
        "deal": deal,
        "request": request,
        "commitment": commitment,
        "swap": swap,
    }


def url_for(url_name: str, kind: str | None, objects: dict) -> str:
    if kind is None:
        return reverse(url_name)
    target = objects[kind]
    if kind == "review":
        return reverse(url_name, args=[target.quarter.label, target.week_start.isoformat()])
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
    covered = set(EXPECTED) | set(EXPECTED_POST) | PUBLIC | SIGNED_IN_ACCOUNT_PAGES
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
        "/admin/budgets/commitment/",
        "/admin/budgets/ledgerentry/",
        "/admin/budgets/swapproposal/",
        "/admin/budgets/progressupdate/",
        "/admin/accounts/notification/",
        "/admin/feature_requests/featurerequest/",
        "/admin/feature_requests/customer/",
        "/admin/feature_requests/deal/",
        "/admin/feature_requests/rankevent/",
    ]:
        assert client.get(path).status_code == 200, path
