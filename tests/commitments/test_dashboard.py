"""The start page tells each role how much work waits for it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests import services
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db


def test_a_sales_manager_sees_how_many_of_their_reps_requests_wait_for_triage(
    client, cast, quarter, make_user
):
    leader, rep = cast[Role.SALES_LEADER], cast[Role.SALES_REP]
    client.force_login(leader)
    assert "Nothing waits for your triage." in client.get(reverse("dashboard")).text

    for title in ("Audit log", "SSO"):
        services.request_submit(actor=rep, title=title, problem="p", quarter=quarter, deal_links=[])
    other_team = make_user(Role.SALES_REP)  # reports to another leader
    services.request_submit(
        actor=other_team, title="X", problem="p", quarter=quarter, deal_links=[]
    )

    html = client.get(reverse("dashboard")).text
    assert "<strong>2 requests</strong> from your team wait for your triage." in html
    assert ">Triage (2)</a>" in html


def test_a_product_manager_sees_how_many_ranked_requests_need_an_estimate(client, cast, quarter):
    rep = cast[Role.SALES_REP]
    client.force_login(cast[Role.PRODUCT_MANAGER])
    assert "Every ranked request has an estimate." in client.get(reverse("dashboard")).text
    request = services.request_submit(
        actor=rep, title="Audit log", problem="p", quarter=quarter, deal_links=[]
    )
    ranking_append(quarter=quarter, request=request, actor=None)
    html = client.get(reverse("dashboard")).text
    assert "<strong>1 ranked request</strong> needs an estimate." in html
