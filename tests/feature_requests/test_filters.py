"""Filters and sorting on the request pages (feature_requests/filters.py): what a leader
narrowing the request list, triage or the estimates queue sees."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal

LIST = reverse("requests:request_list")


@pytest.fixture
def world(cast, make_user, quarter):
    """Four requests with what the filters look at:

    - "Audit export": Acme (enterprise) deals of $120,000 (blocker) and $30,000, estimated,
      by Ray Rep (managed by Lee Leader), in the quarter
    - "SSO": a Beta (SMB) deal of $5,000 (important), by another rep of another manager
    - "Dark mode": no deal, by Lee Leader, no estimate
    - "Webhooks": Acme's $30,000 deal (nice to have) and a lost blocker deal, which no longer
      counts for its criticality or ARR
    """
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    other_leader = make_user(Role.SALES_LEADER, full_name="Olga Other")
    other_rep = make_user(Role.SALES_REP, full_name="Otto Rep", manager=other_leader)
    acme = Customer.objects.create(name="Acme Corp", segment="enterprise")
    beta = Customer.objects.create(name="Beta Ltd", segment="smb")
    big = Deal.objects.create(customer=acme, name="Renewal", amount=120_000, owner=rep)
    small = Deal.objects.create(customer=acme, name="Upsell", amount=30_000, owner=rep)
    sso_deal = Deal.objects.create(customer=beta, name="Pilot", amount=5_000, owner=other_rep)
    lost = Deal.objects.create(
        customer=beta, name="Lost", amount=900_000, owner=other_rep, stage="closed_lost"
    )

    def add(title, by, links, **fields):
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=by, quarter=fields.pop("quarter", None), **fields
        )
        for deal, criticality in links:
            RequestDeal.objects.create(request=request, deal=deal, criticality=criticality)
        return request

    return {
        "audit": add(
            "Audit export",
            rep,
            [(big, "blocker"), (small, "important")],
            quarter=quarter,
            estimate_points=5,
        ),
        "sso": add("SSO", other_rep, [(sso_deal, "important")]),
        "dark": add("Dark mode", leader, []),
        "webhooks": add("Webhooks", rep, [(small, "nice_to_have"), (lost, "blocker")]),
        "other_rep": other_rep,
        "other_leader": other_leader,
    }


def titles(response) -> list[str]:
    """The request titles the list shows, in order."""
    html = response.text
    found = []
    for title in ("Audit export", "SSO", "Dark mode", "Webhooks"):
        marker = f">{title}</a>"
        if marker in html:
            found.append((html.index(marker), title))
    return [title for _, title in sorted(found)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"customer": "acme"}, {"Audit export", "Webhooks"}),  # part of the name, any case
        ({"customer": "  ACME corp "}, {"Audit export", "Webhooks"}),
        ({"segment": "smb"}, {"SSO", "Webhooks"}),  # a lost deal still names its customer
        ({"criticality": "blocker"}, {"Audit export"}),  # Webhooks' blocker deal is lost
        ({"criticality": "important"}, {"SSO"}),  # Audit export's highest is a blocker
        ({"criticality": "nice_to_have"}, {"Webhooks"}),
        ({"estimate": "yes"}, {"Audit export"}),
        ({"estimate": "no"}, {"SSO", "Dark mode", "Webhooks"}),
        ({"arr_min": "100000"}, {"Audit export"}),  # $150,000; Webhooks' lost $900,000 no
        ({"arr_max": "10000"}, {"SSO", "Dark mode"}),
        ({"arr_min": "5000", "arr_max": "30000"}, {"SSO", "Webhooks"}),
        ({"status": "submitted", "segment": "enterprise"}, {"Audit export", "Webhooks"}),
    ],
)
def test_it_narrows_the_request_list(client, cast, world, query, expected):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_it_filters_by_quarter_rep_and_manager(client, cast, world, quarter):
    client.force_login(cast[Role.PRODUCT_LEADER])
    assert titles(client.get(LIST, {"quarter": quarter.label})) == ["Audit export"]
    assert set(titles(client.get(LIST, {"rep": world["other_rep"].pk}))) == {"SSO"}
    by_manager = client.get(LIST, {"manager": cast[Role.SALES_LEADER].pk})
    assert set(titles(by_manager)) == {"Audit export", "Webhooks"}


def test_a_customer_filter_does_not_multiply_the_arr(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    html = client.get(LIST, {"customer": "Acme"}).text
    assert "$150,000" in html  # two Acme deals, each counted once
    assert "$300,000" not in html


def test_it_sorts_by_arr_at_stake(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(LIST, {"sort": "arr"})
    assert titles(response) == ["Audit export", "Webhooks", "SSO", "Dark mode"]
    assert titles(client.get(LIST, {"sort": "title"})) == [
        "Audit export",
        "Dark mode",
        "SSO",
        "Webhooks",
    ]


def test_a_bad_filter_is_named_and_left_out(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(LIST, {"arr_min": "lots", "segment": "smb"})
    assert response.status_code == 200
    assert "ARR from ($): Enter a whole number of dollars." in response.text
    assert set(titles(response)) == {"SSO", "Webhooks"}  # the segment still applies

    response = client.get(LIST, {"arr_min": "50000", "arr_max": "10"})
    assert "The upper ARR bound is below the lower one." in response.text

    response = client.get(LIST, {"segment": "galactic", "quarter": "1999-Q9", "rep": "x"})
    assert response.status_code == 200
    assert "That is not a customer segment." in response.text
    assert "There is no quarter with that label." in response.text
    assert len(titles(response)) == 4


def test_it_says_when_nothing_matches(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(LIST, {"customer": "Nobody Inc"})
    assert "No requests match these filters." in response.text
    assert "0 requests match these filters." in response.text


def test_htmx_gets_only_the_results_and_caches_keep_them_apart(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    fragment = client.get(
        LIST, {"segment": "smb", "customer": "", "arr_min": ""}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment["HX-Push-Url"] == "/requests/?segment=smb"  # not the empty fields
    assert fragment.text.lstrip().startswith('<div id="filtered">')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment["Vary"]
    page = client.get(LIST, {"segment": "smb"})
    assert "<html" in page.text and "HX-Request" in page["Vary"]
    # The back button after an htmx change asks for the whole page.
    restore = client.get(
        LIST,
        {"segment": "smb"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text


def test_the_pager_keeps_the_filters(client, cast, world):
    rep = cast[Role.SALES_REP]
    FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Filler {n}", problem="p", submitted_by=rep) for n in range(60)
    )
    client.force_login(cast[Role.SALES_LEADER])
    html = client.get(LIST, {"estimate": "no", "sort": "oldest"}).text
    assert 'href="?estimate=no&amp;sort=oldest&amp;page=2"' in html
    second = client.get(LIST, {"estimate": "no", "sort": "oldest", "page": "2"})
    assert "Page 2 of 2" in second.text
    assert "Audit export" not in titles(second)


def test_a_rep_filters_only_their_own_requests(client, cast, world):
    client.force_login(cast[Role.SALES_REP])
    response = client.get(LIST, {"segment": "smb"})
    assert titles(response) == ["Webhooks"]  # SSO is another rep's


def test_triage_filters_its_queue(client, cast, world):
    client.force_login(cast[Role.SALES_LEADER])
    url = reverse("requests:triage_queue")
    response = client.get(url, {"all": "1", "criticality": "important"})
    assert titles(response) == ["SSO"]
    # The toggle between "my reps" and "everyone" is kept with the filters.
    assert 'name="all" value="1"' in response.text
    mine = client.get(url, {"customer": "acme"})
    assert set(titles(mine)) == {"Audit export", "Webhooks"}


def test_the_estimates_queue_filters_and_pages(client, cast, world, quarter):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    url = reverse("requests:estimate_queue")
    response = client.get(url, {"segment": "smb"})
    assert set(titles(response)) == {"SSO", "Webhooks"}
    assert "Submitted, not triaged yet: <strong>2</strong>" in response.text
    rep = cast[Role.SALES_REP]
    FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Filler {n}", problem="p", submitted_by=rep) for n in range(60)
    )
    first = client.get(url)
    assert first.text.count('class="estimate-row') == 50
    assert "Page 1 of 2" in first.text
    assert "Submitted, not triaged yet: <strong>63</strong>" in first.text
    second = client.get(url, {"page": 2})
    assert second.text.count('class="estimate-row') == 14
    # The estimated request comes last, under its own heading.
    assert "Already estimated, most recent first (1)" in second.text
    assert "Audit export" in titles(second)
