"""The request lifecycle services: submit, edit, comment, accept, decline, merge, estimate."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from feature_requests import services
from feature_requests.models import (
    Comment,
    Deal,
    Estimate,
    FeatureRequest,
    RankEvent,
    RequestDeal,
    StatusChange,
)
from feature_requests.ranking import ranked, ranking_append

pytestmark = pytest.mark.django_db
Status = FeatureRequest.Status


def test_it_runs_a_request_from_submission_to_estimate(rep, leader, pm, quarter, deal, submit):
    already = FeatureRequest.objects.create(title="Earlier", problem="p", submitted_by=rep)
    ranking_append(quarter=quarter, request=already, actor=leader)

    request = submit(rep, title="  Bulk export  ", quarter=quarter, deal_links=[(deal, "blocker")])
    assert request.title == "Bulk export"
    assert request.status == Status.SUBMITTED
    assert list(request.deal_links.values_list("deal__name", "criticality")) == [
        ("Renewal", "blocker")
    ]
    assert list(request.status_changes.values_list("from_status", "to_status", "actor")) == [
        ("", Status.SUBMITTED, rep.pk)
    ]

    position = services.request_accept(actor=leader, request=request, quarter=quarter)
    request.refresh_from_db()
    assert position == 2  # at the bottom, below the request ranked before it
    assert request.status == Status.RANKED
    assert list(ranked(quarter)) == [already, request]
    event = RankEvent.objects.filter(request=request).get()
    assert (event.kind, event.new_position, event.actor, event.note) == (
        RankEvent.Kind.ADDED,
        2,
        leader,
        "accepted",
    )
    assert request.status_changes.last().to_status == Status.RANKED

    services.request_estimate(actor=pm, request=request, points=13)
    services.request_estimate(actor=pm, request=request, points=21)
    request.refresh_from_db()
    assert (request.estimate_points, request.estimated_by) == (21, pm)
    assert request.estimated_at is not None
    assert list(request.estimates.values_list("points", flat=True)) == [13, 21]


@pytest.mark.parametrize(
    ("title", "problem", "field"),
    [
        ("", "p", "title"),
        ("   ", "p", "title"),
        ("x" * 141, "p", "title"),
        ("t", "", "problem"),
        ("t", "  \n ", "problem"),
        ("t", "p" * 5001, "problem"),
    ],
)
def test_it_refuses_a_bad_title_or_problem(rep, title, problem, field, submit):
    with pytest.raises(ValidationError) as refusal:
        submit(rep, title=title, problem=problem)
    assert field in refusal.value.message_dict
    assert not FeatureRequest.objects.exists()


def test_it_accepts_the_longest_title_and_problem(rep, submit):
    request = submit(rep, title="x" * 140, problem="p" * 5000)
    assert len(request.title) == 140


def test_it_links_a_deal_once(rep, deal, submit):
    with pytest.raises(ValidationError, match="linked twice"):
        submit(rep, deal_links=[(deal, "blocker"), (deal, "important")])
    assert not FeatureRequest.objects.exists()


def test_it_refuses_an_unknown_criticality(rep, deal, submit):
    with pytest.raises(ValidationError):
        submit(rep, deal_links=[(deal, "urgent")])


def test_it_lets_a_rep_link_only_their_own_deals(rep, leader, make_user, acme, submit):
    other = make_user(Role.SALES_REP, manager=leader)
    theirs = Deal.objects.create(customer=acme, name="Theirs", amount=1, owner=other)
    with pytest.raises(ValidationError, match="not your deal"):
        submit(rep, deal_links=[(theirs, "blocker")])
    # A leader links any rep's deal.
    assert submit(leader, deal_links=[(theirs, "blocker")]).deal_links.count() == 1


def test_it_refuses_a_target_quarter_that_has_ended(rep, ended_quarter, submit):
    with pytest.raises(ValidationError, match="has ended"):
        submit(rep, quarter=ended_quarter)


def test_it_lets_only_sales_submit(pm, submit):
    with pytest.raises(PermissionDenied):
        submit(pm)


def test_it_lets_the_submitter_edit_until_triage(rep, leader, quarter, deal, acme, submit):
    request = submit(rep, deal_links=[(deal, "blocker")])
    other_deal = Deal.objects.create(customer=acme, name="Upsell", amount=5, owner=rep)
    services.request_update(
        actor=rep,
        request=request,
        title="Better title",
        problem="Clearer problem",
        quarter=quarter,
        deal_links=[(other_deal, "nice_to_have")],
    )
    request.refresh_from_db()
    assert (request.title, request.quarter) == ("Better title", quarter)
    assert list(request.deal_links.values_list("deal__name", flat=True)) == ["Upsell"]

    services.request_accept(actor=leader, request=request, quarter=quarter)
    with pytest.raises(PermissionDenied):
        services.request_update(
            actor=rep, request=request, title="Late", problem="p", quarter=None, deal_links=[]
        )
    request.refresh_from_db()
    assert request.title == "Better title"


def test_it_refuses_an_edit_by_another_rep(rep, leader, make_user, submit):
    request = submit(rep)
    other = make_user(Role.SALES_REP, manager=leader)
    with pytest.raises(PermissionDenied):
        services.request_update(
            actor=other, request=request, title="Mine now", problem="p", quarter=None, deal_links=[]
        )


def test_it_adds_comments_but_not_empty_ones(rep, pm, submit):
    request = submit(rep)
    comment = services.comment_add(actor=pm, request=request, body="  How many users?  ")
    assert comment.body == "How many users?"
    for body in ["", "   ", "x" * 5001]:
        with pytest.raises(ValidationError):
            services.comment_add(actor=pm, request=request, body=body)
    assert Comment.objects.count() == 1


def test_it_accepts_only_submitted_requests(rep, leader, quarter, submit):
    request = submit(rep)
    services.request_accept(actor=leader, request=request, quarter=quarter)
    with pytest.raises(ValidationError, match="is ranked"):
        services.request_accept(actor=leader, request=request, quarter=quarter)
    assert RankEvent.objects.filter(request=request).count() == 1


def test_it_refuses_to_accept_into_an_ended_quarter(rep, leader, ended_quarter, submit):
    request = submit(rep)
    with pytest.raises(ValidationError, match="has ended"):
        services.request_accept(actor=leader, request=request, quarter=ended_quarter)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert not RankEvent.objects.exists()


def test_it_lets_only_sales_leaders_triage(rep, pm, quarter, submit):
    request = submit(rep)
    keep = submit(rep, title="Keep")
    for actor in (rep, pm):
        with pytest.raises(PermissionDenied):
            services.request_accept(actor=actor, request=request, quarter=quarter)
        with pytest.raises(PermissionDenied):
            services.request_decline_by_sales(actor=actor, request=request, reason="no")
        with pytest.raises(PermissionDenied):
            services.request_merge(actor=actor, duplicate=request, keep=keep)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_it_declines_with_a_reason_only(rep, leader, submit):
    request = submit(rep)
    with pytest.raises(ValidationError, match="Say why"):
        services.request_decline_by_sales(actor=leader, request=request, reason="   ")
    services.request_decline_by_sales(actor=leader, request=request, reason="Out of scope.")
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (Status.DECLINED_BY_SALES, "Out of scope.")
    change = request.status_changes.last()
    assert (change.from_status, change.to_status, change.note) == (
        Status.SUBMITTED,
        Status.DECLINED_BY_SALES,
        "Out of scope.",
    )
    with pytest.raises(ValidationError):
        services.request_decline_by_sales(actor=leader, request=request, reason="Again")


def test_it_merges_a_duplicate_moving_its_deals_and_comments(rep, leader, pm, acme, deal, submit):
    shared = deal
    extra = Deal.objects.create(customer=acme, name="Expansion", amount=30_000, owner=rep)
    keep = submit(rep, title="Keep", deal_links=[(shared, "important")])
    duplicate = submit(rep, title="Duplicate", deal_links=[(shared, "blocker"), (extra, "blocker")])
    services.comment_add(actor=pm, request=duplicate, body="Same as the other one?")

    assert services.request_merge(actor=leader, duplicate=duplicate, keep=keep) == keep
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.MERGED, keep)
    assert sorted(keep.deal_links.values_list("deal__name", "criticality")) == [
        ("Expansion", "blocker"),
        ("Renewal", "important"),  # the kept request already had it: not moved, not doubled
    ]
    assert list(keep.comments.values_list("body", flat=True)) == ["Same as the other one?"]
    assert not duplicate.comments.exists()
    change = duplicate.status_changes.last()
    assert (change.to_status, change.actor) == (Status.MERGED, leader)
    assert f"#{keep.pk}" in change.note and "Keep" in change.note


def test_it_refuses_merges_that_make_no_sense(rep, leader, quarter, submit):
    duplicate = submit(rep, title="Duplicate")
    declined = submit(rep, title="Declined")
    services.request_decline_by_sales(actor=leader, request=declined, reason="No")
    with pytest.raises(ValidationError, match="into itself"):
        services.request_merge(actor=leader, duplicate=duplicate, keep=duplicate)
    with pytest.raises(ValidationError, match="still open"):
        services.request_merge(actor=leader, duplicate=duplicate, keep=declined)
    ranked_one = submit(rep, title="Ranked")
    services.request_accept(actor=leader, request=ranked_one, quarter=quarter)
    with pytest.raises(ValidationError, match="cannot be merged"):
        services.request_merge(actor=leader, duplicate=ranked_one, keep=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.SUBMITTED
    assert not StatusChange.objects.filter(to_status=Status.MERGED).exists()


@pytest.mark.parametrize("points", [0, 1001, -5, True, "8", 2.5])
def test_it_refuses_estimates_out_of_range(rep, pm, points, submit):
    request = submit(rep)
    with pytest.raises(ValidationError):
        services.request_estimate(actor=pm, request=request, points=points)
    request.refresh_from_db()
    assert request.estimate_points is None
    assert not Estimate.objects.exists()


def test_it_estimates_only_submitted_and_ranked_requests(rep, leader, pm, submit):
    request = submit(rep)
    services.request_estimate(actor=pm, request=request, points=1)
    services.request_estimate(actor=pm, request=request, points=1000)
    services.request_decline_by_sales(actor=leader, request=request, reason="No")
    with pytest.raises(ValidationError, match="declined by sales"):
        services.request_estimate(actor=pm, request=request, points=5)
    assert list(request.estimates.values_list("points", flat=True)) == [1, 1000]


def test_it_lets_only_product_managers_estimate(rep, leader, submit):
    request = submit(rep)
    for actor in (rep, leader):
        with pytest.raises(PermissionDenied):
            services.request_estimate(actor=actor, request=request, points=5)
    assert not Estimate.objects.exists()
    assert not RequestDeal.objects.exists()
