"""The search page: requests, customers and deals grouped by kind; PostgreSQL's ranking and
typo tolerance; SQLite's fallback; the limits on the query and on the rows; the header box."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.search import PER_KIND, search

pytestmark = pytest.mark.django_db

SEARCH = reverse("requests:search")


@pytest.fixture
def pm_client(client, pm):
    client.force_login(pm)
    return client


@pytest.fixture
def found(rep, deal):
    """A few requests, one linked to Acme's renewal."""
    audit = FeatureRequest.objects.create(
        title="Audit log export",
        problem="Security wants every change in their SIEM.",
        submitted_by=rep,
    )
    FeatureRequest.objects.create(
        title="Bulk edit of deals", problem="Reps update fifty deals by hand.", submitted_by=rep
    )
    sso = FeatureRequest.objects.create(
        title="Single sign-on", problem="IT refuses another password.", submitted_by=rep
    )
    RequestDeal.objects.create(request=sso, deal=deal)
    return {"audit": audit, "sso": sso}


def titles(results) -> list[str]:
    return [row.title for row in results.requests.rows]


def test_it_finds_requests_by_title_problem_and_their_deals_customer(rep, found, acme):
    assert titles(search(user=rep, text="audit")) == ["Audit log export"]
    assert titles(search(user=rep, text="SIEM")) == ["Audit log export"]
    by_customer = search(user=rep, text="Acme")
    assert titles(by_customer) == ["Single sign-on"]
    assert [c.name for c in by_customer.customers.rows] == ["Acme"]
    assert [d.name for d in by_customer.deals.rows] == ["Renewal"]
    assert titles(search(user=rep, text="Renewal")) == ["Single sign-on"]


def test_it_groups_results_by_kind_on_the_page(pm_client, found):
    response = pm_client.get(SEARCH, {"q": "Acme"})
    assert response.status_code == 200
    html = response.text
    assert html.index('id="search-requests"') < html.index("Single sign-on")
    assert html.index('id="search-customers"') < html.index(">Acme</a>")
    assert html.index('id="search-deals"') < html.index("Acme: Renewal")
    assert reverse("requests:request_detail", args=[found["sso"].pk]) in html


def test_it_says_when_nothing_matches(pm_client, found):
    response = pm_client.get(SEARCH, {"q": "zebra"})
    assert response.status_code == 200
    assert "Nothing matches “zebra”" in response.text


def test_it_shows_the_box_without_searching_for_an_empty_query(pm_client, found):
    with CaptureQueriesContext(connection) as queries:
        response = pm_client.get(SEARCH, {"q": "   "})
    assert response.status_code == 200
    assert not any("feature_requests_featurerequest" in q["sql"] for q in queries)


def test_it_refuses_a_query_over_200_characters_with_a_400(pm_client):
    response = pm_client.get(SEARCH, {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters (this has 201)" in response.text
    assert pm_client.get(SEARCH, {"q": "x" * 200}).status_code == 200


def test_it_shows_at_most_ten_per_kind_and_counts_the_rest(pm_client, rep):
    FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Export number {n}", problem="p", submitted_by=rep) for n in range(25)
    )
    results = search(user=rep, text="export")
    assert len(results.requests.rows) == PER_KIND
    assert results.requests.total == 25
    assert results.requests.more == 15
    assert "and 15 more requests" in pm_client.get(SEARCH, {"q": "export"}).text


def test_it_takes_the_same_queries_for_few_and_many_matches(rep, acme):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            search(user=rep, text="export")
        return len(queries)

    FeatureRequest.objects.create(title="Export one", problem="p", submitted_by=rep)
    few = count()
    FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Export {n}", problem="p", submitted_by=rep) for n in range(40)
    )
    Deal.objects.bulk_create(
        Deal(customer=acme, name=f"Export deal {n}", amount=1, owner=rep) for n in range(30)
    )
    assert count() == few == 3  # one per kind


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_search_requests_customers_and_deals(client, cast, found, role):
    """Everyone may view requests, customers and deals (a rep sees everyone's deals in the
    deal list too), so every role gets the same results: other reps' requests included."""
    other_rep = cast[Role.SALES_LEADER]
    FeatureRequest.objects.create(
        title="Audit trail for admins", problem="p", submitted_by=other_rep
    )
    client.force_login(cast[role])
    html = client.get(SEARCH, {"q": "audit"}).text
    assert "Audit log export" in html
    assert "Audit trail for admins" in html


def test_the_header_has_the_search_box_on_signed_in_pages(pm_client, client):
    html = pm_client.get(reverse("dashboard")).text
    assert f'action="{SEARCH}"' in html
    assert 'role="search"' in html
    client.logout()
    assert 'id="header-search-q"' not in client.get(reverse("login")).text


# --- PostgreSQL: ranking and typos ---------------------------------------------------------------


def test_it_ranks_title_matches_above_problem_matches_on_postgresql(postgres, rep):
    FeatureRequest.objects.create(
        title="Reports", problem="They need the audit log for compliance.", submitted_by=rep
    )
    FeatureRequest.objects.create(title="Audit log export", problem="p", submitted_by=rep)
    assert titles(search(user=rep, text="audit log")) == ["Audit log export", "Reports"]


def test_it_forgives_a_typo_on_postgresql(postgres, rep, acme, deal):
    FeatureRequest.objects.create(title="Audit log export", problem="p", submitted_by=rep)
    assert titles(search(user=rep, text="audit log expot")) == ["Audit log export"]
    results = search(user=rep, text="Acmee")
    assert [c.name for c in results.customers.rows] == ["Acme"]


def test_it_uses_the_search_indexes_on_postgresql(postgres, rep):
    from feature_requests.search import _requests_pg

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table is cheaper to scan
    plan = _requests_pg("audit log")[:10].explain()
    assert "request_search_vector" in plan
    assert "request_title_trgm" in plan


# --- SQLite: the fallback -------------------------------------------------------------------------


def test_it_falls_back_to_contains_on_sqlite(rep, found):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback is SQLite's")
    assert titles(search(user=rep, text="UDIT LO")) == ["Audit log export"]
    assert titles(search(user=rep, text="audit expot")) == []  # no typo tolerance here


def test_the_customer_list_is_unchanged_by_a_search(rep, found):
    assert Customer.objects.count() == 1
