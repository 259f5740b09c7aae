from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer, Deal

pytestmark = pytest.mark.django_db

HEADER = "customer,segment,customer_arr,crm_url,deal,amount,stage,expected_close,owner_email,deal_crm_url"
REP = "rep@example.com"


def row(**values: str) -> str:
    cells = {
        "customer": "Acme",
        "segment": "enterprise",
        "customer_arr": "500000",
        "crm_url": "https://crm.example.com/a/1",
        "deal": "Expansion",
        "amount": "120000",
        "stage": "negotiation",
        "expected_close": "2026-12-15",
        "owner_email": REP,
        "deal_crm_url": "https://crm.example.com/d/1",
    } | values
    return ",".join(cells[name] for name in HEADER.split(","))


def csv_file(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


GOOD = csv_file(
    row(),
    row(deal="Second seat pack", amount='"20,000"', stage="Closed won", expected_close=""),
    row(
        customer="Beta GmbH",
        segment="Mid-market",
        customer_arr="75000",
        crm_url="",
        deal="Pilot",
        amount="15000",
        stage="DISCOVERY",
        owner_email="Rep@Example.com",
        deal_crm_url="",
    ),
    row(customer="Gamma", segment="smb", customer_arr="0", crm_url="", deal=""),
)


@pytest.fixture(autouse=True)
def csv_rep(make_user, cast):
    """The rep the CSV rows name as the deals' owner (REP); every import here finds them."""
    return make_user(
        Role.SALES_REP, email=REP, full_name="Rita Rep", manager=cast[Role.SALES_LEADER]
    )


def upload(client, content: str | bytes, name: str = "export.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("requests:crm_import"),
        {"csv_file": SimpleUploadedFile(name, data, content_type="text/csv")},
        follow=True,
    )


def test_it_shows_the_expected_columns_with_an_example(leader_client):
    page = leader_client.get(reverse("requests:crm_import")).text
    # The example scrolls sideways, so keyboard users can focus it to scroll it.
    example = '<pre class="csv-example" tabindex="0" role="region" aria-label="Example file">'
    assert f"{example}{HEADER}\nNorthwind Traders,enterprise," in page
    assert 'enctype="multipart/form-data"' in page


def test_it_imports_customers_and_deals(leader_client, csv_rep):
    response = upload(leader_client, GOOD)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("requests:customer_list")
    assert (
        "Import done. Customers: 3 created, 0 updated, 0 unchanged. "
        "Deals: 3 created, 0 updated, 0 unchanged."
    ) in response.text
    assert sorted(Customer.objects.values_list("name", "segment", "arr", "crm_url")) == [
        ("Acme", "enterprise", 500_000, "https://crm.example.com/a/1"),
        ("Beta GmbH", "mid_market", 75_000, ""),
        ("Gamma", "smb", 0, ""),
    ]
    assert sorted(
        Deal.objects.values_list("customer__name", "name", "amount", "stage", "expected_close")
    ) == [
        ("Acme", "Expansion", 120_000, "negotiation", dt.date(2026, 12, 15)),
        ("Acme", "Second seat pack", 20_000, "closed_won", None),
        ("Beta GmbH", "Pilot", 15_000, "discovery", dt.date(2026, 12, 15)),
    ]
    assert set(Deal.objects.values_list("owner", flat=True)) == {csv_rep.pk}
    assert Deal.objects.get(name="Expansion").crm_url == "https://crm.example.com/d/1"


def test_it_updates_on_a_second_import_instead_of_duplicating(leader_client):
    upload(leader_client, GOOD)
    Customer.objects.filter(name="Beta GmbH").update(crm_url="https://crm.example.com/kept")

    changed = GOOD.replace("Acme,enterprise,500000", "ACME,enterprise,600000").replace(
        "Pilot,15000,DISCOVERY", "pilot,18000,evaluation"
    )
    response = upload(leader_client, changed)

    assert (
        "Customers: 0 created, 1 updated, 2 unchanged. Deals: 0 created, 1 updated, 2 unchanged."
    ) in response.text
    assert Customer.objects.count() == 3
    assert Deal.objects.count() == 3
    acme = Customer.objects.get(name="Acme")  # matched in any case; the name is kept
    assert acme.arr == 600_000
    pilot = Deal.objects.get(name="Pilot")
    assert (pilot.amount, pilot.stage) == (18_000, "evaluation")
    # An empty CRM link in the file does not erase the one Forcerank has.
    assert Customer.objects.get(name="Beta GmbH").crm_url == "https://crm.example.com/kept"


def test_it_matches_existing_customers_and_deals_made_by_hand(leader_client, csv_rep):
    acme = Customer.objects.create(name="Acme", arr=1, segment="smb")
    Deal.objects.create(customer=acme, name="Expansion", amount=1, owner=csv_rep)

    response = upload(leader_client, csv_file(row()))

    assert "Customers: 0 created, 1 updated" in response.text
    assert "Deals: 0 created, 1 updated" in response.text
    acme.refresh_from_db()
    assert (acme.segment, acme.arr) == ("enterprise", 500_000)
    assert Deal.objects.get().amount == 120_000


def test_it_reports_every_bad_row_and_imports_nothing(leader_client):
    content = csv_file(
        row(customer="Fine Co", deal="Fine deal"),
        row(customer="Bad One", stage="won"),
        row(customer="Fine Too", deal="Fine deal"),
        row(customer="Bad Two", amount="-5"),
    )

    response = upload(leader_client, content)

    assert response.status_code == 400
    assert "Nothing was imported." in response.text
    assert "Line 3: Unknown stage “won”" in response.text
    assert "Line 5: The amount “-5” is negative." in response.text
    assert "Line 2:" not in response.text and "Line 4:" not in response.text
    assert not Customer.objects.exists()
    assert not Deal.objects.exists()


def test_it_reports_several_problems_of_one_row(leader_client):
    response = upload(leader_client, csv_file(row(segment="huge", customer_arr="lots")))
    assert response.status_code == 400
    assert "Line 2: Unknown segment “huge”" in response.text
    assert "Line 2: The customer ARR “lots” is not a number." in response.text


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"segment": "galactic"},
            "Unknown segment “galactic”; use one of smb, mid_market, enterprise.",
        ),
        ({"segment": ""}, "Unknown segment “”"),
        ({"stage": "won"}, "Unknown stage “won”; use one of discovery, evaluation,"),
        ({"customer_arr": "abc"}, "The customer ARR “abc” is not a number."),
        ({"customer_arr": "-1"}, "The customer ARR “-1” is negative."),
        ({"customer_arr": ""}, "The customer ARR is empty."),
        ({"customer_arr": "12.5"}, "The customer ARR “12.5” is not a whole number."),
        ({"customer_arr": "1e30"}, "The customer ARR “1e30” is too large."),
        ({"customer_arr": "NaN"}, "The customer ARR “NaN” is not a whole number."),
        ({"amount": "abc"}, "The amount “abc” is not a number."),
        ({"amount": "-100"}, "The amount “-100” is negative."),
        ({"amount": ""}, "The amount is empty."),
        ({"expected_close": "2026-13-01"}, "The expected close date “2026-13-01” is not a date"),
        ({"expected_close": "12/31/2026"}, "The expected close date “12/31/2026” is not a date"),
        ({"expected_close": "20261231"}, "The expected close date “20261231” is not a date"),
        (
            {"owner_email": "nobody@example.com"},
            "The owner “nobody@example.com” is not an active sales rep",
        ),
        ({"owner_email": ""}, "The owner e-mail is empty."),
        ({"crm_url": "not a link"}, "The customer CRM link “not a link” is not a web address"),
        (
            {"deal_crm_url": "javascript:alert(1)"},
            "The deal CRM link “javascript:alert(1)” is not a web address",
        ),
        ({"customer": ""}, "The customer name is empty."),
        ({"customer": "x" * 201}, "The customer name is longer than 200 characters."),
        ({"deal": "y" * 201}, "The deal name is longer than 200 characters."),
    ],
)
def test_it_checks_each_value(leader_client, values, message):
    response = upload(leader_client, csv_file(row(customer="Good", deal="Good"), row(**values)))

    assert response.status_code == 400
    assert f"Line 3: {message}" in response.text
    assert not Customer.objects.exists()
    assert not Deal.objects.exists()


@pytest.mark.parametrize("whose", ["inactive rep", "sales leader", "product manager"])
def test_it_accepts_only_active_reps_as_owners(leader_client, cast, make_user, whose):
    person = {
        "inactive rep": lambda: make_user(Role.SALES_REP, is_active=False),
        "sales leader": lambda: cast[Role.SALES_LEADER],
        "product manager": lambda: cast[Role.PRODUCT_MANAGER],
    }[whose]()
    response = upload(leader_client, csv_file(row(owner_email=person.email)))
    assert response.status_code == 400
    assert f"Line 2: The owner “{person.email}” is not an active sales rep" in response.text
    assert not Deal.objects.exists()


def test_it_escapes_what_the_file_says_in_its_messages(leader_client):
    response = upload(leader_client, csv_file(row(stage="<b>won</b>")))
    assert "Unknown stage “&lt;b&gt;won&lt;/b&gt;”" in response.text


def test_it_refuses_a_deal_listed_twice(leader_client):
    response = upload(leader_client, csv_file(row(), row(customer="acme", deal="EXPANSION")))
    assert response.status_code == 400
    assert "Line 3: The deal “EXPANSION” of “acme” is on line 2 already." in response.text


def test_it_refuses_a_customer_described_two_ways(leader_client):
    response = upload(leader_client, csv_file(row(), row(deal="Other", customer_arr="1")))
    assert response.status_code == 400
    assert "Line 3: The customer “Acme” has a different ARR here than on line 2." in response.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        ("\n\n", "The file is empty."),
        (HEADER + "\n", "The file has a header but no rows to import."),
        (
            csv_file(row(), header=HEADER.replace(",stage", "").replace(",owner_email", "")),
            "lacks the columns stage, owner_email.",
        ),
        ("name,arr\nAcme,1\n", "lacks the columns customer, segment, customer_arr, deal,"),
        (csv_file(row(), header=HEADER + ",deal"), "The header names deal more than once."),
    ],
)
def test_it_refuses_a_file_without_the_right_shape(leader_client, content, message):
    response = upload(leader_client, content)
    assert response.status_code == 400
    assert message in response.text
    assert not Customer.objects.exists()


def test_it_refuses_a_file_that_is_not_utf8(leader_client):
    content = csv_file(row(), row(customer="Café Müller", deal="Other")).encode("latin-1")
    response = upload(leader_client, content)
    assert response.status_code == 400
    assert "Line 3: The file is not UTF-8 text." in response.text
    assert not Customer.objects.exists()


def test_it_refuses_a_file_with_a_nul_character(leader_client):
    # PostgreSQL refuses NUL in text: it must be a message, never a 500.
    content = csv_file(row(), row(customer="Bad\x00Name", deal="Other")).encode()
    response = upload(leader_client, content)
    assert response.status_code == 400
    assert "Line 3: The file contains a NUL character" in response.text
    assert not Customer.objects.exists()


def test_it_refuses_more_than_5000_rows(leader_client):
    rows = [row(customer=f"Customer {i}", deal="") for i in range(5_001)]
    response = upload(leader_client, csv_file(*rows))
    assert response.status_code == 400
    assert "The file has more than 5,000 rows." in response.text
    assert not Customer.objects.exists()


def test_it_imports_5000_rows(leader_client, django_assert_max_num_queries):
    rows = [row(customer=f"Customer {i // 2}", deal=f"Deal {i}") for i in range(5_000)]
    # Written in batches (SQLite's are small: about 200 rows), never a query per row.
    with django_assert_max_num_queries(100):
        response = upload(leader_client, csv_file(*rows))
    assert "Customers: 2500 created" in response.text
    assert Deal.objects.count() == 5_000


def test_it_refuses_a_file_over_2_mb(leader_client):
    content = csv_file(row()) + "," * (2 * 1024 * 1024)
    response = upload(leader_client, content)
    assert response.status_code == 400
    assert (
        "The file is larger than 2 MB. Split it into files of at most 5,000 rows." in response.text
    )
    assert not Customer.objects.exists()


def test_it_asks_for_a_file(leader_client):
    response = leader_client.post(reverse("requests:crm_import"), {})
    assert response.status_code == 400
    assert "Choose the CSV file to import." in response.text


def test_it_reads_spreadsheet_exports(leader_client):
    """A byte-order mark, Windows line ends, reordered and extra columns, blank rows."""
    columns = HEADER.split(",")
    reordered = ["Notes", *reversed(columns)]
    values = row().split(",")
    line = ",".join(["call back", *reversed(values)])
    content = "\ufeff" + "\r\n".join([",".join(reordered), line, ",,,,,,,,,,", ""])

    response = upload(leader_client, content.encode())

    assert "Customers: 1 created" in response.text
    assert Deal.objects.get().amount == 120_000


def test_it_counts_lines_as_an_editor_shows_them(leader_client):
    content = csv_file(row(), "", row(customer='"Multi\nline"', deal="X"), row(stage="won"))
    response = upload(leader_client, content)
    assert response.status_code == 400
    assert "Line 6: Unknown stage “won”" in response.text


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_lets_only_sales_leaders_import(client, cast, csv_rep, role):
    client.force_login(cast[role])
    assert client.get(reverse("requests:crm_import")).status_code == 403

    response = upload(client, GOOD)

    assert response.status_code == 403
    assert "Only sales leaders import customers and deals." in response.text
    assert not Customer.objects.exists()
