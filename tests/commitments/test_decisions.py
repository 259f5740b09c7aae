"""The decision queue and product's decisions on ranked requests: approve, decline, defer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import Quarter
from commitments import services
from commitments.models import Commitment, SwapProposal
from feature_requests.models import Customer, Deal, FeatureRequest, RequestDeal
from feature_requests.ranking import ranked

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]
Status = FeatureRequest.Status
QUEUE = reverse("commitments:decision_queue")
OTHER_ROLES = [Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_MANAGER]


def post(client, name: str, request: FeatureRequest, data: dict):
    return client.post(reverse(f"commitments:{name}", args=[request.pk]), data)


def queue_url(quarter: Quarter) -> str:
    return f"{QUEUE}?quarter={quarter.label}"


# --- the queue -------------------------------------------------------------------------------


def test_it_lists_proposed_requests_then_the_rest_then_pending_swaps(
    product_client, product, quarter, rank, cast
):
    """Budget 40: A 10 and B 20 fit (30); C has no estimate; D 15 crosses the line."""
    rep = cast[Role.SALES_REP]
    a = rank("Alpha", 10)
    rank("Bravo", 20)
    rank("Charlie", None)
    rank("Delta", 15)
    acme = Customer.objects.create(name="Acme")
    RequestDeal.objects.create(
        request=a, deal=Deal.objects.create(customer=acme, name="Big", amount=90_000, owner=rep)
    )
    kept = services.commitment_approve(actor=product, request=rank("Kept", 4))
    swap = services.swap_propose(
        actor=cast[Role.SALES_LEADER],
        drop=kept,
        commit=FeatureRequest.objects.get(title="Delta"),
        reason="Delta's deal closes first",
    )
    html = product_client.get(QUEUE).text  # the current quarter by default
    assert 'data-testid="remaining">36<' in html
    proposed, rest = html.split('id="others-head"')
    rest, swaps = rest.split('id="swaps-head"')
    assert proposed.index(">Alpha</a>") < proposed.index(">Bravo</a>")
    assert "Charlie" not in proposed and "Delta</a>" not in proposed
    assert "Acme" in proposed and "$90,000" in proposed
    assert 'name="expected_points" value="10"' in proposed
    assert ">Charlie</a>" in rest and "needs an estimate" in rest and ">Delta</a>" in rest
    charlie_row = rest[rest.index(">Charlie</a>") : rest.index(">Delta</a>")]
    assert "request_approve" not in charlie_row and "/approve/" not in charlie_row
    assert reverse("commitments:swap_detail", args=[swap.pk]) in swaps
    assert "costs 1 point now" in swaps  # 25% of 4 points, rounded up, after the lock date


def test_it_shows_the_quarter_asked_for_and_404s_an_unknown_one(
    product_client, quarter, next_quarter, rank
):
    rank("Next year", 5, into=next_quarter)
    assert ">Next year</a>" in product_client.get(queue_url(next_quarter)).text
    assert ">Next year</a>" not in product_client.get(QUEUE).text
    assert product_client.get(f"{QUEUE}?quarter=1999-Q9").status_code == 404


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_it_shows_the_queue_to_product_leaders_only(client, cast, quarter, role):
    client.force_login(cast[role])
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert "Only product leaders" in response.text


def test_it_shows_the_queue_to_admins(client, cast, quarter):
    client.force_login(cast[Role.ADMIN])
    assert client.get(QUEUE).status_code == 200


@pytest.mark.parametrize("extra", [1, 12])
def test_it_shows_the_queue_in_constant_queries(
    product_client, product, quarter, rank, cast, django_assert_num_queries, extra
):
    rep = cast[Role.SALES_REP]
    acme = Customer.objects.create(name="Acme")
    for n in range(extra):
        request = rank(f"Request {n}", 3 if n % 3 else None)
        deal = Deal.objects.create(customer=acme, name=f"Deal {n}", amount=1000, owner=rep)
        RequestDeal.objects.create(request=request, deal=deal)
    target = rank("Target", 2)
    for n in range(extra):
        kept = services.commitment_approve(
            actor=product, request=rank(f"Kept {n}", 1), override=True, override_reason="test"
        )
        services.swap_propose(
            actor=cast[Role.SALES_LEADER],
            drop=kept,
            commit=target,
            reason="Swap",
        )
    # session, user, settings (drop terms), current quarter, board (rows, customers, version,
    # figures ×2, commitments), pending swaps, later quarters, unread notifications (header),
    # the quarter switcher; the filter bar: saved views, rep and manager choices
    with django_assert_num_queries(17):
        response = product_client.get(QUEUE)
    assert response.text.count('class="decision-item') == extra + 1
    assert response.text.count("/swaps/") == extra


# --- approve ---------------------------------------------------------------------------------


def test_it_approves_and_goes_back_to_the_quarters_queue(product_client, quarter, rank):
    request = rank("Bulk export", 10)
    response = post(product_client, "request_approve", request, {"expected_points": "10"})
    assert response.status_code == 302
    assert response.url == queue_url(quarter)
    html = product_client.get(response.url).text
    assert "“Bulk export” committed for" in html and "10 points." in html
    assert 'data-testid="remaining">30<' in html
    commitment = Commitment.objects.get()
    assert (commitment.request, commitment.points, commitment.over_budget) == (request, 10, False)


def test_it_refuses_an_approval_over_budget_with_the_numbers(product_client, quarter, rank):
    request = rank("Too big", 50)
    response = post(product_client, "request_approve", request, {"expected_points": "50"})
    assert response.status_code == 400
    assert "“Too big” was not committed" in response.text
    assert "would leave the remaining budget at -10 points (now 40)" in response.text
    assert not Commitment.objects.exists()
    request.refresh_from_db()
    assert request.status == Status.RANKED


def test_it_needs_a_reason_for_the_override_next_to_the_field(product_client, quarter, rank):
    request = rank("Too big", 50)
    response = post(
        product_client, "request_approve", request, {"expected_points": "50", "override": "on"}
    )
    assert response.status_code == 400
    assert f'id="override-reason-error-{request.pk}">Give the reason for going over budget.' in (
        response.text
    )
    assert not Commitment.objects.exists()

    response = post(
        product_client,
        "request_approve",
        request,
        {"expected_points": "50", "override": "on", "override_reason": "Strategic account"},
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert commitment.over_budget and commitment.override_reason == "Strategic account"


def test_it_refuses_an_approval_of_a_stale_estimate(product_client, quarter, rank):
    request = rank("Re-estimated", 8)
    FeatureRequest.objects.filter(pk=request.pk).update(estimate_points=13)
    response = post(product_client, "request_approve", request, {"expected_points": "8"})
    assert response.status_code == 400
    assert "changed from 8 to 13 points" in response.text
    assert 'name="expected_points" value="13"' in response.text  # the fresh page shows 13
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("value", ["abc", "", "-1", "1.5"])
def test_it_refuses_an_approval_without_a_readable_estimate(product_client, quarter, rank, value):
    request = rank("Odd", 8)
    response = post(product_client, "request_approve", request, {"expected_points": value})
    assert response.status_code == 400
    assert "The page did not say which estimate you saw" in response.text
    assert not Commitment.objects.exists()


def test_it_refuses_to_approve_an_unestimated_request(product_client, quarter, rank):
    request = rank("Unknown size", None)
    response = post(product_client, "request_approve", request, {"expected_points": "5"})
    assert response.status_code == 400
    assert "needs an estimate" in response.text
    assert not Commitment.objects.exists()


def test_it_404s_an_unknown_request(product_client, quarter):
    for name in ("request_approve", "request_decline", "request_defer"):
        response = product_client.post(reverse(f"commitments:{name}", args=[999_999]), {})
        assert response.status_code == 404, name


def test_it_shows_one_compact_row_per_request_with_its_forms_closed(
    product_client, quarter, next_quarter, rank
):
    alpha = rank("Alpha", 10)
    rank("Bravo", 20)
    html = product_client.get(queue_url(quarter)).text
    row = html.split(f'id="request-{alpha.pk}"')[1].split("</li>")[0]
    assert "#1" in row and "10 points" in row and "10 cumulative" in row
    # Approve, Decline and Defer are disclosures that share one name: the browser keeps one
    # form open at a time, and none is open until chosen.
    assert row.count('<details class="decision-action" name="decide"') == 3
    assert " open>" not in html.split("Proposed: above the cut line")[1]
    approve = row.split("<summary")[1]
    assert 'name="expected_points" value="10"' in approve


def test_it_opens_only_the_refused_form_again(product_client, quarter, next_quarter, rank):
    alpha = rank("Alpha", 10)
    bravo = rank("Bravo", 20)
    response = post(product_client, "request_decline", bravo, {"reason": " "})
    assert response.status_code == 400
    html = response.text
    assert html.count('name="decide" open>') == 1
    bravo_row = html.split(f'id="request-{bravo.pk}"')[1].split("</li>")[0]
    opened = bravo_row.split('name="decide" open>')[1].split("</details>")[0]
    assert "request_decline" in opened or "/decline/" in opened
    assert f'id="decline-error-{bravo.pk}"' in opened
    assert 'name="decide" open>' not in html.split(f'id="request-{alpha.pk}"')[1].split("</li>")[0]


def test_it_still_refuses_an_approval_at_a_number_not_shown(product_client, quarter, rank):
    request = rank("Moving", 8)
    request.estimate_points = 13
    request.save(update_fields=["estimate_points"])
    response = post(product_client, "request_approve", request, {"expected_points": "8"})
    assert response.status_code == 400
    assert not Commitment.objects.exists()
    row = response.text.split(f'id="request-{request.pk}"')[1].split("</li>")[0]
    opened = row.split('name="decide" open>')[1].split("</details>")[0]
    assert 'name="expected_points" value="13"' in opened  # reopened at the fresh estimate
    assert "changed from 8 to 13 points" in response.text


# --- decline and defer -----------------------------------------------------------------------


def test_it_declines_with_a_reason_sales_sees(product_client, quarter, rank):
    request = rank("Not for us", 5)
    response = post(product_client, "request_decline", request, {"reason": "Out of scope"})
    assert response.status_code == 302 and response.url == queue_url(quarter)
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (Status.DECLINED, "Out of scope")
    assert request not in ranked(quarter)


def test_it_refuses_to_decline_without_a_reason(product_client, quarter, rank):
    request = rank("Not for us", 5)
    response = post(product_client, "request_decline", request, {"reason": "   "})
    assert response.status_code == 400
    assert "“Not for us” was not declined: Give sales the reason for declining." in response.text
    assert f'id="decline-error-{request.pk}"' in response.text
    request.refresh_from_db()
    assert request.status == Status.RANKED


def test_it_defers_to_a_later_quarter(product_client, quarter, next_quarter, rank):
    request = rank("Next year", 5)
    response = post(product_client, "request_defer", request, {"to_quarter": next_quarter.pk})
    assert response.status_code == 302
    assert response.url == queue_url(quarter)  # back where the decision was made
    html = product_client.get(response.url).text
    assert "“Next year” deferred to 2099-Q1, ranked #1 there" in html
    request.refresh_from_db()
    assert (request.quarter, request.status) == (next_quarter, Status.RANKED)


@pytest.mark.parametrize("to_quarter", ["", "abc", "999999", "same"])
def test_it_refuses_a_bad_deferral(product_client, quarter, next_quarter, rank, to_quarter):
    request = rank("Stay", 5)
    value = quarter.pk if to_quarter == "same" else to_quarter
    response = post(product_client, "request_defer", request, {"to_quarter": value})
    assert response.status_code == 400
    assert "“Stay” was not deferred" in response.text
    assert f'id="defer-error-{request.pk}"' in response.text
    request.refresh_from_db()
    assert (request.quarter, request.status) == (quarter, Status.RANKED)


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_it_refuses_forged_decisions_from_other_roles(
    client, cast, quarter, next_quarter, rank, role
):
    request = rank("Wanted", 5)
    client.force_login(cast[role])
    for name, data in [
        ("request_approve", {"expected_points": "5"}),
        ("request_decline", {"reason": "No"}),
        ("request_defer", {"to_quarter": next_quarter.pk}),
    ]:
        response = post(client, name, request, data)
        assert response.status_code == 403, name
        assert "Only product leaders" in response.text
    request.refresh_from_db()
    assert (request.quarter, request.status) == (quarter, Status.RANKED)
    assert not Commitment.objects.exists()
    assert not SwapProposal.objects.exists()


def test_it_sends_anonymous_users_to_log_in(client, quarter, rank):
    request = rank("Wanted", 5)
    response = post(client, "request_approve", request, {"expected_points": "5"})
    assert response.status_code == 302 and reverse("login") in response.url
    assert not Commitment.objects.exists()


def test_it_says_so_when_there_is_no_quarter_yet(product_client):
    response = product_client.get(QUEUE)
    assert response.status_code == 200
    assert "There is no quarter yet" in response.text
