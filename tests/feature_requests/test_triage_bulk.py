"""Triage cards (problem, criticality, ARR) and bulk accept/decline from the triage queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests import services
from feature_requests.models import Customer, Deal, FeatureRequest
from feature_requests.ranking import ranked

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status
TRIAGE = reverse("requests:triage_queue")
BULK = reverse("requests:triage_bulk")


def test_it_shows_the_problem_the_highest_open_criticality_and_the_arr(leader_client, rep, submit):
    acme = Customer.objects.create(name="Acme")
    lost = Deal.objects.create(
        customer=acme, name="Lost", amount=5_000, owner=rep, stage=Deal.Stage.CLOSED_LOST
    )
    open_deal = Deal.objects.create(customer=acme, name="Open", amount=20_000, owner=rep)
    long_problem = "They export by hand every week. " * 20
    request = submit(
        rep,
        title="Scheduled export",
        problem=long_problem,
        deal_links=[(lost, "blocker"), (open_deal, "nice_to_have")],
    )
    submit(rep, title="Short one", problem="Tiny problem.")
    html = leader_client.get(TRIAGE).text
    card = html.split(f'id="request-{request.pk}"')[1].split("</li>")[0]
    assert "$20,000 ARR at stake" in card
    # The lost deal's blocker no longer counts, as its ARR does not.
    assert ">Nice to have</span>" in card and "Blocker" not in card
    assert '<details class="triage-problem">' in card  # long: truncated, expandable
    assert "They export by hand every week." in card
    assert '<p class="triage-problem">Tiny problem.</p>' in html


def test_it_accepts_the_ticked_requests_and_reports_the_one_refused(
    leader_client, leader, rep, quarter, pm, submit
):
    first = submit(rep, title="First")
    second = submit(rep, title="Second")
    gone = submit(rep, title="Already declined")
    services.request_decline_by_sales(actor=leader, request=gone, reason="No")
    response = leader_client.post(
        BULK,
        {
            "action": "accept",
            "quarter": quarter.pk,
            "owner": pm.pk,
            "requests": [first.pk, gone.pk, second.pk],
            "next": TRIAGE,
        },
    )
    assert response.status_code == 302 and response.url == TRIAGE
    assert list(ranked(quarter)) == [first, second]
    for request in (first, second):
        request.refresh_from_db()
        assert (request.status, request.owner) == (Status.RANKED, pm)
    gone.refresh_from_db()
    assert (gone.status, gone.owner) == (Status.DECLINED_BY_SALES, None)
    html = leader_client.get(TRIAGE).text
    assert f"2 requests accepted into {quarter.label}" in html
    assert "“Already declined” was not triaged:" in html
    assert "cannot be accepted" in html


def test_it_declines_the_ticked_requests_with_one_reason(leader_client, rep, submit):
    first = submit(rep, title="First")
    second = submit(rep, title="Second")
    response = leader_client.post(
        BULK, {"action": "decline", "reason": " Not this year ", "requests": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    for request in (first, second):
        request.refresh_from_db()
        assert (request.status, request.decline_reason) == (
            Status.DECLINED_BY_SALES,
            "Not this year",
        )
        assert request.status_changes.last().note == "Not this year"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "decline", "reason": "  "}, "Say why, so the reps can tell their customers."),
        ({"action": "accept"}, "Choose the quarter to accept into."),
        ({"action": "approve"}, "Choose accept or decline."),
        ({"action": "decline", "reason": "No", "requests": []}, "Tick the requests"),
        ({"action": "decline", "reason": "No", "requests": ["1x"]}, "not a request number"),
        ({"action": "decline", "reason": "No", "requests": ["99999999999"]}, "not a request"),
    ],
)
def test_it_refuses_a_bad_bulk_action_and_changes_nothing(
    leader_client, rep, submit, data, message
):
    request = submit(rep, title="Waiting")
    data = {"requests": [request.pk]} | data
    response = leader_client.post(BULK, data)
    assert response.status_code == 400
    assert "Nothing was triaged" in response.text and message in response.text
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    if data["requests"] == [request.pk]:
        assert f'value="{request.pk}" id="tick-{request.pk}"' in response.text
        assert "checked>" in response.text.split(f'id="tick-{request.pk}"')[1][:120]


def test_it_reports_request_numbers_that_do_not_exist(leader_client, rep, submit):
    request = submit(rep, title="Real")
    response = leader_client.post(
        BULK, {"action": "decline", "reason": "No", "requests": [request.pk, 987654]}
    )
    assert response.status_code == 302
    html = leader_client.get(TRIAGE).text
    assert "1 request declined" in html and "No request #987654." in html


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_keeps_bulk_triage_for_sales_leaders(client, cast, rep, submit, role):
    request = submit(rep, title="Waiting")
    client.force_login(cast[role])
    response = client.post(BULK, {"action": "decline", "reason": "No", "requests": [request.pk]})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_it_needs_the_csrf_token(rep, leader, submit):
    from django.test import Client

    request = submit(rep, title="Waiting")
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    response = client.post(BULK, {"action": "decline", "reason": "No", "requests": [request.pk]})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
