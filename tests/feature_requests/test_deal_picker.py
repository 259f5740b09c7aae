"""The request form's deal picker: the search endpoint, the form round trip with picked ids,
the cap on deal rows, and a form whose cost does not grow with the number of deals."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from feature_requests.forms.requests import DEAL_NOT_OFFERED, DEAL_NOT_PICKED
from feature_requests.models import Customer, Deal, FeatureRequest

pytestmark = pytest.mark.django_db

PICK = reverse("requests:deal_pick")
CREATE = reverse("requests:request_create")
TOO_MANY = "A request links at most 50 deals. Only the first 50 rows are kept below"


def options(html: str) -> list[str]:
    """The labels of the options in a picker answer, in order."""
    return re.findall(r'role="option"[^>]*data-label="([^"]*)"', html)


def form_data(rows, *, title="Bulk export", problem="They cannot export.", total=None):
    """The request form as the picker posts it: per row the deal's id (hidden) and the text box."""
    data = {
        "title": title,
        "problem": problem,
        "quarter": "",
        "deals-TOTAL_FORMS": str(len(rows) if total is None else total),
        "deals-INITIAL_FORMS": "0",
        "deals-MIN_NUM_FORMS": "0",
        "deals-MAX_NUM_FORMS": "50",
    }
    for index, (deal, criticality) in enumerate(rows):
        data[f"deals-{index}-deal"] = deal.pk if isinstance(deal, Deal) else deal
        data[f"deals-{index}-search"] = str(deal) if isinstance(deal, Deal) else ""
        data[f"deals-{index}-criticality"] = criticality
    return data


def add_deals(owner, count, *, prefix="Bulk"):
    """`count` open deals of `owner`, spread over 50 customers, made in two queries."""
    customers = Customer.objects.bulk_create(
        Customer(name=f"{prefix} customer {n:02}", arr=1_000) for n in range(min(count, 50))
    )
    return Deal.objects.bulk_create(
        Deal(
            customer=customers[n % len(customers)],
            name=f"{prefix} deal {n:04}",
            amount=1_000 + n,
            owner=owner,
        )
        for n in range(count)
    )


# --- the search endpoint ------------------------------------------------------------------------


def test_it_matches_the_deal_or_the_customer_name_in_any_case(client, rep, acme, deal):
    globex = Customer.objects.create(name="Globex", arr=1)
    Deal.objects.create(
        customer=globex, name="Expansion", amount=30_000, stage="evaluation", owner=rep
    )
    client.force_login(rep)
    by_customer = client.get(PICK, {"q": "aCM"})
    assert by_customer.status_code == 200
    assert options(by_customer.text) == ["Acme: Renewal"]
    # Name, customer, stage and amount, for telling deals apart.
    assert "Discovery · $120,000" in by_customer.text
    assert options(client.get(PICK, {"q": "PANS"}).text) == ["Globex: Expansion"]
    assert options(client.get(PICK, {"q": "e"}).text) == ["Acme: Renewal", "Globex: Expansion"]
    # The label a picked deal shows finds it again.
    assert options(client.get(PICK, {"q": "acme: ren"}).text) == ["Acme: Renewal"]


def test_it_offers_at_most_twenty_and_says_there_are_more(client, leader, rep):
    add_deals(rep, 25)
    client.force_login(leader)
    html = client.get(PICK, {"q": "bulk deal"}).text
    assert len(options(html)) == 20
    assert "The first 20 matches: type more of the name to narrow them." in html
    html = client.get(PICK, {"q": "bulk deal 002"}).text
    assert len(options(html)) == 5  # 0020 … 0024
    assert "type more" not in html


def test_it_offers_a_rep_only_their_own_open_deals(client, rep, leader, make_user, acme, deal):
    other = make_user(Role.SALES_REP, manager=leader)
    Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other)
    Deal.objects.create(customer=acme, name="Won", amount=1, owner=rep, stage="closed_won")
    Deal.objects.create(customer=acme, name="Lost", amount=1, owner=rep, stage="closed_lost")
    client.force_login(rep)
    assert options(client.get(PICK, {"q": "acme"}).text) == ["Acme: Renewal"]


def test_it_offers_a_leader_every_open_deal_but_no_closed_one(
    client, rep, leader, make_user, acme, deal
):
    other = make_user(Role.SALES_REP, manager=leader)
    Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other)
    Deal.objects.create(customer=acme, name="Won", amount=1, owner=rep, stage="closed_won")
    client.force_login(leader)
    assert options(client.get(PICK, {"q": "acme"}).text) == ["Acme: Renewal", "Acme: Theirs"]


def test_it_says_when_no_open_deal_matches_and_escapes_the_search(client, rep, deal):
    client.force_login(rep)
    response = client.get(PICK, {"q": "<b>zeta"})
    assert response.status_code == 200
    assert options(response.text) == []
    assert "No open deal matches “&lt;b&gt;zeta”." in response.text
    assert "<b>" not in response.text


@pytest.mark.parametrize("q", ["", "   ", "\u200b\u200b"], ids=ascii)
def test_it_offers_nothing_for_a_search_with_nothing_to_look_for(client, rep, deal, q):
    client.force_login(rep)
    response = client.get(PICK, {"q": q})
    assert response.status_code == 200
    assert options(response.text) == []
    assert "No open deal matches" not in response.text


def test_it_refuses_a_search_too_long_to_be_a_name_with_a_400(client, rep, deal):
    client.force_login(rep)
    response = client.get(PICK, {"q": "a" * 101})
    assert response.status_code == 400
    assert "Search with at most 100 characters (this has 101)" in response.text
    assert options(response.text) == []
    assert client.get(PICK, {"q": "a" * 100}).status_code == 200


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_lets_only_sales_search_deals(client, cast, deal, role):
    client.force_login(cast[role])
    response = client.get(PICK, {"q": "acme"})
    assert response.status_code == 403
    assert "Only sales reps and sales leaders submit requests." in response.text
    assert "Renewal" not in response.text


def test_it_sends_anonymous_users_to_log_in(client, deal):
    response = client.get(PICK, {"q": "acme"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_answers_get_only(client, rep, deal):
    client.force_login(rep)
    assert client.post(PICK, {"q": "acme"}).status_code == 405


def test_it_searches_in_a_fixed_number_of_queries(client, leader, rep, django_assert_num_queries):
    add_deals(rep, 300)
    client.force_login(leader)
    with django_assert_num_queries(3):  # session, user, the matches (with their customers)
        html = client.get(PICK, {"q": "bulk"}).text
    assert len(options(html)) == 20


# --- the form with the picker -------------------------------------------------------------------


def test_it_renders_a_picker_in_each_row(client, rep):
    client.force_login(rep)
    html = client.get(CREATE).text
    for index in range(3):
        assert f'<input type="hidden" name="deals-{index}-deal"' in html
        assert f'name="deals-{index}-search" id="id_deals-{index}-search"' in html
        assert f'aria-controls="id_deals-{index}-search-listbox"' in html
        assert f'<ul role="listbox" id="id_deals-{index}-search-listbox"' in html
    assert html.count('role="combobox"') == 4  # three rows and the row "Add another deal" copies
    assert f'hx-get="{PICK}"' in html
    assert 'name="deals-__prefix__-deal"' in html
    assert "Add another deal" in html
    assert "/static/js/deal_picker.js" in html


def test_it_links_the_picked_deals(client, rep, acme, deal):
    upsell = Deal.objects.create(customer=acme, name="Upsell", amount=5_000, owner=rep)
    client.force_login(rep)
    response = client.post(
        CREATE, form_data([(upsell, "blocker"), ("", "important"), (deal, "nice_to_have")])
    )
    assert response.status_code == 302
    request = FeatureRequest.objects.get()
    assert list(request.deal_links.order_by("id").values_list("deal__name", "criticality")) == [
        ("Upsell", "blocker"),
        ("Renewal", "nice_to_have"),
    ]


@pytest.mark.parametrize(
    "forged", ["theirs", "won", "lost", "999999", "abc", "12.0", "-1", "1e3", "9" * 40, "١٢"]
)
def test_it_refuses_a_deal_it_would_not_offer(client, rep, leader, make_user, acme, forged):
    other = make_user(Role.SALES_REP, manager=leader)
    deals = {
        "theirs": Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other),
        "won": Deal.objects.create(
            customer=acme, name="Won", amount=1, owner=rep, stage="closed_won"
        ),
        "lost": Deal.objects.create(
            customer=acme, name="Lost", amount=1, owner=rep, stage="closed_lost"
        ),
    }
    client.force_login(rep)
    data = form_data([(deals.get(forged, forged), "blocker")])
    response = client.post(CREATE, data)
    assert response.status_code == 400
    assert "This deal cannot be linked here" in response.text
    assert DEAL_NOT_OFFERED.replace("'", "&#x27;") in response.text
    assert "Please correct the deals marked below. Nothing was saved." in response.text
    assert not FeatureRequest.objects.exists()


def test_it_refuses_a_row_typed_into_but_not_picked(client, rep, deal):
    client.force_login(rep)
    data = form_data([("", "blocker")])
    data["deals-0-search"] = "Acme <Renewal>"
    response = client.post(CREATE, data)
    assert response.status_code == 400
    assert DEAL_NOT_PICKED in response.text
    # What was typed is back in the box, escaped.
    assert 'value="Acme &lt;Renewal&gt;"' in response.text
    assert not FeatureRequest.objects.exists()


def test_it_still_refuses_the_same_deal_twice(client, rep, deal):
    client.force_login(rep)
    response = client.post(CREATE, form_data([(deal, "blocker"), (deal, "important")]))
    assert response.status_code == 400
    assert "This deal is already linked above; link each deal once." in response.text
    assert not FeatureRequest.objects.exists()


def test_it_shows_the_picked_deal_again_when_the_form_is_refused(client, rep, deal):
    client.force_login(rep)
    response = client.post(CREATE, form_data([(deal, "blocker")], title=""))
    assert response.status_code == 400
    html = response.text
    assert f'<input type="hidden" name="deals-0-deal" value="{deal.pk}"' in html
    assert 'value="Acme: Renewal" data-picked-label="Acme: Renewal"' in html


def test_it_shows_the_linked_deals_when_editing_in_one_query(
    client, rep, acme, deal, submit, django_assert_num_queries
):
    lost = Deal.objects.create(
        customer=acme, name="Pilot", amount=1, owner=rep, stage="closed_lost"
    )
    few = submit(rep, title="Few", deal_links=[(deal, "blocker"), (lost, "important")])
    many = submit(
        rep,
        title="Many",
        deal_links=[(deal, "blocker"), (lost, "important")]
        + [(extra, "important") for extra in add_deals(rep, 20)],
    )
    client.force_login(rep)
    counts = []
    for request in (few, many):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("requests:request_edit", args=[request.pk])).text
        counts.append(len(queries))
        # A closed deal already linked stays on the request.
        assert 'value="Acme: Renewal" data-picked-label="Acme: Renewal"' in html
        assert 'value="Acme: Pilot" data-picked-label="Acme: Pilot"' in html
        assert f'<input type="hidden" name="deals-1-deal" value="{lost.pk}"' in html
    assert counts[0] == counts[1]
    assert html.count('data-picked-label="Bulk customer') == 20

    # Saved unchanged, the edit keeps the closed deal; emptying a row unlinks its deal.
    data = form_data([(deal, "blocker"), (lost, "important"), ("", "important")])
    data["deals-INITIAL_FORMS"] = "2"
    assert client.post(reverse("requests:request_edit", args=[few.pk]), data).status_code == 302
    assert sorted(few.deal_links.values_list("deal__name", flat=True)) == ["Pilot", "Renewal"]
    data = form_data([("", "blocker"), (lost, "important")])
    data["deals-INITIAL_FORMS"] = "2"
    assert client.post(reverse("requests:request_edit", args=[few.pk]), data).status_code == 302
    assert list(few.deal_links.values_list("deal__name", flat=True)) == ["Pilot"]


def test_it_refuses_more_than_fifty_rows_with_a_message(client, leader, rep):
    deals = add_deals(rep, 51)
    client.force_login(leader)
    response = client.post(CREATE, form_data([(deal, "important") for deal in deals]))
    assert response.status_code == 400
    html = response.text
    assert TOO_MANY in html
    assert not FeatureRequest.objects.exists()
    # Only the first 50 come back, counted as 50, so saving them again succeeds.
    assert 'name="deals-TOTAL_FORMS" value="50"' in html
    assert 'name="deals-49-deal"' in html and 'name="deals-50-deal"' not in html
    assert "Add another deal</button>" in html and "data-add-deal-row hidden" in html
    response = client.post(CREATE, form_data([(deal, "important") for deal in deals[:50]]))
    assert response.status_code == 302
    assert FeatureRequest.objects.get().deal_links.count() == 50


def test_it_refuses_a_forged_row_count_too(client, leader, deal):
    client.force_login(leader)
    response = client.post(CREATE, form_data([(deal, "important")], total=10_000))
    assert response.status_code == 400
    assert TOO_MANY in response.text
    assert not FeatureRequest.objects.exists()


# --- bounded work whatever the number of deals --------------------------------------------------


def measure(client, method, *args):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(*args)
    return response, len(queries)


def test_the_form_costs_the_same_with_50_or_5000_deals(
    client, leader, rep, django_assert_max_num_queries
):
    client.force_login(leader)
    figures = []
    for size in (50, 5_000):
        deals = add_deals(rep, size - Deal.objects.count(), prefix=f"Size {size}")
        rows = [(deal, "important") for deal in deals[:50]]
        with django_assert_max_num_queries(8):
            page, get_queries = measure(client, "get", CREATE)
        refused, refused_queries = measure(client, "post", CREATE, form_data(rows, title=""))
        with django_assert_max_num_queries(20):
            saved, post_queries = measure(client, "post", CREATE, form_data(rows))
        assert (page.status_code, refused.status_code, saved.status_code) == (200, 400, 302)
        client.get(saved.url)  # as a browser does, which shows (and uses up) "… submitted"
        assert TOO_MANY not in refused.text and refused.text.count('data-picked-label="Size') == 50
        figures.append(
            (get_queries, refused_queries, post_queries, len(page.content), len(refused.content))
        )
    small, large = figures
    assert Deal.objects.count() == 5_000
    assert small[:3] == large[:3], figures  # the same queries
    assert large[3] < 1.2 * small[3] and large[4] < 1.2 * small[4], figures  # and bytes
    assert FeatureRequest.objects.count() == 2
