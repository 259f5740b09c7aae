"""`/forcerank` over HTTP: signed by Slack exactly as Slack signs, acknowledged at once, and
answered at the command's response_url from the task queued after the answer."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.slack_app.conftest import signed_headers

pytestmark = pytest.mark.django_db

URL = "/slack/commands/"


def command_body(slack, text: str, *, user_id: str = "U_LEADER") -> str:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T1",
            "command": "/forcerank",
            "text": text,
            "user_id": user_id,
            "response_url": slack.response_url(),
            "trigger_id": "1.2.3",
        }
    )


def post(client, body: str, **headers):
    return client.post(URL, data=body, content_type="application/x-www-form-urlencoded", **headers)


@pytest.fixture
def people(slack, cast):
    slack.add_user("U_LEADER", cast[Role.SALES_LEADER].email.upper())  # any case
    slack.add_user("U_REP", cast[Role.SALES_REP].email)
    slack.add_user("U_STRANGER", "nobody@elsewhere.test")
    return cast


def ask(client, slack, django_capture_on_commit_callbacks, text: str, user_id: str = "U_LEADER"):
    """Send the command; returns (the immediate answer, what reached the response_url)."""
    body = command_body(slack, text, user_id=user_id)
    with django_capture_on_commit_callbacks() as queued:
        response = post(client, body, **signed_headers(body))
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": "Working on it…"}
    assert slack.responses == []  # acknowledged before anything is worked out
    for send in queued:
        send()  # the queue (eager here) runs the task
    return response, slack.wait_for_response()


def test_it_refuses_a_bad_signature(client, slack, people):
    body = command_body(slack, "top")
    response = post(client, body, **signed_headers(body, secret="not-the-secret"))
    assert response.status_code == 401
    assert slack.calls == []


def test_it_refuses_a_body_changed_after_signing(client, slack, people):
    body = command_body(slack, "top")
    headers = signed_headers(body)
    response = post(client, command_body(slack, "budget"), **headers)
    assert response.status_code == 401


def test_it_refuses_a_stale_timestamp(client, slack, people):
    body = command_body(slack, "top")
    response = post(client, body, **signed_headers(body, timestamp=int(time.time()) - 600))
    assert response.status_code == 401


def test_it_refuses_an_unsigned_request(client, slack, people):
    assert post(client, command_body(slack, "top")).status_code == 401


def test_it_refuses_everything_without_a_signing_secret(client, slack, people, settings):
    settings.SLACK_SIGNING_SECRET = ""
    body = command_body(slack, "top")
    assert post(client, body, **signed_headers(body)).status_code == 401


def test_it_answers_top_with_the_board_above_the_cut_line(
    client, slack, people, rank, quarter, django_capture_on_commit_callbacks
):
    rank("Audit log", 20)
    rank("SAML", 15)
    rank("Dark mode", 30)  # 65 > 40: below the line
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "top")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(
        f"{quarter.label}: 2 requests above the cut line, 40 of 40 points remaining."
    )
    shown = "\n".join(block["text"]["text"] for block in reply["blocks"] if "text" in block)
    assert "Audit log" in shown and "SAML" in shown
    assert "Dark mode" not in shown
    assert "https://forcerank.test/requests/" in shown


def test_it_answers_a_rep_too_as_the_pages_do(
    client, slack, people, rank, quarter, django_capture_on_commit_callbacks
):
    rank("Audit log", 20)
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "top", user_id="U_REP")
    assert "1 request above the cut line" in reply["text"]


def test_it_answers_where_a_request_stands(
    client, slack, people, rank, quarter, django_capture_on_commit_callbacks
):
    rank("Audit log", 20)
    below = rank("Dark mode", 30)
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, f"request {below.pk}")
    assert reply["text"] == (
        f"#{below.pk} “Dark mode”: Ranked in {quarter.label} at #2 of 2, below the cut line "
        "(50 cumulative of 40 remaining points)."
    )


def test_it_answers_the_budget(
    client, slack, people, rank, quarter, django_capture_on_commit_callbacks
):
    from commitments.services import commitment_approve

    commitment_approve(actor=people[Role.PRODUCT_LEADER], request=rank("SSO", 12))
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "budget")
    assert reply["text"] == (
        f"{quarter.label} sales budget: 28 of 40 points remaining; 12 committed, 0 in change costs."
    )


@pytest.mark.parametrize("text", ["", "hello", "request", "request abc", "request 1 2"])
def test_it_answers_help_to_what_it_does_not_know(
    client, slack, people, text, django_capture_on_commit_callbacks
):
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, text)
    assert reply["text"].startswith("Try `/forcerank top`")


def test_it_says_when_a_request_does_not_exist(
    client, slack, people, django_capture_on_commit_callbacks
):
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "request 999999")
    assert reply["text"].startswith("There is no request #999999.")


@pytest.mark.parametrize("user_id", ["U_STRANGER", "U_GHOST"])  # no account; unknown to Slack
def test_it_tells_an_unknown_slack_user_how_to_link(
    client, slack, people, user_id, django_capture_on_commit_callbacks
):
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "top", user_id=user_id)
    assert "Forcerank does not know you yet" in reply["text"]
    assert "https://forcerank.test" + reverse("slack_app:me") in reply["text"]


def test_it_does_not_answer_a_deactivated_person(
    client, slack, people, django_capture_on_commit_callbacks
):
    rep = people[Role.SALES_REP]
    rep.is_active = False
    rep.save()
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "budget", user_id="U_REP")
    assert "Forcerank does not know you yet" in reply["text"]


def test_it_knows_a_linked_person_without_asking_slack(
    client, slack, people, quarter, django_capture_on_commit_callbacks
):
    from slack_app.models import SlackLink

    SlackLink.objects.create(user=people[Role.PRODUCT_MANAGER], slack_user_id="U_LINKED")
    _, reply = ask(client, slack, django_capture_on_commit_callbacks, "budget", user_id="U_LINKED")
    assert "sales budget" in reply["text"]
    assert [method for method, _ in slack.calls] == []
