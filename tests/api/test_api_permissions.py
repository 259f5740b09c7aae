"""Every /api/v1/ endpoint × every role, and without a key or with a bad one: the status each
gets, decided by accounts.permissions as on the pages. An empty write is bad input (400) for
those allowed and 403 for the rest; every refusal has the API's error body."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.permissions import DENIED_MESSAGES
from api.services import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db

NO_KEY = "no key"
BAD_KEY = "bad key"
REVOKED_KEY = "revoked key"
INACTIVE_OWNER = "inactive owner"
NOBODY = [NO_KEY, BAD_KEY, REVOKED_KEY, INACTIVE_OWNER]


def roles(*allowed: Role, ok: int = 200) -> dict:
    """`ok` for the allowed roles and admins, 403 for the other roles."""
    return {role: ok if role in allowed or role == Role.ADMIN else 403 for role in Role}


EVERYONE = roles(*Role)
REVIEWERS = roles(Role.SALES_LEADER, Role.PRODUCT_LEADER, Role.PRODUCT_MANAGER)

# (method, path with {quarter}, {request}, {commitment}, {review}, {customer}, {deal}) -> statuses
ENDPOINTS = {
    ("GET", "/api/v1/quarters/"): EVERYONE,
    ("GET", "/api/v1/quarters/{quarter}/"): EVERYONE,
    ("GET", "/api/v1/quarters/{quarter}/board/"): EVERYONE,
    ("POST", "/api/v1/quarters/{quarter}/moves/"): roles(Role.SALES_LEADER, ok=400),
    ("GET", "/api/v1/quarters/{quarter}/ledger/"): EVERYONE,
    ("GET", "/api/v1/requests/"): EVERYONE,
    ("POST", "/api/v1/requests/"): roles(Role.SALES_REP, Role.SALES_LEADER, ok=400),
    ("GET", "/api/v1/requests/{request}/"): EVERYONE,
    ("POST", "/api/v1/requests/{request}/comments/"): roles(*Role, ok=400),
    ("POST", "/api/v1/requests/{request}/estimate/"): roles(Role.PRODUCT_MANAGER, ok=400),
    ("POST", "/api/v1/requests/{request}/approve/"): roles(Role.PRODUCT_LEADER, ok=400),
    ("POST", "/api/v1/requests/{request}/decline/"): roles(Role.PRODUCT_LEADER, ok=400),
    ("POST", "/api/v1/requests/{request}/defer/"): roles(Role.PRODUCT_LEADER, ok=400),
    ("GET", "/api/v1/commitments/"): EVERYONE,
    ("POST", "/api/v1/commitments/{commitment}/drop/"): roles(Role.PRODUCT_LEADER, ok=400),
    ("GET", "/api/v1/reviews/"): REVIEWERS,
    ("GET", "/api/v1/reviews/{review}/"): REVIEWERS,
    ("GET", "/api/v1/customers/"): EVERYONE,
    ("POST", "/api/v1/customers/"): roles(Role.SALES_REP, Role.SALES_LEADER, ok=400),
    ("GET", "/api/v1/customers/{customer}/"): EVERYONE,
    ("GET", "/api/v1/deals/"): EVERYONE,
    ("POST", "/api/v1/deals/"): roles(Role.SALES_REP, Role.SALES_LEADER, ok=400),
    ("GET", "/api/v1/deals/{deal}/"): EVERYONE,
    ("POST", "/api/v1/customers/by-external-id/crm-1/"): roles(Role.SALES_LEADER, ok=400),
    ("POST", "/api/v1/deals/by-external-id/crm-2/"): roles(
        Role.SALES_REP, Role.SALES_LEADER, ok=400
    ),
    ("GET", "/api/schema/"): EVERYONE,
}


@pytest.fixture
def objects(cast, quarter):
    from budgets.selectors import company_today
    from commitments.models import Commitment
    from feature_requests.models import Customer, Deal, FeatureRequest
    from reviews.models import WeeklyReview
    from reviews.services import review_generate, week_start_for

    customer = Customer.objects.create(name="Matrix Corp")
    deal = Deal.objects.create(
        customer=customer, name="Matrix deal", amount=1000, owner=cast[Role.SALES_REP]
    )
    request = FeatureRequest.objects.create(
        title="Matrix request", problem="p", submitted_by=cast[Role.SALES_REP], quarter=quarter
    )
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
    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    return {
        "quarter": quarter.label,
        "request": request.pk,
        "commitment": commitment.pk,
        "review": review.pk,
        "customer": customer.pk,
        "deal": deal.pk,
    }


def call(client, method: str, path: str, objects: dict):
    url = path.format(**objects)
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize(("method", "path"), sorted(ENDPOINTS))
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_it_gives_each_role_the_expected_status(api, objects, method, path, role):
    response = call(api(role), method, path, objects)
    expected = ENDPOINTS[(method, path)][role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert set(body) >= {"message", "errors"}
        assert body["message"]
    if expected == 403:
        # The permission module's own words, as on the pages.
        assert response.json()["message"] in DENIED_MESSAGES.values()


@pytest.fixture
def presented(cast, make_user) -> dict[str, str | None]:
    """What a client without a usable key sends."""
    revoked_owner = cast[Role.ADMIN]
    key, revoked = api_key_create(actor=revoked_owner, name="old")
    api_key_revoke(actor=revoked_owner, key=key)
    leaver = make_user(Role.SALES_LEADER)
    _, leaver_key = api_key_create(actor=leaver, name="leaver")
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    return {
        NO_KEY: None,
        BAD_KEY: "frk_nothing_" + "x" * 43,
        REVOKED_KEY: revoked,
        INACTIVE_OWNER: leaver_key,
    }


@pytest.mark.parametrize(("method", "path"), sorted(ENDPOINTS))
@pytest.mark.parametrize("who", NOBODY)
def test_it_answers_401_without_a_usable_key(api, objects, presented, method, path, who):
    response = call(api(presented[who]), method, path, objects)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["message"]
    assert response.json()["errors"] == {}


def test_it_asks_the_same_of_a_head_as_of_a_get(api, objects):
    from django.test import Client

    key = api(Role.SALES_REP).headers
    response = Client().head(f"/api/v1/reviews/{objects['review']}/", headers=key)
    assert response.status_code == 403
