"""A move through the API and one through the board page at the same moment, from the same
board, on PostgreSQL: one is applied, the other refused with 409 and the current order."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from api.services import api_key_create
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranked, ranking_append, ranking_version


@pytest.fixture
def ranking(transactional_db, postgres, quarter, make_user):
    rep = make_user(Role.SALES_REP)
    requests = []
    for number in range(1, 6):
        request = FeatureRequest.objects.create(title=f"R{number}", problem="p", submitted_by=rep)
        ranking_append(quarter=quarter, request=request, actor=None)
        requests.append(request)
    return requests


def test_it_applies_one_of_an_api_move_and_a_page_move_and_refuses_the_other(
    ranking, quarter, make_user, run_together
):
    by_api, by_page = make_user(Role.SALES_LEADER), make_user(Role.SALES_LEADER)
    _, key = api_key_create(actor=by_api, name="script")
    version = ranking_version(quarter)
    r = {request.title: request.pk for request in ranking}

    def api_move() -> tuple[str, int, dict]:
        response = Client().post(
            f"/api/v1/quarters/{quarter.label}/moves/",
            json.dumps({"request": r["R5"], "before": r["R1"], "version": version}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        return "api", response.status_code, response.json()

    def page_move() -> tuple[str, int, dict]:
        client = Client()
        client.force_login(by_page)
        response = client.post(
            reverse("commitments:board_move", args=[quarter.label]),
            {"request": r["R4"], "after": "", "before": r["R1"], "version": version},
        )
        return "page", response.status_code, {}

    results = run_together(api_move, page_move)
    assert not [result for result in results if isinstance(result, Exception)], results
    statuses = sorted(status for _, status, _ in results)
    # The page answers a move without htmx with a redirect (302), a stale one with 409.
    assert statuses in ([200, 409], [302, 409]), results
    titles = list(ranked(quarter).values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 5
    winner = "R5" if any(w == "api" and s == 200 for w, s, _ in results) else "R4"
    assert titles[0] == winner
    api_result = next(result for result in results if result[0] == "api")
    if api_result[1] == 409:
        assert [row["title"] for row in api_result[2]["board"]["rows"]] == titles
