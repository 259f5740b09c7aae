"""End to end with the real Celery worker and Redis: a signed slash command is acknowledged
at once and the worker's answer reaches the response_url."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from accounts.models import Role
from tests.slack_app.conftest import signed_headers


@pytest.mark.celery_worker
def test_it_answers_a_slash_command_from_the_worker(celery_worker, client, slack, cast, rank):
    rank("Audit log", 20)
    slack.add_user("U_LEADER", cast[Role.SALES_LEADER].email)
    body = urlencode(
        {
            "command": "/forcerank",
            "text": "top",
            "user_id": "U_LEADER",
            "response_url": slack.response_url(),
        }
    )
    started = time.monotonic()
    response = client.post(
        "/slack/commands/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        **signed_headers(body),
    )
    acknowledged = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["text"] == "Working on it…"
    assert acknowledged < 3  # Slack's limit; the work is the worker's

    reply = slack.wait_for_response(timeout=30)
    assert "1 request above the cut line" in reply["text"]
    assert "Audit log" in reply["text"]
