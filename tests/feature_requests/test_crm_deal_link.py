"""The link a CRM shows on a deal: submit a request for it, the deal picked on the form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.links import deal_request_path
from feature_requests.models import Customer, Deal, FeatureRequest

pytestmark = pytest.mark.django_db

MISSING = "No deal with that CRM id is in Forcerank yet: it appears after the next CRM sync."


@pytest.fixture
def rep(cast):
    return cast[Role.SALES_REP]


@pytest.fixture
def acme(db):
    return Customer.objects.create(name="Acme", arr=1)


@pytest.fixture
def crm_deal(rep, acme):
    return Deal.objects.create(
        customer=acme, name="Renewal", amount=120_000, owner=rep, external_id="hs-9001"
    )


def field_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html
    )
    assert match, f"no {name} on the form"
    return match.group(1)


def test_it_is_the_path_the_crm_shows():
    assert deal_request_path("hs-9001") == "/deals/crm/hs-9001/request/"


def test_a_rep_opens_the_link_for_their_deal_and_submits_it_linked(client, rep, crm_deal):
    client.force_login(rep)
    response = client.get(deal_request_path("hs-9001"))
    assert response.status_code == 302
    assert response.url == reverse("requests:request_create") + f"?deal={crm_deal.pk}"
    form = client.get(response.url).text
    assert 'data-picked-label="Acme: Renewal"' in form
    assert field_value(form, "deals-0-deal") == str(crm_deal.pk)

    data = {
        "title": "Bulk export",
        "problem": "They cannot export.",
        "quarter": "",
        "deals-TOTAL_FORMS": field_value(form, "deals-TOTAL_FORMS"),
        "deals-INITIAL_FORMS": field_value(form, "deals-INITIAL_FORMS"),
        "deals-MIN_NUM_FORMS": "0",
        "deals-MAX_NUM_FORMS": "50",
        "deals-0-deal": str(crm_deal.pk),
        "deals-0-search": "Acme: Renewal",
        "deals-0-criticality": "blocker",
    }
    for index in range(1, int(data["deals-TOTAL_FORMS"])):
        data[f"deals-{index}-deal"] = ""
        data[f"deals-{index}-criticality"] = "important"
    assert client.post(response.url, data).status_code == 302
    request = FeatureRequest.objects.get()
    assert list(request.deal_links.values_list("deal_id", "criticality")) == [
        (crm_deal.pk, "blocker")
    ]


def test_a_sales_leader_may_open_any_open_deals_link(client, cast, crm_deal):
    client.force_login(cast[Role.SALES_LEADER])
    response = client.get(deal_request_path("hs-9001"))
    assert response.url.endswith(f"?deal={crm_deal.pk}")


def test_another_reps_deal_is_refused_with_the_reason(client, make_user, cast, crm_deal):
    client.force_login(make_user(Role.SALES_REP, manager=cast[Role.SALES_LEADER]))
    response = client.get(deal_request_path("hs-9001"))
    assert response.status_code == 403
    assert "“Renewal” is Ray Rep’s deal: a rep submits requests for their own deals only" in (
        response.text
    )


def test_a_closed_deal_is_refused_with_the_reason(client, rep, crm_deal):
    Deal.objects.filter(pk=crm_deal.pk).update(stage="closed_won")
    client.force_login(rep)
    response = client.get(deal_request_path("hs-9001"))
    assert response.status_code == 403
    assert "“Renewal” is closed won: a request is submitted for open deals only" in response.text


def test_product_roles_may_not_submit_requests(client, cast, crm_deal):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    response = client.get(deal_request_path("hs-9001"))
    assert response.status_code == 403
    assert "Only sales reps and sales leaders submit requests." in response.text


def test_an_unknown_crm_id_says_the_deal_comes_with_the_next_sync(client, rep, crm_deal):
    client.force_login(rep)
    response = client.get(deal_request_path("hs-404"))
    assert response.status_code == 404
    assert MISSING in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/deals/crm/" + "9" * 5_000 + "/request/",
        "/deals/crm/Zürich-客户-🙂/request/",
        "/deals/crm/%E2%80%AE/request/",  # right-to-left override
        "/deals/crm/../request/",
        "/deals/crm/../../etc/passwd/request/",
        "/deals/crm/%2e%2e%2f/request/",
        "/deals/crm/hs-9001%27%20OR%201=1--/request/",
    ],
)
def test_a_hostile_crm_id_is_not_found(client, rep, crm_deal, path):
    client.force_login(rep)
    response = client.get(path)
    assert response.status_code == 404


def test_a_crm_id_with_a_nul_is_bad_input(client, rep, crm_deal):
    client.force_login(rep)
    assert client.get("/deals/crm/hs-9001%00/request/").status_code == 400  # by the middleware


def test_anonymous_people_are_sent_to_log_in(client, crm_deal):
    response = client.get(deal_request_path("hs-9001"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999", "1" * 40, "１", "1e3"])
def test_the_form_ignores_a_deal_it_cannot_pick(client, rep, value):
    client.force_login(rep)
    response = client.get(reverse("requests:request_create"), {"deal": value})
    assert response.status_code == 200
    assert "data-picked-label" not in response.text
    assert field_value(response.text, "deals-INITIAL_FORMS") == "0"


def test_the_form_ignores_another_reps_deal(client, make_user, cast, crm_deal):
    client.force_login(make_user(Role.SALES_REP, manager=cast[Role.SALES_LEADER]))
    response = client.get(reverse("requests:request_create"), {"deal": crm_deal.pk})
    assert response.status_code == 200
    assert "data-picked-label" not in response.text
