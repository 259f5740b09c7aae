"""The commitments page: who sees what, and product managers' progress reports."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import Quarter
from commitments import services
from commitments.models import Commitment, ProgressUpdate
from feature_requests.models import FeatureRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settings_row")]
Status = FeatureRequest.Status
COMMITMENTS = reverse("commitments:commitment_list")


@pytest.fixture
def pm_client(client, pm):
    """The test client, logged in as the product manager, who reports progress."""
    client.force_login(pm)
    return client


@pytest.fixture
def commit(rank, product):
    """Rank and commit a request of `points` in the quarter (budget 40)."""

    def make(title: str, points: int) -> Commitment:
        return services.commitment_approve(
            actor=product, request=rank(title, points), override=True, override_reason="Tests"
        )

    return make


def progress(client, commitment: Commitment, data: dict):
    return client.post(reverse("commitments:commitment_progress", args=[commitment.pk]), data)


def list_url(quarter: Quarter) -> str:
    return f"{COMMITMENTS}?quarter={quarter.label}"


# --- the list --------------------------------------------------------------------------------


def test_it_lists_live_commitments_and_greys_out_dropped_ones_with_their_cost(
    client, cast, quarter, commit, product
):
    live = commit("Live one", 8)
    gone = commit("Gone one", 8)
    FeatureRequest.objects.filter(pk=gone.request_id).update(status=Status.IN_PROGRESS)
    Commitment.objects.filter(pk=gone.pk).update(points_done=4)
    gone.refresh_from_db()
    services.commitment_drop(actor=product, commitment=gone, reason="Deal lost", expected_cost=5)
    client.force_login(cast[Role.SALES_REP])
    html = client.get(COMMITMENTS).text
    live_part, dropped_part = html.split('id="dropped-head"')
    assert f'id="commitment-{live.pk}"' in live_part and ">Live one</a>" in live_part
    assert "Paula Leader" in live_part  # approved by
    assert ">Gone one</a>" not in live_part
    assert ">Gone one</a>" in dropped_part and "Deal lost" in dropped_part
    assert '<td class="num">5</td>' in dropped_part  # 4 sunk + 1 penalty
    assert 'data-testid="remaining">27<' in html  # 40 - 8 - 5


@pytest.mark.parametrize(
    ("role", "progress_forms", "drop_links", "swap_link"),
    [
        (Role.SALES_REP, False, False, False),
        (Role.SALES_LEADER, False, False, True),
        (Role.PRODUCT_MANAGER, True, False, False),
        (Role.PRODUCT_LEADER, False, True, False),
        (Role.ADMIN, True, True, True),
    ],
)
def test_it_shows_each_role_its_own_actions(
    client, cast, quarter, commit, role, progress_forms, drop_links, swap_link
):
    commitment = commit("Work", 8)
    client.force_login(cast[role])
    response = client.get(COMMITMENTS)
    assert response.status_code == 200
    html = response.text
    assert (
        reverse("commitments:commitment_progress", args=[commitment.pk]) in html
    ) is progress_forms
    assert (reverse("commitments:commitment_drop", args=[commitment.pk]) in html) is drop_links
    assert (reverse("commitments:swap_create") in html) is swap_link


def test_it_404s_an_unknown_quarter(pm_client, quarter):
    assert pm_client.get(f"{COMMITMENTS}?quarter=2001-Q1").status_code == 404


@pytest.mark.parametrize("count", [1, 12])
def test_it_lists_commitments_in_constant_queries(
    pm_client, quarter, commit, product, django_assert_num_queries, count
):
    for n in range(count):
        commit(f"Live {n}", 2)
        services.commitment_drop(actor=product, commitment=commit(f"Dropped {n}", 2), reason="Test")
    # session, user, settings (drop terms), current quarter, live commitments, figures ×2,
    # dropped commitments with their cost, unread notifications (header), the quarter switcher
    with django_assert_num_queries(10):
        response = pm_client.get(COMMITMENTS)
    assert response.text.count('name="points_done"') == count
    assert len(re.findall(r">Dropped \d+</a>", response.text)) == count


# --- progress --------------------------------------------------------------------------------


def test_it_records_progress_and_goes_back_to_the_list(pm_client, pm, quarter, commit):
    commitment = commit("Work", 8)
    response = progress(pm_client, commitment, {"status": "in_progress", "points_done": "3"})
    assert response.status_code == 302 and response.url == list_url(quarter)
    assert "“Work”: in progress, 3 of 8 points done." in pm_client.get(response.url).text
    commitment.refresh_from_db()
    assert commitment.points_done == 3
    assert commitment.request.status == Status.IN_PROGRESS
    assert ProgressUpdate.objects.get().actor == pm


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "in_progress", "points_done": "abc"}, "Points done must be a whole number"),
        ({"status": "in_progress", "points_done": "-2"}, "Points done cannot be negative."),
        ({"status": "in_progress", "points_done": ""}, "Enter the points done so far"),
        ({"status": "in_progress", "points_done": "10001"}, "from 0 to 10,000"),
        ({"status": "dropped", "points_done": "1"}, "Choose committed, in progress or shipped."),
        ({}, "Choose committed, in progress or shipped."),
    ],
)
def test_it_refuses_bad_progress_next_to_the_row(pm_client, quarter, commit, data, message):
    commitment = commit("Work", 8)
    response = progress(pm_client, commitment, data)
    assert response.status_code == 400
    html = response.text
    assert "Progress on “Work” was not saved" in html
    row = html[html.index(f'id="commitment-{commitment.pk}"') :]
    assert f'id="progress-error-{commitment.pk}">' in row and message in row
    if data.get("points_done"):
        assert f'value="{data["points_done"]}"' in row  # what was typed stays in the field
    commitment.refresh_from_db()
    assert commitment.points_done == 0 and commitment.request.status == Status.COMMITTED
    assert not ProgressUpdate.objects.exists()


def test_it_refuses_progress_on_a_dropped_commitment(pm_client, quarter, commit, product):
    commitment = commit("Gone", 8)
    services.commitment_drop(actor=product, commitment=commitment, reason="Gone")
    response = progress(pm_client, commitment, {"status": "in_progress", "points_done": "1"})
    assert response.status_code == 400
    assert "its progress can no longer change" in response.text
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_LEADER, Role.PRODUCT_LEADER])
def test_it_refuses_forged_progress_from_other_roles(client, cast, quarter, commit, role):
    commitment = commit("Work", 8)
    client.force_login(cast[role])
    response = progress(client, commitment, {"status": "shipped", "points_done": "8"})
    assert response.status_code == 403
    assert "Only product managers" in response.text
    commitment.refresh_from_db()
    assert commitment.points_done == 0 and commitment.request.status == Status.COMMITTED


def test_it_404s_progress_on_an_unknown_commitment(pm_client, quarter):
    response = pm_client.post(
        reverse("commitments:commitment_progress", args=[999_999]),
        {"status": "in_progress", "points_done": "1"},
    )
    assert response.status_code == 404
