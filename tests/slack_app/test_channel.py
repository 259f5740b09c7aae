"""Leadership events reach the chosen channel once, from real domain services through the
outbox, by the real slack_sdk client to the fake Web API; Slack's refusals are retried."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from commitments.models import Commitment
from commitments.services import commitment_approve, commitment_drop
from events.kinds import Kind
from events.models import Event
from feature_requests.ranking import ranking_move, ranking_version
from slack_app.models import SlackMessage, SlackSettings
from slack_app.services import slack_message_send, slack_messages_due
from slack_app.subscribers import post_to_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(slack, rank, deliver):
    """A request ranked (above the line, a crossing posted), the channel's posts cleared."""

    def make(title: str, points: int):
        request = rank(title, points)
        deliver()
        slack.calls.clear()
        SlackMessage.objects.all().delete()
        return request

    return make


def texts(slack) -> list[str]:
    return [call["text"] for call in slack.posted()]


def test_it_posts_a_commitment_once_even_when_delivered_twice(
    slack, channel, cast, ranked, quarter, deliver, django_capture_on_commit_callbacks
):
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=ranked("SSO", 8))
    deliver()
    assert texts(slack) == [f"“SSO” was committed in {quarter.label} (8 points)."]
    assert slack.posted()[0]["channel"] == "C100"
    assert "Paula Leader" in slack.posted()[0]["blocks"][0]["text"]["text"]

    # The outbox offers the event again (a second task, the sweep racing it).
    event = Event.objects.get(kind=Kind.COMMITMENT_APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        post_to_channel(event)
    deliver()
    assert len(slack.posted()) == 1
    message = SlackMessage.objects.get(event=event)
    assert (message.status, message.attempts) == ("sent", 1)
    assert message.ts.startswith("1700000000.")


def test_it_says_what_a_drop_cost(slack, channel, cast, ranked, quarter, deliver):
    product = cast[Role.PRODUCT_LEADER]
    commitment = commitment_approve(actor=product, request=ranked("SSO", 8))
    Commitment.objects.filter(pk=commitment.pk).update(points_done=4)
    commitment_drop(actor=product, commitment=commitment, reason="Deal lost")
    deliver()
    assert texts(slack)[-1] == (
        f"“SSO” was dropped from {quarter.label}; it cost the sales budget 5 points."
    )
    blocks = slack.posted()[-1]["blocks"]
    assert "(4 sunk + 1 penalty)" in blocks[0]["text"]["text"]
    assert blocks[1]["elements"][0]["text"] == "Reason: Deal lost"


def test_it_posts_a_request_crossing_the_cut_line(slack, channel, cast, ranked, quarter, deliver):
    first = ranked("Audit log", 30)
    second = ranked("Dark mode", 20)  # 50 > 40: below the line
    ranking_move(
        actor=cast[Role.SALES_LEADER],
        quarter=quarter,
        request_id=second.pk,
        after_id=None,
        before_id=first.pk,
        version=ranking_version(quarter),
    )
    deliver()
    assert texts(slack) == [
        f"“Dark mode” crossed above the cut line of {quarter.label} at #1.",
    ]


def test_it_posts_the_weekly_review_agenda_as_blocks(
    slack, channel, cast, ranked, quarter, deliver
):
    from budgets.selectors import company_today
    from reviews.models import WeeklyReview
    from reviews.services import review_generate, week_start_for

    ranked("Audit log", 12)
    review = WeeklyReview.objects.create(
        quarter=quarter, week_start=week_start_for(company_today())
    )
    review_generate(review_id=review.pk)
    deliver()
    (post,) = slack.posted()
    assert post["text"].startswith(f"Weekly review {quarter.label}, week of ")
    header, budget, decisions, rest, actions = post["blocks"]
    assert header["type"] == "header"
    assert "*Budget:* 40 of 40 points remaining" in budget["text"]["text"]
    assert "1 proposed request awaiting approval" in decisions["text"]["text"]
    assert "Audit log" in decisions["text"]["text"]
    assert "*Ranking changes:* 1 new, 0 moved, 0 removed." in rest["text"]["text"]
    assert actions["elements"][0]["url"] == "https://forcerank.test" + review.get_absolute_url()


def test_it_posts_only_the_kinds_chosen(slack, channel, cast, rank, deliver):
    channel.kinds = [Kind.COMMITMENT_DROPPED]
    channel.save()
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=rank("SSO", 8))
    deliver()
    assert slack.posted() == []


def test_it_posts_nothing_without_a_channel(slack, cast, rank, deliver):
    SlackSettings.load()
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=rank("SSO", 8))
    deliver()
    assert slack.posted() == []
    assert not SlackMessage.objects.exists()


def test_it_posts_nothing_while_slack_is_not_connected(settings, channel, cast, rank, deliver):
    settings.SLACK_BOT_TOKEN = ""
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=rank("SSO", 8))
    deliver()  # and the rest of Forcerank works as before
    assert not SlackMessage.objects.exists()
    assert Commitment.objects.count() == 1


def test_it_waits_as_long_as_slack_asks_when_rate_limited(slack, channel, cast, ranked, deliver):
    request = ranked("SSO", 8)
    slack.fail_next("chat.postMessage", "ratelimited", 429, **{"Retry-After": "30"})
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)
    before = timezone.now()
    deliver()
    message = SlackMessage.objects.get()
    assert (message.status, message.attempts, message.ts) == ("pending", 1, "")
    assert "ratelimited" in message.last_error
    wait = message.next_attempt_at - before
    assert dt.timedelta(seconds=29) < wait < dt.timedelta(seconds=40)
    assert slack_messages_due() == []  # not yet

    later = message.next_attempt_at + dt.timedelta(seconds=1)
    assert slack_messages_due(now=later) == [message.pk]
    slack_message_send(message_id=message.pk, now=later)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(slack.posted()) == 2  # the refused try and the one that went through
    assert slack_messages_due(now=later) == []


def test_it_backs_off_on_slack_errors_and_gives_up_in_the_end(
    slack, channel, cast, ranked, deliver
):
    from slack_app.services import MAX_ATTEMPTS

    request = ranked("SSO", 8)
    for _ in range(MAX_ATTEMPTS):
        slack.fail_next("chat.postMessage", "not_in_channel")
    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)
    deliver()
    message = SlackMessage.objects.get()
    waits = []
    while message.status == "pending":
        waits.append(message.next_attempt_at - timezone.now())
        slack_message_send(message_id=message.pk, now=message.next_attempt_at)
        message.refresh_from_db()
    assert message.status == "failed"
    assert message.attempts == MAX_ATTEMPTS
    assert "not_in_channel" in message.last_error
    assert waits[1] > waits[0] * 1.5  # each wait longer than the one before


def test_the_beat_sweep_sends_what_the_queue_never_sent(
    slack, channel, cast, ranked, deliver_events
):
    from slack_app.tasks import send_due_messages

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=ranked("SSO", 8))
    deliver_events()  # the broker was down: the send was never queued
    assert slack.posted() == []
    assert send_due_messages() == 1
    assert send_due_messages() == 0
    assert len(slack.posted()) == 1
