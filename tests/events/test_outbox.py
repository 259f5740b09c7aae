"""The outbox: an event exists exactly when its change committed, and each subscriber gets it
once, whether it is delivered at commit, by the sweep, twice, or after a subscriber failed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, Role
from events import registry
from events.dispatch import MAX_ATTEMPTS, event_dispatch, events_pending
from events.kinds import Kind
from events.models import Delivery, Event
from events.services import publish
from feature_requests import services
from feature_requests.models import FeatureRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch) -> list[int]:
    """A subscriber of `settings.changed` that records the events it handles."""
    calls: list[int] = []

    def listener(event: Event) -> None:
        calls.append(event.pk)

    monkeypatch.setitem(
        registry._subscribers,
        "tests.listener",
        registry.Subscriber("tests.listener", frozenset({Kind.SETTINGS_CHANGED}), listener),
    )
    return calls


def test_it_keeps_no_event_of_a_change_that_rolled_back(heard, deliver_events):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(Kind.SETTINGS_CHANGED, payload={"changes": {}})
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert deliver_events() == 0
    assert heard == []


def test_it_delivers_an_event_once_however_often_it_is_dispatched(heard, deliver_events):
    event = publish(Kind.SETTINGS_CHANGED, payload={"changes": {}})
    assert event_dispatch(event_id=event.pk) is True
    assert event_dispatch(event_id=event.pk) is True
    assert deliver_events() == 0  # nothing left for the sweep
    assert heard == [event.pk]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert list(Delivery.objects.values_list("subscriber", flat=True)) == ["tests.listener"]


def test_it_leaves_fresh_events_to_the_task_queued_at_commit(heard):
    event = publish(Kind.SETTINGS_CHANGED)
    assert events_pending() == []  # within the sweep's grace period
    later = timezone.now() + dt.timedelta(minutes=1)
    assert events_pending(now=later) == [event.pk]


def test_it_retries_a_failed_subscriber_without_repeating_the_others(
    monkeypatch, heard, deliver_events
):
    failures = ["the SMTP server is down"]

    def flaky(event: Event) -> None:
        if failures:
            raise OSError(failures.pop())

    monkeypatch.setitem(
        registry._subscribers,
        "tests.flaky",
        registry.Subscriber("tests.flaky", frozenset({Kind.SETTINGS_CHANGED}), flaky),
    )
    event = publish(Kind.SETTINGS_CHANGED)
    assert event_dispatch(event_id=event.pk) is False
    event.refresh_from_db()
    assert (event.dispatched_at, event.attempts) == (None, 1)
    assert "the SMTP server is down" in event.last_error
    assert heard == [event.pk]  # the healthy subscriber got it

    assert deliver_events() == 1  # the sweep, once the SMTP server is back
    assert heard == [event.pk]  # not twice
    assert Delivery.objects.filter(event=event).count() == 2


def test_it_stops_retrying_after_too_many_failures(monkeypatch, deliver_events):
    def broken(event: Event) -> None:
        raise ValueError("a bug")

    monkeypatch.setitem(
        registry._subscribers,
        "tests.broken",
        registry.Subscriber("tests.broken", frozenset({Kind.SETTINGS_CHANGED}), broken),
    )
    event = publish(Kind.SETTINGS_CHANGED)
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_events()
    event.refresh_from_db()
    assert event.attempts == MAX_ATTEMPTS  # then it waits for a person (the admin shows it)
    assert event.dispatched_at is None


def test_it_refuses_two_subscribers_of_one_name(monkeypatch):
    monkeypatch.setattr(registry, "_subscribers", {})
    registry.subscribe(Kind.SETTINGS_CHANGED, name="one")(lambda event: None)
    with pytest.raises(ValueError, match="Two event subscribers are named 'one'"):
        registry.subscribe(Kind.SETTINGS_CHANGED, name="one")(lambda event: None)


def test_it_tells_the_rep_once_when_the_accept_is_delivered_twice(cast, quarter, deliver_events):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    request = services.request_submit(
        actor=rep, title="Audit log", problem="No audit trail.", quarter=quarter, deal_links=[]
    )
    services.request_accept(actor=leader, request=request, quarter=quarter)
    accepted = Event.objects.get(kind=Kind.REQUEST_ACCEPTED)
    assert (accepted.request_id, accepted.quarter_id, accepted.actor) == (
        request.pk,
        quarter.pk,
        leader,
    )
    assert accepted.payload["position"] == 1
    event_dispatch(event_id=accepted.pk)
    deliver_events()
    event_dispatch(event_id=accepted.pk)
    assert Notification.objects.filter(user=rep, message__contains="was accepted").count() == 1


def test_every_status_change_publishes_its_event(cast, quarter):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    keep = services.request_submit(
        actor=rep, title="Keep", problem="p", quarter=quarter, deal_links=[]
    )
    duplicate = services.request_submit(
        actor=rep, title="Duplicate", problem="p", quarter=quarter, deal_links=[]
    )
    services.request_merge(actor=leader, duplicate=duplicate, keep=keep)
    services.request_decline_by_sales(actor=leader, request=keep, reason="Not now.")
    kinds = list(Event.objects.values_list("kind", "request_id"))
    assert kinds == [
        (Kind.REQUEST_SUBMITTED, keep.pk),
        (Kind.REQUEST_SUBMITTED, duplicate.pk),
        (Kind.REQUEST_MERGED, duplicate.pk),
        (Kind.REQUEST_DECLINED_BY_SALES, keep.pk),
    ]
    history = [
        (change.from_status, change.to_status)
        for change in FeatureRequest.objects.get(pk=duplicate.pk).status_changes.all()
    ]
    assert history == [("", "submitted"), ("submitted", "merged")]
