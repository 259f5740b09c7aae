"""Who hears about triage: the rep when their request is ranked, estimated or declined, the
rep's manager when it is submitted, PMs when a ranked request still needs an estimate.

Notices come from the event outbox after the change commits; `deliver_events` does here what
the task queued at commit does in production."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification, Role
from feature_requests import services
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranking_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(rep, quarter):
    return services.request_submit(
        actor=rep,
        title="Bulk export",
        problem="They cannot export.",
        quarter=quarter,
        deal_links=[],
    )


def messages_for(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user).values_list("message", "url"))


def test_it_tells_the_rep_where_their_request_was_ranked(
    rep, leader, quarter, request_, deliver_events
):
    earlier = FeatureRequest.objects.create(title="Earlier", problem="p", submitted_by=leader)
    ranking_append(quarter=quarter, request=earlier, actor=leader)

    services.request_accept(actor=leader, request=request_, quarter=quarter)
    deliver_events()
    assert messages_for(rep) == [
        (
            f"“Bulk export” was accepted into {quarter.label}'s ranking at #2.",
            f"/requests/{request_.pk}/",
        )
    ]


def test_it_asks_every_active_pm_for_an_estimate(
    rep, leader, pm, quarter, request_, make_user, deliver_events
):
    other_pm = make_user(Role.PRODUCT_MANAGER)
    gone_pm = make_user(Role.PRODUCT_MANAGER, is_active=False)
    services.request_accept(actor=leader, request=request_, quarter=quarter)
    deliver_events()
    expected = [
        (
            f"“Bulk export” needs an estimate: it is ranked in {quarter.label}.",
            request_.get_absolute_url(),
        )
    ]
    assert messages_for(pm) == expected
    assert messages_for(other_pm) == expected
    assert messages_for(gone_pm) == []
    # Nobody else is asked for an estimate.
    assert Notification.objects.filter(message__contains="needs an estimate").count() == 2


def test_it_does_not_ask_for_an_estimate_it_already_has(
    rep, leader, pm, quarter, request_, deliver_events
):
    services.request_estimate(actor=pm, request=request_, points=8)
    services.request_accept(actor=leader, request=request_, quarter=quarter)
    deliver_events()
    assert messages_for(pm) == []
    assert [message for message, _ in messages_for(rep)] == [
        f"“Bulk export” was accepted into {quarter.label}'s ranking at #1.",
        "“Bulk export” is estimated at 8 story points.",
    ]


def test_it_tells_the_reps_manager_about_a_new_request(rep, leader, request_, deliver_events):
    deliver_events()
    assert messages_for(leader) == [
        (
            f"{rep.full_name} submitted “Bulk export”: it waits in your triage.",
            request_.get_absolute_url(),
        )
    ]


def test_it_tells_the_rep_why_their_request_was_declined(rep, leader, pm, request_, deliver_events):
    services.request_decline_by_sales(
        actor=leader, request=request_, reason="  Acme is churning anyway.  "
    )
    deliver_events()
    assert messages_for(rep) == [
        ("Lee Leader declined “Bulk export”: Acme is churning anyway.", f"/requests/{request_.pk}/")
    ]
    assert messages_for(pm) == []


def test_it_emails_the_news_after_the_commit(
    rep, leader, pm, quarter, request_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.request_accept(actor=leader, request=request_, quarter=quarter)
    assert sorted(email.to[0] for email in mail.outbox) == sorted([rep.email, pm.email])


def test_it_tells_nobody_when_triage_is_refused(rep, leader, pm, quarter, request_, deliver_events):
    services.request_decline_by_sales(actor=leader, request=request_, reason="No.")
    deliver_events()
    Notification.objects.all().delete()

    with pytest.raises(ValidationError):
        services.request_accept(actor=leader, request=request_, quarter=quarter)
    with pytest.raises(ValidationError):
        services.request_decline_by_sales(actor=leader, request=request_, reason="Again.")
    assert deliver_events() == 0
    assert not Notification.objects.exists()


def test_it_tells_nobody_when_the_role_may_not_triage(rep, pm, quarter, request_, deliver_events):
    deliver_events()
    Notification.objects.all().delete()
    with pytest.raises(PermissionDenied):
        services.request_accept(actor=rep, request=request_, quarter=quarter)
    with pytest.raises(PermissionDenied):
        services.request_decline_by_sales(actor=pm, request=request_, reason="No.")
    assert deliver_events() == 0
    assert not Notification.objects.exists()


def test_it_tells_nobody_about_a_decline_without_a_reason(rep, leader, request_, deliver_events):
    deliver_events()
    Notification.objects.all().delete()
    with pytest.raises(ValidationError):
        services.request_decline_by_sales(actor=leader, request=request_, reason="   ")
    assert deliver_events() == 0
    assert not Notification.objects.exists()


def test_it_shows_the_news_to_the_rep_in_the_app(
    client, rep, leader, quarter, request_, deliver_events
):
    services.request_accept(actor=leader, request=request_, quarter=quarter)
    deliver_events()
    client.force_login(rep)
    html = client.get("/accounts/notifications/").text
    assert f'<a href="/requests/{request_.pk}/">“Bulk export” was accepted into' in html
    assert 'Notifications (1<span class="visually-hidden"> unread</span>)' in html
