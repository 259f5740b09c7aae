"""What an API client sees: the board and moves, requests, estimates, decisions, commitments
and the ledger, reviews, customers and deals; the error body, pagination and throttling."""

from __future__ import annotations

import pytest

from accounts.models import Role
from commitments.models import Commitment
from feature_requests.models import Comment, Customer, Deal, FeatureRequest
from feature_requests.ranking import ranked, ranking_version

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]
LEADER, REP, PM, PRODUCT, ADMIN = (
    Role.SALES_LEADER,
    Role.SALES_REP,
    Role.PRODUCT_MANAGER,
    Role.PRODUCT_LEADER,
    Role.ADMIN,
)


def board_url(quarter) -> str:
    return f"/api/v1/quarters/{quarter.label}/board/"


# --- quarters and the board ------------------------------------------------------------------


def test_it_lists_quarters_and_gives_one_with_its_budget_figures(api, quarter, rank, cast):
    listed = api(REP).get("/api/v1/quarters/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["label"] == quarter.label
    assert listed["results"][0]["sales_budget"] == 40
    request = rank("Alpha", 10)
    Commitment.objects.create(
        quarter=quarter, request=request, points=10, approved_by=cast[PRODUCT]
    )
    figures = api(REP).get(f"/api/v1/quarters/{quarter.label}/").json()["figures"]
    assert figures["sales_budget"] == 40
    assert figures["committed"] == 10
    assert figures["remaining"] == 30


def test_it_shows_the_board_with_cumulative_points_and_the_cut_line(api, quarter, rank):
    rank("Alpha", 10)
    rank("Bravo", 20)
    rank("Charlie", None)
    rank("Delta", 15)  # 45 > 40: below the line
    board = api(REP).get(board_url(quarter)).json()
    rows = board["rows"]
    assert [row["title"] for row in rows] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert [row["cumulative"] for row in rows] == [10, 30, 30, 45]
    assert board["cut_index"] == 3
    assert [row["status_label"] for row in rows] == [
        "proposed",
        "proposed",
        "no estimate",
        "below the line",
    ]
    assert board["version"] == ranking_version(quarter)
    assert board["figures"]["remaining"] == 40


def test_it_answers_404_for_an_unknown_quarter_with_the_error_body(api):
    response = api(REP).get("/api/v1/quarters/1999-Q1/board/")
    assert response.status_code == 404
    assert response.json()["message"]
    assert response.json()["errors"] == {}


def test_a_404_says_what_was_not_found(api):
    response = api(REP).get("/api/v1/requests/999999/")
    assert response.json() == {"message": "No request with that number.", "errors": {}}


def test_it_answers_json_404_for_an_unknown_api_address(api):
    response = api(REP).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/v1/nothing-here/" in response.json()["message"]


def test_it_moves_a_request_to_the_top(api, quarter, rank):
    a, _, c = rank("Alpha"), rank("Bravo"), rank("Charlie")
    response = api(LEADER).post(
        f"/api/v1/quarters/{quarter.label}/moves/",
        {"request": c.pk, "after": None, "before": a.pk, "version": ranking_version(quarter)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["old_position"] == 3
    assert response.json()["new_position"] == 1
    assert list(ranked(quarter).values_list("title", flat=True)) == ["Charlie", "Alpha", "Bravo"]
    assert response.json()["version"] == ranking_version(quarter)


def test_it_refuses_a_move_on_a_stale_board_with_409_and_the_current_board(api, quarter, rank):
    a, b, c = rank("Alpha"), rank("Bravo"), rank("Charlie")
    stale = ranking_version(quarter)
    leader = api(LEADER)
    moves = f"/api/v1/quarters/{quarter.label}/moves/"
    assert (
        leader.post(moves, {"request": c.pk, "before": a.pk, "version": stale}).status_code == 200
    )
    response = leader.post(moves, {"request": b.pk, "before": c.pk, "version": stale})
    assert response.status_code == 409
    body = response.json()
    assert "changed since you loaded it" in body["message"]
    assert [row["title"] for row in body["board"]["rows"]] == ["Charlie", "Alpha", "Bravo"]
    assert body["board"]["version"] == ranking_version(quarter)
    assert list(ranked(quarter).values_list("title", flat=True)) == ["Charlie", "Alpha", "Bravo"]


def test_it_refuses_a_malformed_move_with_field_errors(api, quarter, rank):
    a = rank("Alpha")
    moves = f"/api/v1/quarters/{quarter.label}/moves/"
    response = api(LEADER).post(moves, {"request": "first", "version": -1})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"request", "version"}
    response = api(LEADER).post(
        moves, {"request": a.pk, "after": a.pk, "version": ranking_version(quarter)}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["request"] == ["A request cannot be its own neighbour."]


# --- requests ---------------------------------------------------------------------------------


def test_it_lists_a_reps_own_requests_and_everyone_elses_for_leaders(api, cast, make_user):
    other_rep = make_user(REP)
    FeatureRequest.objects.create(title="Mine", problem="p", submitted_by=cast[REP])
    FeatureRequest.objects.create(title="Theirs", problem="p", submitted_by=other_rep)
    mine = api(REP).get("/api/v1/requests/").json()
    assert [row["title"] for row in mine["results"]] == ["Mine"]
    everyone = api(LEADER).get("/api/v1/requests/").json()
    assert {row["title"] for row in everyone["results"]} == {"Mine", "Theirs"}


def test_it_filters_requests_as_the_page_does(api, cast, quarter, rank):
    customer = Customer.objects.create(name="Globex", segment="enterprise")
    deal = Deal.objects.create(customer=customer, name="Big", amount=5000, owner=cast[REP])
    ranked_one = rank("Ranked one", 5)
    ranked_one.deal_links.create(deal=deal, criticality="blocker")
    FeatureRequest.objects.create(title="Waiting", problem="p", submitted_by=cast[REP])
    leader = api(LEADER)

    def titles(query: dict) -> list[str]:
        results = leader.get("/api/v1/requests/", query).json()["results"]
        return [row["title"] for row in results]

    assert titles({"status": "ranked"}) == ["Ranked one"]
    assert titles({"customer": "glob"}) == ["Ranked one"]
    assert titles({"estimate": "no"}) == ["Waiting"]
    assert titles({"sort": "oldest"}) == ["Ranked one", "Waiting"]
    response = leader.get("/api/v1/requests/", {"arr_min": "lots", "segment": "huge"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"arr_min", "segment"}


def test_it_pages_lists(api, cast):
    for number in range(7):
        FeatureRequest.objects.create(title=f"R{number}", problem="p", submitted_by=cast[REP])
    first = api(LEADER).get("/api/v1/requests/", {"page_size": 5}).json()
    assert first["count"] == 7
    assert len(first["results"]) == 5
    assert first["previous"] is None
    second = api(LEADER).get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["next"] is None


def test_it_submits_a_request_with_the_reps_deal(api, cast, quarter):
    customer = Customer.objects.create(name="Initech")
    deal = Deal.objects.create(customer=customer, name="Renewal", amount=900, owner=cast[REP])
    response = api(REP).post(
        "/api/v1/requests/",
        {
            "title": "SSO for contractors",
            "problem": "Contractors cannot sign in.",
            "quarter": quarter.label,
            "deals": [{"deal": deal.pk, "criticality": "blocker"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["deals"][0]["customer"] == "Initech"
    assert body["submitted_by"]["id"] == cast[REP].pk
    assert FeatureRequest.objects.get(pk=body["id"]).deal_links.get().criticality == "blocker"


def test_it_refuses_a_submission_the_service_refuses_with_its_message(api, cast, make_user):
    someone_elses = Deal.objects.create(
        customer=Customer.objects.create(name="Umbrella"),
        name="Theirs",
        amount=1,
        owner=make_user(REP),
    )
    response = api(REP).post(
        "/api/v1/requests/",
        {"title": "T", "problem": "P", "deals": [{"deal": someone_elses.pk}]},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["deal_links"] == [
        "Umbrella: Theirs is not your deal; link your own deals."
    ]
    assert not FeatureRequest.objects.exists()
    blank = api(REP).post("/api/v1/requests/", {"title": "   ", "problem": "P"})
    assert blank.status_code == 400
    assert "title" in blank.json()["errors"]


def test_it_shows_a_request_and_takes_comments(api, cast):
    request = FeatureRequest.objects.create(title="Exports", problem="CSV", submitted_by=cast[REP])
    response = api(PM).post(f"/api/v1/requests/{request.pk}/comments/", {"body": "Soon."})
    assert response.status_code == 201
    assert response.json()["author"]["full_name"] == cast[PM].full_name
    detail = api(REP).get(f"/api/v1/requests/{request.pk}/").json()
    assert detail["problem"] == "CSV"
    assert [comment["body"] for comment in detail["comments"]] == ["Soon."]
    assert Comment.objects.count() == 1
    assert api(REP).get("/api/v1/requests/999999/").status_code == 404


def test_it_records_an_estimate(api, quarter, rank):
    request = rank("Alpha")
    response = api(PM).post(f"/api/v1/requests/{request.pk}/estimate/", {"points": 8})
    assert response.status_code == 200
    assert response.json()["estimate_points"] == 8
    too_big = api(PM).post(f"/api/v1/requests/{request.pk}/estimate/", {"points": 5000})
    assert too_big.status_code == 400
    assert "points" in too_big.json()["errors"]


# --- decisions ---------------------------------------------------------------------------------


def test_it_approves_within_budget_and_refuses_over_it_without_an_override(api, quarter, rank):
    fits, big = rank("Fits", 30), rank("Big", 30)
    product = api(PRODUCT)
    response = product.post(f"/api/v1/requests/{fits.pk}/approve/", {"expected_points": 30})
    assert response.status_code == 201, response.content
    assert response.json()["points"] == 30
    refused = product.post(f"/api/v1/requests/{big.pk}/approve/", {"expected_points": 30})
    assert refused.status_code == 400
    assert "over-budget override" in refused.json()["message"]
    no_reason = product.post(
        f"/api/v1/requests/{big.pk}/approve/", {"expected_points": 30, "override": True}
    )
    assert no_reason.json()["errors"] == {
        "override_reason": ["Give the reason for going over budget."]
    }
    over = product.post(
        f"/api/v1/requests/{big.pk}/approve/",
        {"expected_points": 30, "override": True, "override_reason": "Renewal"},
    )
    assert over.status_code == 201
    assert over.json()["over_budget"] is True


def test_it_refuses_an_approval_of_an_estimate_that_changed(api, quarter, rank):
    request = rank("Alpha", 10)
    response = api(PRODUCT).post(f"/api/v1/requests/{request.pk}/approve/", {"expected_points": 8})
    assert response.status_code == 400
    assert "changed from 8 to 10" in response.json()["message"]
    missing = api(PRODUCT).post(f"/api/v1/requests/{request.pk}/approve/", {})
    assert missing.json()["errors"]["expected_points"]
    assert not Commitment.objects.exists()


def test_it_declines_and_defers(api, quarter, next_quarter, rank):
    a, b = rank("Alpha", 5), rank("Bravo", 5)
    declined = api(PRODUCT).post(f"/api/v1/requests/{a.pk}/decline/", {"reason": "Not now"})
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "Not now"
    deferred = api(PRODUCT).post(
        f"/api/v1/requests/{b.pk}/defer/", {"to_quarter": next_quarter.label}
    )
    assert deferred.status_code == 200
    assert deferred.json()["quarter"] == next_quarter.label
    backwards = api(PRODUCT).post(f"/api/v1/requests/{b.pk}/defer/", {"to_quarter": quarter.label})
    assert backwards.status_code == 400


# --- commitments and the ledger ----------------------------------------------------------------


def test_it_lists_commitments_and_drops_one_at_its_stated_cost(api, quarter, rank):
    request = rank("Alpha", 10)
    api(PRODUCT).post(f"/api/v1/requests/{request.pk}/approve/", {"expected_points": 10})
    page = api(REP).get("/api/v1/commitments/", {"quarter": quarter.label}).json()
    (live,) = page["live"]
    assert live["title"] == "Alpha"
    cost = live["drop_cost"]
    stale = api(PRODUCT).post(
        f"/api/v1/commitments/{live['id']}/drop/", {"reason": "Pivot", "expected_cost": cost + 1}
    )
    assert stale.status_code == 400
    dropped = api(PRODUCT).post(
        f"/api/v1/commitments/{live['id']}/drop/", {"reason": "Pivot", "expected_cost": cost}
    )
    assert dropped.status_code == 200, dropped.content
    assert dropped.json()["cost"] == cost
    ledger = api(REP).get(f"/api/v1/quarters/{quarter.label}/ledger/").json()
    assert [entry["kind"] for entry in ledger["results"]] == ["drop", "commit"]
    after = api(REP).get("/api/v1/commitments/", {"quarter": quarter.label}).json()
    assert after["live"] == []
    assert after["dropped"][0]["drop_reason"] == "Pivot"


# --- reviews, customers and deals --------------------------------------------------------------


def test_it_gives_a_review_with_its_snapshot(api, quarter):
    from budgets.selectors import company_today
    from reviews.models import WeeklyReview
    from reviews.services import review_generate, week_start_for

    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    listed = api(LEADER).get("/api/v1/reviews/").json()
    assert listed["results"][0]["id"] == review.pk
    detail = api(LEADER).get(f"/api/v1/reviews/{review.pk}/").json()
    review.refresh_from_db()
    assert detail["snapshot"] == review.data
    assert detail["status"] == "ready"


def test_it_lists_and_creates_customers_and_deals(api, cast):
    response = api(LEADER).post(
        "/api/v1/customers/", {"name": "  Acme   Corp ", "segment": "smb", "arr": 1200}
    )
    assert response.status_code == 201, response.content
    customer = response.json()
    assert customer["name"] == "Acme Corp"
    duplicate = api(LEADER).post(
        "/api/v1/customers/", {"name": "acme corp", "segment": "smb", "arr": 1}
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"]["name"] == ["A customer with this name exists already."]
    deal = api(REP).post(
        "/api/v1/deals/",
        {"customer": customer["id"], "name": "Pilot", "amount": 500, "owner": cast[REP].pk},
    )
    assert deal.status_code == 201, deal.content
    not_theirs = api(REP).post(
        "/api/v1/deals/",
        {"customer": customer["id"], "name": "Other", "amount": 5, "owner": cast[LEADER].pk},
    )
    assert not_theirs.status_code == 403
    listed = api(PM).get("/api/v1/customers/").json()["results"]
    assert listed[0]["open_deals"] == 1
    assert listed[0]["open_pipeline"] == 500
    assert api(PM).get("/api/v1/deals/", {"stage": "open"}).json()["count"] == 1
    assert api(PM).get("/api/v1/deals/", {"stage": "won"}).status_code == 400
    assert api(PM).get(f"/api/v1/deals/{deal.json()['id']}/").json()["customer_name"] == "Acme Corp"


# --- sessions, throttling ----------------------------------------------------------------------


def test_it_works_with_the_browser_session_and_demands_csrf_on_writes(client, cast, quarter):
    from django.test import Client

    client.force_login(cast[REP])
    assert client.get("/api/v1/quarters/").status_code == 200
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast[REP])
    response = strict.post(
        "/api/v1/requests/", '{"title": "T", "problem": "P"}', content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_it_throttles_each_key_with_429_and_the_error_body(api, monkeypatch):
    from api.throttling import ApiKeyThrottle

    monkeypatch.setattr(ApiKeyThrottle, "THROTTLE_RATES", {"api": "3/min"})
    rep, leader = api(REP), api(LEADER)
    assert [rep.get("/api/v1/quarters/").status_code for _ in range(3)] == [200] * 3
    refused = rep.get("/api/v1/quarters/")
    assert refused.status_code == 429
    assert "throttled" in refused.json()["message"].lower()
    assert int(refused["Retry-After"]) > 0
    assert leader.get("/api/v1/quarters/").status_code == 200  # another key, its own count


def test_it_upserts_customers_and_deals_by_their_crm_id(api, cast):
    leader = api(LEADER)
    Customer.objects.create(name="Acme Corp", segment="smb", arr=10)
    # A customer without a CRM id whose name matches takes the id: no duplicate.
    first = leader.post(
        "/api/v1/customers/by-external-id/hs-1/", {"name": "acme corp", "arr": 2000}
    )
    assert first.status_code == 200, first.content  # updated, not created
    assert Customer.objects.count() == 1
    assert first.json()["external_id"] == "hs-1"
    assert first.json()["segment"] == "smb"  # left out: kept
    again = leader.post(
        "/api/v1/customers/by-external-id/hs-1/", {"name": "Acme Corp", "arr": 3000}
    )
    assert again.status_code == 200
    assert again.json()["arr"] == 3000
    new = leader.post("/api/v1/customers/by-external-id/hs-3/", {"name": "Hooli"})
    assert new.status_code == 201
    assert Customer.objects.count() == 2
    body = {
        "customer_external_id": "hs-1",
        "name": "Expansion",
        "amount": 700,
        "owner": cast[REP].pk,
    }
    deal = leader.post("/api/v1/deals/by-external-id/d-9/", body)
    assert deal.status_code == 201, deal.content
    assert (
        leader.post("/api/v1/deals/by-external-id/d-9/", body | {"amount": 900}).status_code == 200
    )
    assert Deal.objects.get(external_id="d-9").amount == 900
    unknown = leader.post(
        "/api/v1/deals/by-external-id/d-10/", body | {"customer_external_id": "x"}
    )
    assert unknown.status_code == 400
    assert "customer_external_id" in unknown.json()["errors"]
    # Reps may not import customers; a rep upserts only their own deals.
    assert api(REP).post("/api/v1/customers/by-external-id/hs-2/", {"name": "N"}).status_code == 403
    other = body | {"owner": cast[LEADER].pk, "name": "Other"}
    assert api(REP).post("/api/v1/deals/by-external-id/d-11/", other).status_code == 403
