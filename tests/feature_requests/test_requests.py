"""Submitting, editing, following and commenting on requests through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from budgets.models import Quarter
from feature_requests import services
from feature_requests.models import (
    Comment,
    Deal,
    FeatureRequest,
    RequestDeal,
    StatusChange,
)
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status


def form_data(*, title="Bulk export", problem="They cannot export.", quarter="", deals=()):
    """The request form as a browser posts it: three deal rows, the unused ones empty."""
    data = {
        "title": title,
        "problem": problem,
        "quarter": quarter.pk if isinstance(quarter, Quarter) else quarter,
        "deals-TOTAL_FORMS": "3",
        "deals-INITIAL_FORMS": "0",
        "deals-MIN_NUM_FORMS": "0",
        "deals-MAX_NUM_FORMS": "50",
    }
    for index in range(3):
        deal, criticality = deals[index] if index < len(deals) else ("", "important")
        data[f"deals-{index}-deal"] = deal.pk if isinstance(deal, Deal) else deal
        data[f"deals-{index}-criticality"] = criticality
    return data


# --- submit ----------------------------------------------------------------------------------------


def test_it_shows_the_form_with_the_current_quarter_and_the_reps_own_deals(
    client, rep, leader, make_user, quarter, deal, acme
):
    other = make_user(Role.SALES_REP, manager=leader)
    Deal.objects.create(customer=acme, name="Not yours", amount=1, owner=other)
    client.force_login(rep)
    response = client.get(reverse("requests:request_create"))
    assert response.status_code == 200
    html = response.text
    assert "Not a solution" in html
    assert f'<option value="{quarter.pk}" selected>{quarter.label}</option>' in html
    assert html.count('name="deals-0-deal"') == 1 and 'name="deals-2-deal"' in html
    # The deals are offered by the picker as the rep types, not listed in the page.
    assert "Acme: Renewal" not in html
    picked = client.get(reverse("requests:deal_pick"), {"q": "acme"}).text
    assert "Acme: Renewal" in picked
    assert "Not yours" not in picked


def test_it_offers_a_leader_every_open_deal(client, leader, rep, acme, deal):
    Deal.objects.create(customer=acme, name="Lost one", amount=1, owner=rep, stage="closed_lost")
    client.force_login(leader)
    html = client.get(reverse("requests:deal_pick"), {"q": "acme"}).text
    assert "Acme: Renewal" in html
    assert "Lost one" not in html


def test_it_submits_a_request_with_its_deals(client, rep, quarter, deal):
    client.force_login(rep)
    response = client.post(
        reverse("requests:request_create"),
        form_data(quarter=quarter, deals=[(deal, "blocker")]),
    )
    request = FeatureRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("requests:request_detail", args=[request.pk])
    assert (request.submitted_by, request.quarter, request.status) == (rep, quarter, "submitted")
    assert list(request.deal_links.values_list("deal", "criticality")) == [(deal.pk, "blocker")]
    assert StatusChange.objects.filter(request=request, to_status="submitted").exists()
    page = client.get(response.url).text
    assert "submitted. It is in your sales leader" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give the request a title."),
        ({"title": "    "}, "Give the request a title."),
        ({"title": "x" * 141}, "Keep the title to 140 characters (it has 141)."),
        ({"problem": ""}, "Describe the customer&#x27;s problem."),
        ({"problem": "p" * 5001}, "Keep the problem to 5000 characters (it has 5001)."),
        ({"quarter": "999999"}, "Select a valid choice."),
    ],
)
def test_it_refuses_bad_input_next_to_the_field(client, rep, fields, message):
    client.force_login(rep)
    response = client.post(reverse("requests:request_create"), form_data(**fields))
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was saved" in response.text
    assert not FeatureRequest.objects.exists()


def test_it_refuses_the_same_deal_twice(client, rep, deal):
    client.force_login(rep)
    response = client.post(
        reverse("requests:request_create"),
        form_data(deals=[(deal, "blocker"), (deal, "important")]),
    )
    assert response.status_code == 400
    assert "already linked above" in response.text
    assert not FeatureRequest.objects.exists()


def test_it_refuses_a_forged_deal_of_another_rep(client, rep, leader, make_user, acme):
    other = make_user(Role.SALES_REP, manager=leader)
    theirs = Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other)
    client.force_login(rep)
    response = client.post(
        reverse("requests:request_create"), form_data(deals=[(theirs, "blocker")])
    )
    assert response.status_code == 400
    assert not FeatureRequest.objects.exists()


def test_it_refuses_an_ended_target_quarter(client, rep):
    ended = Quarter.objects.create(
        label="2020-Q1", start=dt.date(2020, 1, 1), end=dt.date(2020, 3, 31), capacity_points=100
    )
    client.force_login(rep)
    response = client.post(reverse("requests:request_create"), form_data(quarter=ended))
    assert response.status_code == 400
    assert not FeatureRequest.objects.exists()


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.PRODUCT_LEADER])
def test_it_lets_only_sales_submit(client, cast, role):
    client.force_login(cast[role])
    assert client.get(reverse("requests:request_create")).status_code == 403
    response = client.post(reverse("requests:request_create"), form_data())
    assert response.status_code == 403
    assert "Only sales reps and sales leaders submit requests." in response.text
    assert not FeatureRequest.objects.exists()


# --- edit --------------------------------------------------------------------------------------------


def test_it_lets_the_submitter_edit_while_submitted(client, rep, deal, acme, submit):
    request = submit(rep, deal_links=[(deal, "blocker")])
    upsell = Deal.objects.create(customer=acme, name="Upsell", amount=5_000, owner=rep)
    client.force_login(rep)
    url = reverse("requests:request_edit", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Bulk export"' in page.text
    data = form_data(title="Bulk CSV export", deals=[(upsell, "nice_to_have")])
    data["deals-TOTAL_FORMS"] = "3"
    response = client.post(url, data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.title == "Bulk CSV export"
    assert list(request.deal_links.values_list("deal__name", flat=True)) == ["Upsell"]


def test_it_refuses_a_bad_edit_and_keeps_the_request(client, rep, submit):
    request = submit(rep)
    client.force_login(rep)
    response = client.post(reverse("requests:request_edit", args=[request.pk]), form_data(title=""))
    assert response.status_code == 400
    assert "Give the request a title." in response.text
    request.refresh_from_db()
    assert request.title == "Bulk export"


def test_it_refuses_edits_after_triage_and_by_others(
    client, rep, leader, make_user, quarter, cast, submit
):
    request = submit(rep)
    url = reverse("requests:request_edit", args=[request.pk])
    other = make_user(Role.SALES_REP, manager=leader)
    for user in (other, leader, cast[Role.PRODUCT_MANAGER]):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, form_data(title="Hijacked")).status_code == 403

    services.request_accept(actor=leader, request=request, quarter=quarter)
    client.force_login(rep)
    response = client.post(url, form_data(title="Too late"))
    assert response.status_code == 403
    assert "only until it is triaged" in response.text
    request.refresh_from_db()
    assert request.title == "Bulk export"


# --- list ----------------------------------------------------------------------------------------


def test_it_shows_a_rep_their_own_requests_with_the_decline_reason(
    client, rep, leader, make_user, submit
):
    mine = submit(rep, title="Mine")
    submit(make_user(Role.SALES_REP, manager=leader), title="Somebody else's")
    services.request_decline_by_sales(actor=leader, request=mine, reason="Already on the roadmap.")
    client.force_login(rep)
    html = client.get(reverse("requests:request_list")).text
    assert "My requests" in html
    assert ">Mine</a>" in html
    assert "Somebody else" not in html
    assert "Declined by sales" in html
    assert "Reason: Already on the roadmap." in html


def test_it_lists_all_requests_newest_first_with_a_status_filter(
    client, cast, rep, quarter, submit
):
    old = submit(rep, title="Old one")
    new = submit(rep, title="New one")
    ranking_append(quarter=quarter, request=old, actor=None)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    html = client.get(reverse("requests:request_list")).text
    assert html.index(">New one</a>") < html.index(">Old one</a>")
    html = client.get(reverse("requests:request_list"), {"status": "ranked"}).text
    assert ">Old one</a>" in html and ">New one</a>" not in html
    assert '<option value="ranked" selected>' in html
    # An unknown status shows everything rather than failing.
    response = client.get(reverse("requests:request_list"), {"status": "bogus"})
    assert response.status_code == 200
    assert f">{new.title}</a>" in response.text


def test_it_shows_deal_figures_in_the_list(client, cast, rep, deal, acme, submit):
    lost = Deal.objects.create(
        customer=acme, name="Lost", amount=9_000, owner=rep, stage="closed_lost"
    )
    submit(rep, deal_links=[(deal, "blocker"), (lost, "important")])
    client.force_login(cast[Role.SALES_LEADER])
    html = client.get(reverse("requests:request_list")).text
    assert '<td class="num">2</td>' in html
    assert "$120,000" in html and "$129,000" not in html


def test_it_paginates_at_fifty(client, cast, rep):
    FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Request {n}", problem="p", submitted_by=rep) for n in range(51)
    )
    client.force_login(cast[Role.SALES_LEADER])
    first = client.get(reverse("requests:request_list")).text
    assert first.count('<th scope="row" class="wrap-cell">') == 50
    assert "Page 1 of 2" in first
    second = client.get(reverse("requests:request_list"), {"page": 2}).text
    assert second.count('<th scope="row" class="wrap-cell">') == 1


def add_requests(rep, deals, count):
    requests = FeatureRequest.objects.bulk_create(
        FeatureRequest(title=f"Request {n}", problem="p", submitted_by=rep) for n in range(count)
    )
    RequestDeal.objects.bulk_create(
        RequestDeal(request=request, deal=deal) for request in requests for deal in deals
    )


@pytest.mark.parametrize("count", [2, 40])
@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_LEADER])
def test_it_lists_requests_in_constant_queries(
    client, cast, rep, deal, acme, django_assert_num_queries, count, role
):
    other = Deal.objects.create(customer=acme, name="Other", amount=1_000, owner=rep)
    add_requests(rep, [deal, other], count)
    client.force_login(cast[role])
    # session, user, the page's count, the page's rows (annotated, joined), unread
    # notifications (header); the filter bar: saved views, the quarter, rep and manager choices
    with django_assert_num_queries(9):
        response = client.get(reverse("requests:request_list"))
    assert response.text.count('<th scope="row" class="wrap-cell">') == count


# --- detail --------------------------------------------------------------------------------------


def test_it_shows_a_request_with_its_deals_and_history(
    client, cast, rep, leader, quarter, acme, deal, submit
):
    lost = Deal.objects.create(
        customer=acme, name="Pilot", amount=9_000, owner=rep, stage="closed_lost"
    )
    other = Deal.objects.create(customer=acme, name="Expansion", amount=30_000, owner=rep)
    request = submit(
        rep,
        problem="<b>Line one</b>\nLine two",
        quarter=quarter,
        deal_links=[(deal, "blocker"), (lost, "important"), (other, "nice_to_have")],
    )
    services.request_accept(actor=leader, request=request, quarter=quarter)
    services.request_estimate(actor=cast[Role.PRODUCT_MANAGER], request=request, points=8)
    client.force_login(cast[Role.PRODUCT_LEADER])
    html = client.get(reverse("requests:request_detail", args=[request.pk])).text
    assert "&lt;b&gt;Line one&lt;/b&gt;<br>Line two" in html
    assert "<b>Line one</b>" not in html
    assert "$150,000" in html  # 120,000 + 30,000: the lost deal is not at stake
    for text in ["Blocker", "Nice to have", "Closed lost", "Pilot", "Expansion"]:
        assert text in html
    assert "Submitted → Ranked" in html
    assert "Accepted into" in html
    assert "8 points" in html and "Pam Manager" in html
    assert "Added</strong> in " + quarter.label in html
    assert "— → #1" in html
    assert "Lee Leader" in html


def test_it_shows_the_edit_link_to_the_submitter_only_while_submitted(
    client, rep, leader, quarter, submit
):
    request = submit(rep)
    url = reverse("requests:request_detail", args=[request.pk])
    edit = reverse("requests:request_edit", args=[request.pk])
    client.force_login(rep)
    assert edit in client.get(url).text
    client.force_login(leader)
    assert edit not in client.get(url).text
    services.request_accept(actor=leader, request=request, quarter=quarter)
    client.force_login(rep)
    assert edit not in client.get(url).text


def test_it_shows_triage_actions_to_sales_leaders_only(client, cast, rep, submit):
    request = submit(rep)
    url = reverse("requests:request_detail", args=[request.pk])
    for role in Role:
        client.force_login(cast[role])
        html = client.get(url).text
        shown = reverse("requests:request_accept", args=[request.pk]) in html
        assert shown == (role in (Role.SALES_LEADER, Role.ADMIN)), role


def test_it_links_a_merged_request_and_its_duplicates(client, rep, leader, submit):
    keep = submit(rep, title="Keep")
    duplicate = submit(rep, title="Duplicate")
    services.request_merge(actor=leader, duplicate=duplicate, keep=keep)
    client.force_login(rep)
    html = client.get(reverse("requests:request_detail", args=[duplicate.pk])).text
    assert "Merged as a duplicate of" in html
    assert reverse("requests:request_detail", args=[keep.pk]) in html
    html = client.get(reverse("requests:request_detail", args=[keep.pk])).text
    assert "Merged duplicates" in html
    assert f"#{duplicate.pk} Duplicate" in html


def test_it_answers_404_for_an_unknown_request(client, rep):
    client.force_login(rep)
    for name in ["request_detail", "request_edit"]:
        assert client.get(reverse(f"requests:{name}", args=[999])).status_code == 404
    response = client.post(reverse("requests:comment_create", args=[999]), {"body": "hi"})
    assert response.status_code == 404


def test_it_escapes_what_users_type(client, rep, cast, submit):
    submit(rep, title="<script>alert(1)</script>")
    client.force_login(cast[Role.SALES_LEADER])
    for url in [reverse("requests:request_list"), reverse("requests:triage_queue")]:
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- comments ------------------------------------------------------------------------------------


def test_it_posts_a_comment(client, cast, rep, submit):
    request = submit(rep)
    client.force_login(cast[Role.PRODUCT_MANAGER])
    response = client.post(
        reverse("requests:comment_create", args=[request.pk]), {"body": "Which formats?\nCSV?"}
    )
    assert response.status_code == 302
    assert response.url == f"/requests/{request.pk}/#comments"
    html = client.get(response.url).text
    assert "Which formats?<br>CSV?" in html
    assert "Pam Manager" in html


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_it_refuses_an_empty_or_long_comment(client, rep, body, submit):
    request = submit(rep)
    client.force_login(rep)
    response = client.post(reverse("requests:comment_create", args=[request.pk]), {"body": body})
    assert response.status_code == 400
    assert "The comment was not posted" in response.text
    assert not Comment.objects.exists()


def test_it_takes_comments_by_post_only(client, rep, submit):
    request = submit(rep)
    client.force_login(rep)
    assert client.get(reverse("requests:comment_create", args=[request.pk])).status_code == 405


def test_it_offers_a_rep_only_their_open_deals(client, rep, acme, deal, quarter):
    Deal.objects.create(customer=acme, name="Won", amount=5, owner=rep, stage="closed_won")
    lost = Deal.objects.create(customer=acme, name="Lost", amount=5, owner=rep, stage="closed_lost")
    client.force_login(rep)
    html = client.get(reverse("requests:deal_pick"), {"q": "acme"}).text
    assert "Acme: Renewal" in html
    assert "Acme: Won" not in html and "Acme: Lost" not in html
    # Nor can a forged form link one.
    response = client.post(
        reverse("requests:request_create"), form_data(quarter=quarter, deals=[(lost, "blocker")])
    )
    assert response.status_code == 400
    assert not FeatureRequest.objects.exists()
