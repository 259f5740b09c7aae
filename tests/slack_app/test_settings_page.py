"""The admin's Slack page: connected or not and why, the leadership channel from Slack's
list (every page of it), the kinds, a test message, and the recent messages."""

from __future__ import annotations

import pytest

from accounts.models import Role
from events.kinds import Kind
from slack_app.models import SlackMessage, SlackSettings

pytestmark = pytest.mark.django_db

PAGE = "/integrations/slack/"
TEST = "/integrations/slack/test/"


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast[Role.ADMIN])
    return client


def test_it_says_slack_is_not_connected_without_a_token(admin_client, settings):
    settings.SLACK_BOT_TOKEN = ""
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    assert b"Not connected. Slack is not connected: SLACK_BOT_TOKEN is not set." in response.content
    assert b"/slack/commands/" in response.content


def test_it_says_when_slack_refuses_the_token(admin_client, slack, settings):
    settings.SLACK_BOT_TOKEN = "xoxb-revoked"
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    assert b"Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN." in response.content
    assert b"Leadership channel" not in response.content


def test_it_says_when_slack_got_no_token(admin_client, slack):
    slack.fail_next("auth.test", "not_authed")
    assert b"Slack got no bot token (not_authed)" in admin_client.get(PAGE).content


def test_it_says_when_slack_cannot_be_reached(admin_client, slack, settings):
    settings.SLACK_API_URL = "http://127.0.0.1:9/api/"
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    assert b"Slack could not be reached at http://127.0.0.1:9/api/" in response.content


def test_it_shows_the_workspace_and_every_public_channel(admin_client, slack):
    response = admin_client.get(PAGE)
    content = response.content.decode()
    assert "Connected to the <strong>Acme</strong> workspace as <strong>forcerank-bot</strong>" in (
        content
    )
    for name in ("#general", "#leadership", "#sales"):  # #sales is on the second page
        assert name in content
    cursors = [
        params.get("cursor") for method, params in slack.calls if method == "conversations.list"
    ]
    assert cursors == [None, "page-2"]


def test_it_saves_the_channel_and_kinds_then_sends_a_test_message(
    admin_client, slack, cast, django_capture_on_commit_callbacks
):
    response = admin_client.post(
        PAGE, {"channel": "C300", "kinds": [Kind.COMMITMENT_DROPPED, Kind.REVIEW_READY]}
    )
    assert response.status_code == 302
    config = SlackSettings.load()
    assert (config.channel_id, config.channel_name) == ("C300", "sales")
    assert config.kinds == [Kind.COMMITMENT_DROPPED, Kind.REVIEW_READY]
    assert config.updated_by == cast[Role.ADMIN]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(TEST, follow=True)
    assert b"A test message is on its way" in response.content
    (call,) = slack.posted()
    assert call["channel"] == "C300"
    assert call["text"] == "Forcerank is connected: Ada Admin sent this test message."
    page = admin_client.get(PAGE).content.decode()
    assert "Sent" in page and "<code>C300</code>" in page


def test_it_refuses_a_channel_slack_did_not_list(admin_client, slack):
    response = admin_client.post(PAGE, {"channel": "C999", "kinds": []})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert SlackSettings.load().channel_id == ""


def test_it_refuses_a_test_message_without_a_channel(admin_client, slack):
    response = admin_client.post(TEST, follow=True)
    assert b"Choose the leadership channel first." in response.content
    assert slack.posted() == []


def test_it_lists_the_recent_messages_in_a_constant_number_of_queries(
    admin_client, slack, django_assert_num_queries
):
    def page_with(count: int) -> int:
        SlackMessage.objects.all().delete()
        SlackMessage.objects.bulk_create(
            SlackMessage(target="C100", kind="test", text=f"m{n}", last_error="rate <limited>")
            for n in range(count)
        )
        with django_assert_num_queries(5) as captured:
            response = admin_client.get(PAGE)
        assert response.content.count(b'data-testid="slack-message"') == count
        assert b"rate &lt;limited&gt;" in response.content
        return len(captured)

    assert page_with(1) == page_with(12)
