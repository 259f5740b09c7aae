"""The triage queue and the sales leader's actions: accept, decline, merge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests import services
from feature_requests.models import (
    Comment,
    Customer,
    Deal,
    FeatureRequest,
    RankEvent,
    RequestDeal,
)
from feature_requests.ranking import ranked, ranking_append

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status
TRIAGE = "/triage/"


def post(client, name, request, data):
    return client.post(reverse(f"requests:{name}", args=[request.pk]), data)


# --- the queue -----------------------------------------------------------------------------------


def test_it_shows_the_leaders_reps_requests_and_everyone_on_request(
    client, rep, leader, make_user, quarter, submit
):
    submit(rep, title="From my rep")
    submit(make_user(Role.SALES_REP), title="From another team")
    ranked_one = submit(rep, title="Already ranked")
    services.request_accept(actor=leader, request=ranked_one, quarter=quarter)
    client.force_login(leader)
    html = client.get(TRIAGE).text
    assert ">From my rep</a>" in html
    assert ">From another team</a>" not in html
    assert "Already ranked</a>" not in html
    html = client.get(TRIAGE, {"all": "1"}).text
    assert ">From my rep</a>" in html and ">From another team</a>" in html
    assert "Already ranked</a>" not in html


def test_it_defaults_the_accept_quarter_to_the_target_or_the_current_one(
    client, rep, leader, quarter, next_quarter, ended_quarter, submit
):
    targeted = submit(rep, title="Targeted", quarter=next_quarter)
    untargeted = submit(rep, title="Untargeted")
    client.force_login(leader)
    html = client.get(TRIAGE).text
    for request, expected in [(targeted, next_quarter), (untargeted, quarter)]:
        select = html.split(f'id="accept-quarter-{request.pk}"')[1].split("</select>")[0]
        assert f'<option value="{expected.pk}" selected>' in select
        assert ended_quarter.label not in select  # an ended quarter is not on offer


def test_it_shows_deals_and_arr_per_row(client, rep, leader, submit):
    acme = Customer.objects.create(name="Acme")
    deals = [
        Deal.objects.create(customer=acme, name=f"Deal {n}", amount=10_000, owner=rep)
        for n in range(3)
    ]
    submit(rep, deal_links=[(deal, "important") for deal in deals])
    client.force_login(leader)
    assert "3 deals, $30,000 ARR at stake" in client.get(TRIAGE).text


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_the_queue_in_constant_queries(
    client, rep, leader, quarter, django_assert_num_queries, count
):
    acme = Customer.objects.create(name="Acme")
    deal = Deal.objects.create(customer=acme, name="Renewal", amount=10_000, owner=rep)
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Request {n}", problem="p", submitted_by=rep, quarter=quarter)
        for n in range(count)
    )
    RequestDeal.objects.bulk_create(RequestDeal(request=r, deal=deal) for r in requests)
    client.force_login(leader)
    # session, user, count, rows (with ARR and criticality), company settings (today), current
    # quarter, open quarters, the merge candidates by title, active PMs (owner choice), merge
    # suggestions, unread notifications (header); the filter bar: saved views, the quarter,
    # rep and manager choices
    with django_assert_num_queries(15):
        response = client.get(TRIAGE)
    assert response.text.count('class="card triage-item"') == count


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_keeps_the_queue_for_sales_leaders(client, cast, role):
    client.force_login(cast[role])
    response = client.get(TRIAGE)
    assert response.status_code == 403
    assert "Only sales leaders triage requests." in response.text


# --- accept --------------------------------------------------------------------------------------


def test_it_accepts_a_request_to_the_bottom_of_the_quarter(client, rep, leader, quarter, submit):
    earlier = submit(rep, title="Earlier")
    ranking_append(quarter=quarter, request=earlier, actor=leader)
    request = submit(rep, title="Bulk export")
    client.force_login(leader)
    response = post(client, "request_accept", request, {"quarter": quarter.pk, "next": TRIAGE})
    assert response.status_code == 302
    assert response.url == TRIAGE
    request.refresh_from_db()
    assert request.status == Status.RANKED
    assert list(ranked(quarter)) == [earlier, request]
    event = RankEvent.objects.get(request=request)
    assert (event.kind, event.new_position, event.actor) == ("added", 2, leader)
    html = client.get(TRIAGE).text
    assert f"“Bulk export” accepted into {quarter.label}, ranked #2" in html
    assert "Bulk export</a>" not in html  # it left the queue


def test_it_ignores_a_next_address_on_another_site(client, rep, leader, quarter, submit):
    request = submit(rep)
    client.force_login(leader)
    response = post(
        client, "request_accept", request, {"quarter": quarter.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("requests:request_detail", args=[request.pk])


def test_it_refuses_to_accept_a_request_twice(client, rep, leader, quarter, submit):
    request = submit(rep)
    services.request_accept(actor=leader, request=request, quarter=quarter)
    client.force_login(leader)
    response = post(client, "request_accept", request, {"quarter": quarter.pk})
    assert response.status_code == 400
    assert "is ranked, so it cannot be accepted" in response.text
    assert RankEvent.objects.filter(request=request).count() == 1


def test_it_refuses_to_accept_into_an_ended_quarter(client, rep, leader, ended_quarter, submit):
    request = submit(rep)
    client.force_login(leader)
    response = post(client, "request_accept", request, {"quarter": ended_quarter.pk})
    assert response.status_code == 400
    assert "2020-Q1 has ended" in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert not RankEvent.objects.exists()


@pytest.mark.parametrize("quarter_value", ["", "999999", "x"])
def test_it_refuses_a_missing_or_unknown_quarter(
    client, rep, leader, quarter, quarter_value, submit
):
    request = submit(rep)
    client.force_login(leader)
    response = post(client, "request_accept", request, {"quarter": quarter_value})
    assert response.status_code == 400
    assert "was not accepted" in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


# --- decline -------------------------------------------------------------------------------------


def test_it_declines_with_a_reason_the_rep_sees(client, rep, leader, submit):
    request = submit(rep)
    client.force_login(leader)
    response = post(client, "request_decline", request, {"reason": "  ", "next": TRIAGE})
    assert response.status_code == 400
    assert "Say why, so the rep can tell the customer." in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED

    response = post(
        client, "request_decline", request, {"reason": "Covered by SSO work.", "next": TRIAGE}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (
        Status.DECLINED_BY_SALES,
        "Covered by SSO work.",
    )
    client.force_login(rep)
    assert "Reason: Covered by SSO work." in client.get(reverse("requests:request_list")).text
    detail = client.get(reverse("requests:request_detail", args=[request.pk])).text
    assert "Declined:</strong> Covered by SSO work." in detail


# --- merge ---------------------------------------------------------------------------------------


def test_it_merges_a_duplicate_into_the_kept_request(client, rep, leader, cast, submit):
    acme = Customer.objects.create(name="Acme")
    shared = Deal.objects.create(customer=acme, name="Renewal", amount=120_000, owner=rep)
    extra = Deal.objects.create(customer=acme, name="Expansion", amount=30_000, owner=rep)
    keep = submit(rep, title="Keep", deal_links=[(shared, "important")])
    duplicate = submit(rep, title="Duplicate", deal_links=[(shared, "blocker"), (extra, "blocker")])
    services.comment_add(actor=cast[Role.PRODUCT_MANAGER], request=duplicate, body="Same thing?")
    client.force_login(leader)
    response = post(client, "request_merge", duplicate, {"keep": f"#{keep.pk}", "next": TRIAGE})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.MERGED, keep)
    assert set(keep.deal_links.values_list("deal__name", flat=True)) == {"Renewal", "Expansion"}
    assert list(Comment.objects.values_list("request", flat=True)) == [keep.pk]
    html = client.get(reverse("requests:request_detail", args=[keep.pk])).text
    assert "Same thing?" in html
    assert "$150,000" in html


def test_it_offers_other_open_requests_to_merge_into(client, rep, leader, submit):
    request = submit(rep, title="This one")
    submit(rep, title="Open one")
    declined = submit(rep, title="Declined one")
    services.request_decline_by_sales(actor=leader, request=declined, reason="No")
    client.force_login(leader)
    html = client.get(reverse("requests:request_detail", args=[request.pk])).text
    select = html.split('id="merge-keep"')[1].split("</select>")[0]
    assert "Open one" in select
    assert "This one" not in select and "Declined one" not in select


@pytest.mark.parametrize("keep", ["", "999999", "abc"])
def test_it_refuses_a_missing_or_unknown_request_to_keep(client, rep, leader, keep, submit):
    request = submit(rep)
    client.force_login(leader)
    response = post(client, "request_merge", request, {"keep": keep})
    assert response.status_code == 400
    assert "was not merged" in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_it_refuses_to_merge_into_itself_or_a_declined_request(client, rep, leader, submit):
    request = submit(rep)
    declined = submit(rep, title="Declined")
    services.request_decline_by_sales(actor=leader, request=declined, reason="No")
    client.force_login(leader)
    response = post(client, "request_merge", request, {"keep": request.pk})
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.text
    response = post(client, "request_merge", request, {"keep": declined.pk})
    assert response.status_code == 400
    assert "merge into a request that is still open" in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_refuses_forged_triage_posts_from_other_roles(client, cast, rep, quarter, role, submit):
    request = submit(rep)
    keep = submit(rep, title="Keep")
    client.force_login(cast[role])
    for name, data in [
        ("request_accept", {"quarter": quarter.pk}),
        ("request_decline", {"reason": "No"}),
        ("request_merge", {"keep": keep.pk}),
    ]:
        response = post(client, name, request, data)
        assert response.status_code == 403, name
        assert "Only sales leaders triage requests." in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert not RankEvent.objects.exists()


def test_it_takes_triage_actions_by_post_only(client, rep, leader, submit):
    request = submit(rep)
    client.force_login(leader)
    for name in ["request_accept", "request_decline", "request_merge"]:
        assert client.get(reverse(f"requests:{name}", args=[request.pk])).status_code == 405


def test_it_answers_404_for_triaging_an_unknown_request(client, leader, quarter):
    client.force_login(leader)
    response = client.post(reverse("requests:request_accept", args=[999]), {"quarter": quarter.pk})
    assert response.status_code == 404
