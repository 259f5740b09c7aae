"""Duplicate hints: the closest open requests while a rep types a title, "add my deal to this
one instead" (and its refusals), and triage's one-click merge into a candidate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Deal, FeatureRequest, RequestDeal
from feature_requests.search import duplicate_candidates, duplicate_candidates_for

pytestmark = pytest.mark.django_db

HINTS = reverse("requests:duplicate_hints")
TRIAGE = reverse("requests:triage_queue")
Status = FeatureRequest.Status


def add_url(feature: FeatureRequest) -> str:
    return reverse("requests:request_add_deals", args=[feature.pk])


def form_with(deal: Deal | None, criticality: str = "blocker") -> dict[str, str]:
    """The request form as the hint's button posts it: the typed request and one deal row."""
    return {
        "title": "Audit log export to S3",
        "problem": "They archive logs in S3.",
        "quarter": "",
        "deals-TOTAL_FORMS": "1",
        "deals-INITIAL_FORMS": "0",
        "deals-MIN_NUM_FORMS": "0",
        "deals-MAX_NUM_FORMS": "50",
        "deals-0-deal": str(deal.pk) if deal else "",
        "deals-0-search": str(deal) if deal else "",
        "deals-0-criticality": criticality,
    }


@pytest.fixture
def existing(leader):
    return FeatureRequest.objects.create(
        title="Audit log export", problem="Security wants the audit log.", submitted_by=leader
    )


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


# --- the hints ------------------------------------------------------------------------------------


def test_it_hints_the_closest_open_request_while_typing(rep_client, existing):
    FeatureRequest.objects.create(
        title="Mobile offline mode", problem="p", submitted_by=existing.submitted_by
    )
    response = rep_client.get(HINTS, {"title": "Audit log export to S3"})
    assert response.status_code == 200
    assert "Audit log export" in response.text
    assert "Mobile offline mode" not in response.text
    assert f'hx-post="{add_url(existing)}"' in response.text
    assert 'type="submit"' not in response.text  # Enter in the title still submits the form
    assert "Add my deal to this one instead" in response.text


@pytest.mark.parametrize(
    "status", [Status.MERGED, Status.DECLINED_BY_SALES, Status.DECLINED, Status.SHIPPED]
)
def test_it_hints_no_closed_request(rep_client, existing, status):
    FeatureRequest.objects.filter(pk=existing.pk).update(status=status)
    assert "Audit log export" not in rep_client.get(HINTS, {"title": "Audit log export"}).text


def test_it_hints_nothing_for_a_short_or_unrelated_title(rep_client, existing):
    assert duplicate_candidates(title="Au") == []
    assert "Audit" not in rep_client.get(HINTS, {"title": "Calendar sync"}).text


def test_it_refuses_a_title_over_the_limit_with_a_400(rep_client, existing):
    assert rep_client.get(HINTS, {"title": "x" * 201}).status_code == 400


def test_the_new_request_form_asks_for_hints_as_the_title_is_typed(rep_client):
    html = rep_client.get(reverse("requests:request_create")).text
    assert f'hx-get="{HINTS}"' in html
    assert 'id="duplicate-hints"' in html


# --- add my deal to this one instead --------------------------------------------------------------


def test_it_adds_the_reps_deal_to_the_existing_request(rep_client, existing, deal):
    response = rep_client.post(add_url(existing), form_with(deal))
    assert response.status_code == 302
    assert response.url == existing.get_absolute_url()
    link = RequestDeal.objects.get(request=existing)
    assert (link.deal, link.criticality) == (deal, "blocker")
    assert FeatureRequest.objects.count() == 1  # no new request
    page = rep_client.get(response.url).text
    assert "Acme: Renewal added to “Audit log export”" in page


def test_with_htmx_it_redirects_the_page_or_shows_the_refusal_in_the_hints(
    rep_client, existing, deal
):
    response = rep_client.post(add_url(existing), form_with(deal), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == existing.get_absolute_url()
    again = rep_client.post(add_url(existing), form_with(deal), headers={"HX-Request": "true"})
    assert again.status_code == 400
    assert "is already linked to “Audit log export”" in again.text
    assert "Add my deal to this one instead" in again.text  # the hints stay
    assert "<html" not in again.text


def test_it_refuses_another_reps_deal(client, cast, existing, acme, rep):
    other = cast[Role.SALES_LEADER]  # not a rep: make another rep
    from accounts.models import User

    other_rep = User.objects.create_user(
        "other.rep@example.invalid", "pw", full_name="Other Rep", role=Role.SALES_REP, manager=other
    )
    theirs = Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other_rep)
    client.force_login(rep)
    response = client.post(add_url(existing), form_with(theirs))
    assert response.status_code == 400
    assert "Your deal was not added" in response.text
    assert not RequestDeal.objects.exists()


def test_it_refuses_a_deal_already_linked(rep_client, existing, deal):
    RequestDeal.objects.create(request=existing, deal=deal)
    response = rep_client.post(add_url(existing), form_with(deal))
    assert response.status_code == 400
    assert "is already linked to “Audit log export”" in response.text
    assert RequestDeal.objects.count() == 1


@pytest.mark.parametrize("status", [Status.MERGED, Status.DECLINED_BY_SALES, Status.SHIPPED])
def test_it_refuses_a_closed_request(rep_client, existing, deal, status):
    FeatureRequest.objects.filter(pk=existing.pk).update(status=status)
    response = rep_client.post(add_url(existing), form_with(deal))
    assert response.status_code == 400
    assert "so no deal can be added to it" in response.text
    assert not RequestDeal.objects.exists()


def test_it_asks_for_a_deal_when_none_is_picked(rep_client, existing):
    response = rep_client.post(add_url(existing), form_with(None))
    assert response.status_code == 400
    assert "Pick your deal first" in response.text


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_product_may_not_add_deals(client, cast, existing, deal, role):
    client.force_login(cast[role])
    assert client.post(add_url(existing), form_with(deal)).status_code == 403
    assert not RequestDeal.objects.exists()


def test_it_needs_the_csrf_token(rep, existing, deal):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rep)
    assert strict.post(add_url(existing), form_with(deal)).status_code == 403


# --- triage: a merge is a click -------------------------------------------------------------------


def test_triage_offers_the_candidates_and_merges_with_one_click(
    client, rep, leader, existing, submit
):
    duplicate = submit(rep, title="Audit log export to S3")
    client.force_login(leader)
    html = client.get(TRIAGE).text
    card = html.split(f'id="request-{duplicate.pk}"')[1].split('class="triage-forms"')[0]
    assert f"Merge into #{existing.pk}" in card
    assert f'name="keep" value="{existing.pk}"' in card
    response = client.post(
        reverse("requests:request_merge", args=[duplicate.pk]),
        {"keep": str(existing.pk), "next": TRIAGE},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.MERGED, existing)


def test_the_request_page_offers_the_same_candidates(client, rep, leader, existing, submit):
    duplicate = submit(rep, title="Audit log export to S3")
    client.force_login(leader)
    html = client.get(duplicate.get_absolute_url()).text
    assert "Possible duplicates" in html
    assert f"Merge into #{existing.pk}" in html


def test_the_candidates_of_every_card_come_in_one_query(
    rep, existing, submit, django_assert_num_queries
):
    extra = ["to S3", "nightly", "as CSV", "for admins", "per team"]
    rows = [submit(rep, title=f"Audit log export {words}") for words in extra]
    with django_assert_num_queries(1):
        found = duplicate_candidates_for(requests=rows)
    assert all(existing.pk in [c.pk for c in found[row.pk]] for row in rows)
    assert all(row.pk not in [c.pk for c in found[row.pk]] for row in rows)
