"""How budgets read: over budget in words and the danger colour, and "1 point" vs "2 points"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from commitments.services import commitment_approve

pytestmark = pytest.mark.django_db


def over_budget_text(page: str) -> list[str]:
    """The texts the page marks with the danger class `over-budget`."""
    return re.findall(r'class="[^"]*\bover-budget\b[^"]*"[^>]*>([^<]*)<', page)


@pytest.fixture
def overspent(cast, quarter, rank):
    """Budget 40, 47 points committed with the product leader's override: 7 over."""
    commitment_approve(
        actor=cast[Role.PRODUCT_LEADER],
        request=rank("Data residency", 47),
        override=True,
        override_reason="The board promised it to Globex",
    )
    return quarter


@pytest.mark.parametrize(
    ("url_name", "args", "expected"),
    [
        ("dashboard", [], "Over budget by 7 points"),
        ("budgets:quarter_detail", ["label"], "Over budget by 7 points"),
        ("commitments:budget", ["label"], "Over budget by 7 points"),
        ("commitments:roadmap", [], "over budget by 7 points"),
    ],
)
def test_it_says_an_overspent_quarter_is_over_budget(
    client, cast, overspent, url_name, args, expected
):
    client.force_login(cast[Role.SALES_LEADER])
    url = reverse(url_name, args=[overspent.label for _ in args])
    page = client.get(url).text
    assert expected in over_budget_text(page)
    # No "-7" shown as a number (an id such as "quarter-7" is not one).
    assert not re.search(r"(?<![\w-])[-−]7\b", page)


def test_it_shows_what_remains_while_within_budget(client, cast, quarter, rank):
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=rank("SSO", 8))
    client.force_login(cast[Role.SALES_REP])
    page = client.get(reverse("dashboard")).text
    assert 'data-testid="remaining">32</span> <small>points</small>' in page
    assert over_budget_text(page) == []


def test_it_says_over_budget_by_1_point(client, cast, quarter, rank):
    commitment_approve(
        actor=cast[Role.PRODUCT_LEADER],
        request=rank("Data residency", 41),
        override=True,
        override_reason="Globex",
    )
    client.force_login(cast[Role.PRODUCT_LEADER])
    page = client.get(reverse("commitments:budget", args=[quarter.label])).text
    assert "Over budget by 1 point" in over_budget_text(page)
    assert "Over budget by 1 points" not in page


@pytest.mark.parametrize(("points", "unit"), [(1, "point"), (2, "points")])
def test_it_pluralises_points(client, cast, quarter, rank, points, unit):
    feature = rank("Audit log export", points)
    commitment = commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=feature)
    client.force_login(cast[Role.PRODUCT_LEADER])

    budget = client.get(reverse("commitments:budget", args=[quarter.label])).text
    assert f'data-testid="committed">{points}</span> <small>{unit}</small>' in budget

    detail = client.get(reverse("requests:request_detail", args=[feature.pk])).text
    assert f"<dd>{points} {unit} <span" in detail  # the estimate

    roadmap = client.get(reverse("commitments:roadmap")).text
    assert f"{points} {unit}</span>" in roadmap

    drop = client.get(reverse("commitments:commitment_drop", args=[commitment.pk])).text
    assert f"its {points} {unit} −" in drop


def test_the_board_says_over_budget_in_words_and_colour(client, cast, quarter):
    from commitments.models import Commitment
    from feature_requests.models import FeatureRequest

    request = FeatureRequest.objects.create(
        title="Big",
        problem="p",
        submitted_by=cast[Role.SALES_REP],
        quarter=quarter,
        status="committed",
        estimate_points=quarter.sales_budget + 3,
    )
    Commitment.objects.create(
        quarter=quarter,
        request=request,
        points=quarter.sales_budget + 3,
        approved_by=cast[Role.PRODUCT_LEADER],
    )
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(reverse("commitments:board", args=[quarter.label])).text
    assert 'class="over-budget" data-testid="remaining">Over budget by 3 points<' in page
