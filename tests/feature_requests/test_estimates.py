"""The estimate queue and its inline (htmx) estimate form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests import services
from feature_requests.models import Customer, Deal, Estimate, FeatureRequest, RequestDeal
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db
QUEUE = "/estimates/"
HTMX = {"HX-Request": "true"}


def estimate_url(request):
    return reverse("requests:request_estimate", args=[request.pk])


def test_it_lists_ranked_requests_without_estimate_first(client, cast, rep, pm, quarter, submit):
    leader = cast[Role.SALES_LEADER]
    waiting = submit(rep, title="Waiting for triage")
    on_board = submit(rep, title="On the board")
    estimated = submit(rep, title="Estimated already")
    for request in (on_board, estimated):
        services.request_accept(actor=leader, request=request, quarter=quarter)
    services.request_estimate(actor=pm, request=estimated, points=5)
    declined = submit(rep, title="Declined one")
    services.request_decline_by_sales(actor=leader, request=declined, reason="No")
    client.force_login(pm)
    html = client.get(QUEUE).text
    positions = [html.index(f">{title}</a>") for title in [on_board, waiting, estimated]]
    assert positions == sorted(positions)
    assert "Declined one" not in html
    row = html.split(f'id="estimate-row-{estimated.pk}"')[1].split("</tr>")[0]
    assert "5 points" in row and "Pam Manager" in row and "Re-estimate" in row
    assert f'hx-post="{estimate_url(estimated)}"' in row
    assert 'hx-target="closest tr"' in row and 'hx-swap="outerHTML"' in row


def test_it_estimates_inline_and_answers_with_the_row_only(client, rep, pm, quarter, submit):
    request = submit(rep)
    ranking_append(quarter=quarter, request=request, actor=None)
    client.force_login(pm)
    response = client.post(estimate_url(request), {"points": "13"}, headers=HTMX)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert html.strip().startswith(f'<tr id="estimate-row-{request.pk}"')
    assert "13 points" in html and "Pam Manager" in html and "Saved" in html
    request.refresh_from_db()
    assert (request.estimate_points, request.estimated_by) == (13, pm)


def test_it_keeps_every_estimate_when_re_estimating(client, rep, pm, submit):
    request = submit(rep)
    client.force_login(pm)
    client.post(estimate_url(request), {"points": "8"}, headers=HTMX)
    client.post(estimate_url(request), {"points": "21"}, headers=HTMX)
    request.refresh_from_db()
    assert request.estimate_points == 21
    assert list(request.estimates.values_list("points", flat=True)) == [8, 21]
    html = client.get(reverse("requests:request_detail", args=[request.pk])).text
    history = html.split("Estimates</h2>")[1].split("</section>")[0]
    assert history.index("21 points") < history.index("8 points")


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "between 1 and 1,000 story points"),
        ("1001", "between 1 and 1,000 story points"),
        ("x", "Enter a whole number of story points."),
        ("", "Enter the estimate in story points."),
        ("2.5", "Enter a whole number of story points."),
    ],
)
def test_it_refuses_a_bad_estimate_in_the_row(client, rep, pm, points, message, submit):
    request = submit(rep)
    services.request_estimate(actor=pm, request=request, points=3)
    client.force_login(pm)
    response = client.post(estimate_url(request), {"points": points}, headers=HTMX)
    assert response.status_code == 400
    assert "<html" not in response.text
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{points}"' in response.text  # what was typed stays, to correct it
    request.refresh_from_db()
    assert request.estimate_points == 3
    assert Estimate.objects.count() == 1


def test_it_estimates_without_javascript_too(client, rep, pm, submit):
    request = submit(rep)
    client.force_login(pm)
    response = client.post(estimate_url(request), {"points": "5"})
    assert response.status_code == 302
    assert response.url == QUEUE
    assert "“Bulk export” estimated at 5 points." in client.get(QUEUE).text
    response = client.post(estimate_url(request), {"points": "1001"})
    assert response.status_code == 400
    assert "<html" in response.text  # the whole queue, with the message
    assert "was not estimated: An estimate is between 1 and 1,000" in response.text
    row = response.text.split(f'id="estimate-row-{request.pk}"')[1].split("</tr>")[0]
    assert "between 1 and 1,000" in row
    request.refresh_from_db()
    assert request.estimate_points == 5


def test_it_refuses_to_estimate_a_declined_request(client, cast, rep, pm, submit):
    request = submit(rep)
    services.request_decline_by_sales(actor=cast[Role.SALES_LEADER], request=request, reason="No")
    client.force_login(pm)
    response = client.post(estimate_url(request), {"points": "5"}, headers=HTMX)
    assert response.status_code == 400
    assert "cannot be estimated" in response.text
    assert not Estimate.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_LEADER])
def test_it_lets_only_product_managers_estimate(client, cast, rep, role, submit):
    request = submit(rep)
    client.force_login(cast[role])
    assert client.get(QUEUE).status_code == 403
    response = client.post(estimate_url(request), {"points": "5"}, headers=HTMX)
    assert response.status_code == 403
    assert "Only product managers estimate requests." in response.text
    request.refresh_from_db()
    assert request.estimate_points is None
    assert not Estimate.objects.exists()


def test_it_answers_404_for_an_unknown_request(client, pm):
    client.force_login(pm)
    assert client.post("/requests/999/estimate/", {"points": "5"}).status_code == 404


@pytest.mark.parametrize("count", [2, 30])
def test_it_lists_the_queue_in_constant_queries(
    client, rep, pm, quarter, django_assert_num_queries, count
):
    acme = Customer.objects.create(name="Acme")
    deal = Deal.objects.create(customer=acme, name="Renewal", amount=10_000, owner=rep)
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Request {n}", problem="p", submitted_by=rep)
        for n in range(3 * count)
    )
    RequestDeal.objects.bulk_create(RequestDeal(request=r, deal=deal) for r in requests)
    for request in requests[:count]:
        ranking_append(quarter=quarter, request=request, actor=None)
    for request in requests[count : 2 * count]:
        request.estimate_points, request.estimated_by = 5, pm
        request.save()
    client.force_login(pm)
    # session, user, the page's count, its rows (every section in one query), the sections'
    # counts, unread notifications (header); the filter bar: saved views, the quarter, rep and
    # manager choices
    with django_assert_num_queries(10):
        response = client.get(QUEUE)
    assert response.text.count('class="estimate-row') == min(3 * count, 50)  # 50 a page
