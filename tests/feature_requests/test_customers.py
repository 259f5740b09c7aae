from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from feature_requests import customers as customer_services
from feature_requests.models import Customer, Deal

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "name": "Northwind Traders",
    "segment": "enterprise",
    "arr": "250000",
    "crm_url": "https://crm.example.com/accounts/42",
}


def make_customer(name: str = "Acme", **fields) -> Customer:
    fields.setdefault("arr", 100_000)
    return Customer.objects.create(name=name, **fields)


def make_deal(customer: Customer, owner, name: str = "Expansion", **fields) -> Deal:
    fields.setdefault("amount", 50_000)
    return Deal.objects.create(customer=customer, owner=owner, name=name, **fields)


def deal_form(customer: Customer, /, **changes) -> dict:
    return {
        "customer": customer.pk,
        "name": "Renewal",
        "amount": "120000",
        "stage": "evaluation",
        "expected_close": "2026-12-15",
        "crm_url": "",
    } | changes


@pytest.fixture
def rep_client(client, cast):
    client.force_login(cast[Role.SALES_REP])
    return client


# Customer list and detail ------------------------------------------------------------------


def test_it_lists_customers_with_open_deals_and_pipeline(client, cast):
    rep = cast[Role.SALES_REP]
    acme = make_customer("Acme", arr=1_250_000, segment=Customer.Segment.ENTERPRISE)
    make_deal(acme, rep, "One", amount=100_000, stage=Deal.Stage.DISCOVERY)
    make_deal(acme, rep, "Two", amount=20_000, stage=Deal.Stage.NEGOTIATION)
    make_deal(acme, rep, "Won", amount=999_000, stage=Deal.Stage.CLOSED_WON)
    make_deal(acme, rep, "Lost", amount=888_000, stage=Deal.Stage.CLOSED_LOST)
    make_customer("Zeta", arr=5_000, segment=Customer.Segment.SMB)
    client.force_login(cast[Role.PRODUCT_MANAGER])

    response = client.get(reverse("requests:customer_list"))

    assert response.status_code == 200
    row = response.text.split(">Acme</a>")[1].split("</tr>")[0]
    assert "Enterprise" in row
    assert "$1,250,000" in row
    assert '<td class="num">2</td>' in row
    assert "$120,000" in row
    zeta = response.text.split(">Zeta</a>")[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in zeta
    assert "$0" in zeta
    assert 'data-testid="total-pipeline">$120,000<' in response.text
    # A product manager reads but does not get the editing buttons.
    assert "New customer" not in response.text
    assert "Import from CRM" not in response.text


def test_it_offers_sales_the_buttons_that_fit_their_role(client, cast):
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("requests:customer_list")).text
    assert "New customer" in page
    assert "Import from CRM" not in page

    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(reverse("requests:customer_list")).text
    assert "New customer" in page
    assert "Import from CRM" in page


def test_it_shows_a_customer_with_its_deals_and_crm_links(client, cast):
    rep = cast[Role.SALES_REP]
    acme = make_customer("Acme", crm_url="https://crm.example.com/acme")
    make_deal(
        acme,
        rep,
        "Renewal",
        amount=75_000,
        stage=Deal.Stage.NEGOTIATION,
        expected_close=dt.date(2026, 12, 15),
        crm_url="https://crm.example.com/deal/1",
    )
    make_deal(acme, rep, "Old one", amount=5_000, stage=Deal.Stage.CLOSED_LOST)
    client.force_login(cast[Role.PRODUCT_LEADER])

    response = client.get(reverse("requests:customer_detail", args=[acme.pk]))

    assert response.status_code == 200
    page = response.text
    assert "<h1>Acme</h1>" in page
    assert '<a href="https://crm.example.com/acme" target="_blank" rel="noopener">' in page
    assert '<a href="https://crm.example.com/deal/1" target="_blank" rel="noopener"' in page
    assert "Renewal" in page and "Old one" in page
    assert "$75,000" in page
    assert "Negotiation" in page
    assert "Dec 15, 2026" in page
    assert "Ray Rep" in page
    assert 'data-testid="open-pipeline">$75,000<' in page
    assert "Edit customer" not in page


def test_it_answers_404_for_an_unknown_customer(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    assert client.get(reverse("requests:customer_detail", args=[999])).status_code == 404
    assert client.get(reverse("requests:customer_edit", args=[999])).status_code == 404
    assert client.get(reverse("requests:deal_edit", args=[999])).status_code == 404


def test_it_escapes_customer_names(client, cast):
    acme = make_customer("<script>alert(1)</script>")
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("requests:customer_detail", args=[acme.pk])).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


# Customer create and edit ---------------------------------------------------------------------


def test_it_creates_a_customer(rep_client):
    response = rep_client.post(reverse("requests:customer_create"), CUSTOMER, follow=True)

    customer = Customer.objects.get()
    assert (customer.name, customer.segment, customer.arr, customer.crm_url) == (
        "Northwind Traders",
        "enterprise",
        250_000,
        "https://crm.example.com/accounts/42",
    )
    assert response.redirect_chain[-1][0] == reverse("requests:customer_detail", args=[customer.pk])
    assert "Customer “Northwind Traders” created." in response.text


def test_it_edits_a_customer(leader_client):
    acme = make_customer("Acme", arr=1)
    url = reverse("requests:customer_edit", args=[acme.pk])
    assert 'value="Acme"' in leader_client.get(url).text

    response = leader_client.post(url, CUSTOMER | {"name": "Acme Corp", "arr": "7"}, follow=True)

    acme.refresh_from_db()
    assert (acme.name, acme.arr) == ("Acme Corp", 7)
    assert "Customer “Acme Corp” saved." in response.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the customer&#x27;s name."),
        ({"name": "   "}, "name", "Enter the customer&#x27;s name."),
        ({"arr": "-1"}, "arr", "The amount cannot be negative."),
        ({"arr": "abc"}, "arr", "Enter a whole amount without a currency sign"),
        ({"arr": "12.5"}, "arr", "Enter a whole amount without a currency sign"),
        ({"arr": "10000000000000"}, "arr", "That amount is too large."),
        ({"crm_url": "not a url"}, "crm_url", "Enter a web address starting with https://"),
        ({"crm_url": "javascript:alert(1)"}, "crm_url", "Enter a web address starting with"),
        ({"segment": "galactic"}, "segment", "Select a valid choice."),
    ],
)
def test_it_explains_bad_customer_input_and_saves_nothing(rep_client, change, field, message):
    response = rep_client.post(reverse("requests:customer_create"), CUSTOMER | change)

    assert response.status_code == 400
    group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert message in group
    assert not Customer.objects.exists()


def test_it_refuses_a_second_customer_of_the_same_name_in_any_case(rep_client):
    make_customer("Northwind Traders")
    response = rep_client.post(
        reverse("requests:customer_create"), CUSTOMER | {"name": "  northwind   TRADERS "}
    )
    assert response.status_code == 400
    assert "A customer with this name exists already." in response.text
    assert Customer.objects.count() == 1


def test_it_keeps_the_saved_customer_when_an_edit_is_bad(leader_client):
    acme = make_customer("Acme", arr=5)
    response = leader_client.post(
        reverse("requests:customer_edit", args=[acme.pk]), CUSTOMER | {"arr": "-3"}
    )
    assert response.status_code == 400
    assert "Edit Acme" in response.text
    acme.refresh_from_db()
    assert (acme.name, acme.arr) == ("Acme", 5)


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_refuses_customer_writes_from_product(client, cast, role):
    acme = make_customer("Acme", arr=5)
    client.force_login(cast[role])

    assert client.get(reverse("requests:customer_create")).status_code == 403
    response = client.post(reverse("requests:customer_create"), CUSTOMER)
    assert response.status_code == 403
    assert "Only sales edit customers and deals" in response.text
    response = client.post(reverse("requests:customer_edit", args=[acme.pk]), CUSTOMER)
    assert response.status_code == 403

    assert list(Customer.objects.values_list("name", "arr")) == [("Acme", 5)]


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("requests:customer_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Deals ---------------------------------------------------------------------------------------


def test_it_lets_a_rep_create_a_deal_they_own(rep_client, cast):
    acme = make_customer("Acme")
    page = rep_client.get(reverse("requests:deal_create") + f"?customer={acme.pk}").text
    assert 'name="owner"' not in page
    assert "You will own this deal." in page
    assert f'<option value="{acme.pk}" selected>' in page

    response = rep_client.post(reverse("requests:deal_create"), deal_form(acme), follow=True)

    deal = Deal.objects.get()
    assert deal.owner == cast[Role.SALES_REP]
    assert (deal.name, deal.amount, deal.stage) == ("Renewal", 120_000, "evaluation")
    assert deal.expected_close == dt.date(2026, 12, 15)
    assert "Deal “Renewal” created." in response.text
    assert response.redirect_chain[-1][0] == reverse("requests:customer_detail", args=[acme.pk])


def test_it_ignores_a_forged_owner_from_a_rep(rep_client, cast, make_user):
    acme = make_customer("Acme")
    other = make_user(Role.SALES_REP)
    rep_client.post(reverse("requests:deal_create"), deal_form(acme, owner=other.pk))
    assert Deal.objects.get().owner == cast[Role.SALES_REP]


def test_it_lets_a_leader_choose_any_active_rep_as_owner(leader_client, cast, make_user):
    acme = make_customer("Acme")
    other = make_user(Role.SALES_REP, full_name="Olive Other")
    gone = make_user(Role.SALES_REP, full_name="Gone Rep", is_active=False)
    page = leader_client.get(reverse("requests:deal_create")).text
    owner_select = page.split('name="owner"')[1].split("</select>")[0]
    assert "Olive Other" in owner_select and "Ray Rep" in owner_select
    assert "Gone Rep" not in owner_select
    assert "Lee Leader" not in owner_select

    leader_client.post(reverse("requests:deal_create"), deal_form(acme, owner=other.pk))
    assert Deal.objects.get().owner == other

    response = leader_client.post(
        reverse("requests:deal_create"), deal_form(acme, name="Other", owner=gone.pk)
    )
    assert response.status_code == 400
    assert "Choose one of the active sales reps in the list." in response.text
    response = leader_client.post(
        reverse("requests:deal_create"),
        deal_form(acme, name="Other", owner=cast[Role.SALES_LEADER].pk),
    )
    assert response.status_code == 400
    assert Deal.objects.count() == 1


def test_it_lets_a_rep_edit_their_own_deal(rep_client, cast):
    acme = make_customer("Acme")
    deal = make_deal(acme, cast[Role.SALES_REP], "Renewal")

    response = rep_client.post(
        reverse("requests:deal_edit", args=[deal.pk]),
        deal_form(acme, amount="80000", stage="closed_won"),
        follow=True,
    )

    deal.refresh_from_db()
    assert (deal.amount, deal.stage, deal.owner) == (80_000, "closed_won", cast[Role.SALES_REP])
    assert "Deal “Renewal” saved." in response.text


def test_it_lets_a_leader_reassign_a_deal(leader_client, cast, make_user):
    acme = make_customer("Acme")
    deal = make_deal(acme, cast[Role.SALES_REP], "Renewal")
    other = make_user(Role.SALES_REP)

    leader_client.post(
        reverse("requests:deal_edit", args=[deal.pk]), deal_form(acme, owner=other.pk)
    )

    deal.refresh_from_db()
    assert deal.owner == other


def test_it_refuses_a_rep_editing_another_reps_deal(rep_client, cast, make_user):
    acme = make_customer("Acme")
    other = make_user(Role.SALES_REP)
    deal = make_deal(acme, other, "Theirs", amount=10)

    assert rep_client.get(reverse("requests:deal_edit", args=[deal.pk])).status_code == 403
    response = rep_client.post(
        reverse("requests:deal_edit", args=[deal.pk]),
        deal_form(acme, name="Mine now", amount="1", owner=cast[Role.SALES_REP].pk),
    )

    assert response.status_code == 403
    assert "a rep only their own deals" in response.text
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.owner) == ("Theirs", 10, other)


def test_it_refuses_deal_writes_from_product(client, cast):
    acme = make_customer("Acme")
    deal = make_deal(acme, cast[Role.SALES_REP], "Renewal", amount=10)
    client.force_login(cast[Role.PRODUCT_MANAGER])

    assert client.post(reverse("requests:deal_create"), deal_form(acme)).status_code == 403
    response = client.post(reverse("requests:deal_edit", args=[deal.pk]), deal_form(acme))
    assert response.status_code == 403
    deal.refresh_from_db()
    assert (deal.name, deal.amount) == ("Renewal", 10)
    assert Deal.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the deal&#x27;s name."),
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"amount": "abc"}, "amount", "Enter a whole amount without a currency sign"),
        ({"amount": ""}, "amount", "Enter an amount"),
        ({"crm_url": "crm.example.com/deal 1"}, "crm_url", "Enter a web address starting with"),
        ({"expected_close": "next week"}, "expected_close", "Enter a date such as 2026-12-31."),
        ({"stage": "won"}, "stage", "Select a valid choice."),
        ({"customer": "999"}, "customer", "Choose one of the customers in the list."),
        ({"customer": ""}, "customer", "Choose the customer."),
    ],
)
def test_it_explains_bad_deal_input_and_saves_nothing(rep_client, change, field, message):
    acme = make_customer("Acme")
    response = rep_client.post(reverse("requests:deal_create"), deal_form(acme, **change))

    assert response.status_code == 400
    group = response.text.split(f'name="{field}"')[0].rsplit('<div class="field', 1)[1]
    assert message in group
    assert not Deal.objects.exists()


def test_it_refuses_a_second_deal_of_the_same_name_for_a_customer(rep_client, cast):
    acme = make_customer("Acme")
    make_deal(acme, cast[Role.SALES_REP], "Renewal")
    response = rep_client.post(reverse("requests:deal_create"), deal_form(acme))
    assert response.status_code == 400
    assert "This customer has a deal with this name already." in response.text
    assert Deal.objects.count() == 1


def test_it_keeps_a_deal_unchanged_when_an_edit_is_bad(rep_client, cast):
    acme = make_customer("Acme")
    deal = make_deal(acme, cast[Role.SALES_REP], "Renewal", amount=10)
    response = rep_client.post(
        reverse("requests:deal_edit", args=[deal.pk]), deal_form(acme, amount="-1")
    )
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.amount == 10


# Deal list -------------------------------------------------------------------------------------


@pytest.fixture
def deals(cast, make_user):
    rep = cast[Role.SALES_REP]
    other = make_user(Role.SALES_REP, full_name="Olive Other")
    acme = make_customer("Acme")
    return {
        "mine_open": make_deal(acme, rep, "Mine open", stage=Deal.Stage.DISCOVERY),
        "mine_won": make_deal(acme, rep, "Mine won", stage=Deal.Stage.CLOSED_WON),
        "theirs": make_deal(acme, other, "Theirs open", stage=Deal.Stage.EVALUATION),
    }


def test_it_shows_a_rep_their_own_deals_first_and_all_on_request(rep_client, deals):
    page = rep_client.get(reverse("requests:deal_list")).text
    assert "My deals" in page
    assert "Mine open" in page and "Mine won" in page
    assert "Theirs open" not in page

    page = rep_client.get(reverse("requests:deal_list"), {"show": "all"}).text
    assert "Mine open" in page and "Theirs open" in page
    # Everyone's deals are visible, but only the rep's own are editable.
    assert reverse("requests:deal_edit", args=[deals["mine_open"].pk]) in page
    assert reverse("requests:deal_edit", args=[deals["theirs"].pk]) not in page


def test_it_filters_deals_by_stage(rep_client, deals):
    page = rep_client.get(reverse("requests:deal_list"), {"stage": "closed_won"}).text
    assert "Mine won" in page and "Mine open" not in page

    page = rep_client.get(reverse("requests:deal_list"), {"stage": "open", "show": "all"}).text
    assert "Mine open" in page and "Theirs open" in page and "Mine won" not in page


def test_it_shows_everything_for_an_unknown_filter(rep_client, deals):
    response = rep_client.get(reverse("requests:deal_list"), {"stage": "bogus", "show": "x"})
    assert response.status_code == 200
    assert "Mine open" in response.text and "Mine won" in response.text


def test_it_shows_leaders_every_deal_with_edit_links(leader_client, deals):
    page = leader_client.get(reverse("requests:deal_list")).text
    assert "Mine open" in page and "Theirs open" in page
    assert 'name="show"' not in page
    assert reverse("requests:deal_edit", args=[deals["theirs"].pk]) in page
    assert "Olive Other" in page
    assert "$150,000" in page  # three deals of $50,000


def test_it_answers_htmx_with_just_the_table(rep_client, deals):
    response = rep_client.get(
        reverse("requests:deal_list"), {"stage": "closed_won"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="deal-table">')
    assert "<html" not in response.text
    assert "Mine won" in response.text and "Mine open" not in response.text


# Pages of 50 ------------------------------------------------------------------------------------


def add_deals(customer: Customer, owner, count: int, **fields) -> None:
    """`count` open deals of $1,000, named so that they sort in the order they are made."""
    fields.setdefault("stage", Deal.Stage.DISCOVERY)
    Deal.objects.bulk_create(
        Deal(customer=customer, owner=owner, name=f"Deal {i:02}", amount=1_000, **fields)
        for i in range(count)
    )


def pages_of(html: str) -> str:
    return html.split('<nav class="pager"')[1].split("</nav>")[0]


def test_it_lists_deals_50_a_page_with_the_totals_of_all(leader_client, cast):
    add_deals(make_customer("Acme"), cast[Role.SALES_REP], 60)
    url = reverse("requests:deal_list")

    page = leader_client.get(url).text
    assert page.count('<th scope="row">Deal ') == 50
    assert "Deal 49<" in page and "Deal 50<" not in page
    assert "Page 1 of 2" in pages_of(page)
    assert '<a href="?page=2" rel="next">' in page

    page = leader_client.get(url, {"page": "2"}).text
    assert page.count('<th scope="row">Deal ') == 10
    assert "Deal 50<" in page and "Deal 49<" not in page
    assert '<a href="?page=1" rel="prev">' in page
    assert "60 deals" in page
    assert 'data-testid="total-amount">$60,000<' in page


def test_it_keeps_the_deal_filters_on_the_next_page(rep_client, cast, make_user):
    add_deals(make_customer("Acme"), make_user(Role.SALES_REP), 55)
    add_deals(make_customer("Globex"), cast[Role.SALES_REP], 5, stage=Deal.Stage.CLOSED_WON)

    page = rep_client.get(reverse("requests:deal_list"), {"stage": "open", "show": "all"}).text
    assert '<a href="?stage=open&amp;show=all&amp;page=2" rel="next">' in page
    assert "55 deals" in page

    # Also in the table htmx swaps in when a filter changes.
    response = rep_client.get(
        reverse("requests:deal_list"),
        {"stage": "open", "show": "all", "page": "2"},
        headers={"HX-Request": "true"},
    )
    assert '<a href="?stage=open&amp;show=all&amp;page=1" rel="prev">' in response.text
    assert "Page 2 of 2" in response.text
    assert response.text.count('<th scope="row">Deal ') == 5
    assert 'data-testid="total-amount">$55,000<' in response.text


def test_it_keeps_a_reps_default_filter_on_the_next_page(rep_client, cast):
    add_deals(make_customer("Acme"), cast[Role.SALES_REP], 51)
    page = rep_client.get(reverse("requests:deal_list")).text
    assert '<a href="?show=mine&amp;page=2" rel="next">' in page


def test_it_lists_customers_50_a_page_with_the_totals_of_all(leader_client, cast):
    add_customers_with_deals(cast[Role.SALES_REP], 60)  # one open and one won deal of $100 each
    url = reverse("requests:customer_list")

    page = leader_client.get(url).text
    assert page.count('<td class="num">1</td>') == 50
    assert "Page 1 of 2" in pages_of(page)
    assert '<a href="?page=2" rel="next">' in page

    page = leader_client.get(url, {"page": "2"}).text
    assert page.count('<td class="num">1</td>') == 10
    assert "60 customers" in page
    assert 'data-testid="total-arr">$1,770,000<' in page  # 1,000 × (0 + 1 + … + 59)
    assert 'data-testid="total-pipeline">$6,000<' in page


def test_it_lists_a_customers_deals_50_a_page_with_all_its_open_pipeline(client, cast):
    acme = make_customer("Acme")
    add_deals(acme, cast[Role.SALES_REP], 60)
    add_deals(make_customer("Globex"), cast[Role.SALES_REP], 3)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    url = reverse("requests:customer_detail", args=[acme.pk])

    page = client.get(url).text
    assert page.count('<th scope="row" id="deal-') == 50
    assert "Page 1 of 2" in pages_of(page)

    page = client.get(url, {"page": "2"}).text
    assert page.count('<th scope="row" id="deal-') == 10
    assert '<a href="?page=1" rel="prev">' in page
    assert 'data-testid="open-pipeline">$60,000<' in page


@pytest.mark.parametrize("number", ["abc", "999", "0", "-1"])
def test_it_shows_a_page_for_any_page_number(leader_client, cast, number):
    acme = make_customer("Acme")
    add_deals(acme, cast[Role.SALES_REP], 60)
    for url in [
        reverse("requests:deal_list"),
        reverse("requests:customer_list"),
        reverse("requests:customer_detail", args=[acme.pk]),
    ]:
        response = leader_client.get(url, {"page": number})
        assert response.status_code == 200
        assert "Deal" in response.text


# Query counts --------------------------------------------------------------------------------


def add_customers_with_deals(owner, count: int) -> None:
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {i}", arr=1_000 * i) for i in range(count)
    )
    Deal.objects.bulk_create(
        Deal(customer=customer, owner=owner, name=f"Deal {j}", amount=100, stage=stage)
        for customer in customers
        for j, stage in enumerate([Deal.Stage.DISCOVERY, Deal.Stage.CLOSED_WON])
    )


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_customers_in_constant_queries(client, cast, django_assert_num_queries, count):
    add_customers_with_deals(cast[Role.SALES_REP], count)
    client.force_login(cast[Role.SALES_LEADER])
    # session, user, the customers' count (pager), the page of annotated customers, total ARR,
    # total open pipeline, unread notifications (header)
    with django_assert_num_queries(7):
        response = client.get(reverse("requests:customer_list"))
    assert response.text.count('<td class="num">1</td>') == count


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_deals_in_constant_queries(client, cast, django_assert_num_queries, count):
    add_customers_with_deals(cast[Role.SALES_REP], count)
    client.force_login(cast[Role.SALES_REP])
    # session, user, the deals' count (pager), the page of deals with their customers and
    # owners, the deals' total amount, unread notifications
    with django_assert_num_queries(6):
        response = client.get(reverse("requests:deal_list"))
    assert response.text.count("Ray Rep</td>") == min(2 * count, 50)


@pytest.mark.parametrize("count", [2, 30])
def test_it_shows_a_customer_in_constant_queries(client, cast, django_assert_num_queries, count):
    acme = make_customer("Acme")
    Deal.objects.bulk_create(
        Deal(customer=acme, owner=cast[Role.SALES_REP], name=f"Deal {i}", amount=1)
        for i in range(count)
    )
    client.force_login(cast[Role.PRODUCT_MANAGER])
    # session, user, the customer, its deals' count (pager), the page of its deals with their
    # owners, its open pipeline, unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("requests:customer_detail", args=[acme.pk]))
    assert response.text.count("Ray Rep</td>") == count


# Services: the same rules hold when the views are bypassed -----------------------------------


def test_it_refuses_a_rep_creating_a_deal_for_someone_else(cast, make_user):
    acme = make_customer("Acme")
    other = make_user(Role.SALES_REP)
    with pytest.raises(PermissionDenied):
        customer_services.deal_create(
            actor=cast[Role.SALES_REP], customer=acme, name="X", amount=1, owner=other
        )
    assert not Deal.objects.exists()


def test_it_refuses_a_rep_giving_their_deal_away(cast, make_user):
    rep = cast[Role.SALES_REP]
    deal = make_deal(make_customer("Acme"), rep)
    with pytest.raises(PermissionDenied):
        customer_services.deal_update(actor=rep, deal=deal, owner=make_user(Role.SALES_REP))
    deal.refresh_from_db()
    assert deal.owner == rep


def test_it_refuses_an_inactive_or_non_rep_owner(cast, make_user):
    acme = make_customer("Acme")
    leader = cast[Role.SALES_LEADER]
    for owner in [make_user(Role.SALES_REP, is_active=False), leader]:
        with pytest.raises(ValidationError):
            customer_services.deal_create(
                actor=leader, customer=acme, name="X", amount=1, owner=owner
            )
    assert not Deal.objects.exists()
