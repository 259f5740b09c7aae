"""People who link their account and turn DMs on get their notices in Slack, once each;
nobody else does. The page /slack/me/ links by the Forcerank e-mail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Notification, Role
from accounts.notifications import notify
from commitments.services import commitment_approve
from slack_app.models import SlackLink, SlackMessage

pytestmark = pytest.mark.django_db

ME = "/slack/me/"


def opt_in(client, slack, user, slack_user_id: str) -> None:
    slack.add_user(slack_user_id, user.email)
    client.force_login(user)
    assert client.post(ME, {"action": "link"}).status_code == 302
    assert client.post(ME, {"action": "dms_on"}).status_code == 302


def dms(slack) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for call in slack.posted():
        sent.setdefault(call["channel"], []).append(call["text"])
    return sent


def test_it_links_by_e_mail_and_turns_dms_on(client, slack, cast):
    rep = cast[Role.SALES_REP]
    opt_in(client, slack, rep, "U_REP")
    link = SlackLink.objects.get(user=rep)
    assert (link.slack_user_id, link.dms_enabled) == ("U_REP", True)
    page = client.get(ME)
    assert b"DMs are <strong>on</strong>" in page.content
    assert ("users.lookupByEmail", {"email": rep.email}) in slack.calls


def test_it_says_when_no_slack_user_has_the_e_mail(client, slack, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(ME, {"action": "link"}, follow=True)
    assert response.status_code == 400
    assert b"No one in the Slack workspace has the e-mail" in response.content
    assert not SlackLink.objects.exists()


def test_it_says_when_slack_is_not_connected(client, settings, cast):
    settings.SLACK_BOT_TOKEN = ""
    client.force_login(cast[Role.SALES_REP])
    assert b"Slack is not connected to Forcerank yet" in client.get(ME).content
    response = client.post(ME, {"action": "link"})
    assert response.status_code == 400
    assert b"SLACK_BOT_TOKEN is not set" in response.content


def test_it_refuses_dms_before_linking_and_odd_actions(client, slack, cast):
    client.force_login(cast[Role.SALES_REP])
    response = client.post(ME, {"action": "dms_on"})
    assert response.status_code == 400
    assert b"Link your Slack account first." in response.content
    assert client.post(ME, {"action": "explode"}).status_code == 400


def test_it_sends_notices_as_dms_only_to_those_who_opted_in(
    client, slack, cast, rank, quarter, deliver
):
    rep, leader = cast[Role.SALES_REP], cast[Role.SALES_LEADER]
    request = rank("SSO", 8)
    deliver()
    opt_in(client, slack, rep, "U_REP")
    slack.add_user("U_LEADER", leader.email)
    client.force_login(leader)
    client.post(ME, {"action": "link"})  # linked, DMs left off
    slack.calls.clear()

    commitment_approve(actor=cast[Role.PRODUCT_LEADER], request=request)
    deliver()
    notice = Notification.objects.filter(user=rep).latest("id")
    assert dms(slack) == {
        "U_REP": [f"{notice.message} https://forcerank.test{request.get_absolute_url()}"]
    }
    blocks = slack.posted()[0]["blocks"]
    assert "Open in Forcerank" in blocks[0]["text"]["text"]

    # The beat sweep and a second delivery find it sent: once.
    from slack_app.tasks import send_due_messages

    send_due_messages()
    deliver()
    assert len(slack.posted()) == 1
    assert SlackMessage.objects.get().status == "sent"


def test_it_sends_a_notice_saved_on_its_own(
    client, slack, cast, django_capture_on_commit_callbacks
):
    rep = cast[Role.SALES_REP]
    opt_in(client, slack, rep, "U_REP")
    slack.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.create(user=rep, message="Hello <@channel> & co", url="/requests/")
    (call,) = slack.posted()
    assert call["channel"] == "U_REP"
    assert "Hello &lt;@channel&gt; &amp; co" in call["blocks"][0]["text"]["text"]


def test_it_does_not_replay_old_notices_or_send_after_opting_out(
    client, slack, cast, django_capture_on_commit_callbacks
):
    rep = cast[Role.SALES_REP]
    notify(users=[rep], message="Before opting in")
    opt_in(client, slack, rep, "U_REP")
    slack.calls.clear()
    from slack_app.tasks import send_due_messages

    with django_capture_on_commit_callbacks(execute=True):
        send_due_messages()
    assert slack.posted() == []

    client.post(ME, {"action": "dms_off"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[rep], message="After opting out")
        send_due_messages()
    assert slack.posted() == []

    client.post(ME, {"action": "dms_on"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[rep], message="Back on")
        send_due_messages()
    assert [call["text"] for call in slack.posted()] == ["Back on"]


def test_the_page_is_for_everyone_signed_in(client, cast):
    client.force_login(cast[Role.PRODUCT_MANAGER])
    assert client.get(reverse("slack_app:me")).status_code == 200
