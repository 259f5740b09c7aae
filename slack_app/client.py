"""The Slack Web API client, and what its answers and failures mean to a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.error import URLError

from django.conf import settings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

# Seconds to wait for Slack: pages wait on auth.test and conversations.list.
TIMEOUT = 10
# conversations.list pages followed at most (200 channels each), so a page stays quick.
CHANNEL_PAGES = 10

# Slack's error codes people meet when the bot token is wrong, in words.
TOKEN_PROBLEMS = {
    "invalid_auth": "Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN.",
    "not_authed": "Slack got no bot token (not_authed): set SLACK_BOT_TOKEN.",
    "account_inactive": "The bot's Slack account is deactivated (account_inactive).",
    "token_revoked": "The bot token was revoked (token_revoked): reinstall the Slack app.",
    "token_expired": "The bot token has expired (token_expired).",
}


NOT_CONNECTED = "Slack is not connected: SLACK_BOT_TOKEN is not set."


class SlackUnavailable(Exception):
    """Slack is not connected (no token), refused the call, or could not be reached; the
    message says which, for a person."""


def is_connected() -> bool:
    """A bot token is set. Whether Slack accepts it is `connection_status`'s question."""
    return bool(settings.SLACK_BOT_TOKEN)


def web_client() -> WebClient:
    """The Web API client for the bot (SLACK_API_URL: tests point it at a local fake).

    Raises SlackUnavailable without a token."""
    if not is_connected():
        raise SlackUnavailable(NOT_CONNECTED)
    return WebClient(
        token=settings.SLACK_BOT_TOKEN, base_url=settings.SLACK_API_URL, timeout=TIMEOUT
    )


def problem_of(error: Exception) -> str:
    """What went wrong with a Slack call, for a person."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or f"HTTP {error.response.status_code}")
        return TOKEN_PROBLEMS.get(code, f"Slack answered with an error: {code}.")
    if isinstance(error, URLError | OSError):
        return f"Slack could not be reached at {settings.SLACK_API_URL} ({error})."
    return f"Slack could not be reached: {error}."


CALL_ERRORS = (SlackClientError, URLError, OSError)


def ask_slack(call: Callable[[WebClient], SlackResponse], *, absent: str) -> SlackResponse | None:
    """Slack's answer to `call` with the bot's client; None when Slack answers with the error
    code `absent` (no such user). Raises SlackUnavailable for anything else that fails."""
    try:
        return call(web_client())
    except SlackApiError as error:
        if error.response.get("error") == absent:
            return None
        raise SlackUnavailable(problem_of(error)) from error
    except CALL_ERRORS as error:
        raise SlackUnavailable(problem_of(error)) from error


@dataclass
class ConnectionStatus:
    connected: bool
    team: str = ""
    bot_name: str = ""
    problem: str = ""
    channels: list[tuple[str, str]] = field(default_factory=list)  # (id, name)


def connection_status(*, with_channels: bool = False) -> ConnectionStatus:
    """Ask Slack who the bot is (auth.test) and, if asked, the public channels it may post
    to (conversations.list, every page up to CHANNEL_PAGES)."""
    if not is_connected():
        return ConnectionStatus(connected=False, problem=NOT_CONNECTED)
    client = web_client()
    try:
        identity = client.auth_test()
        status = ConnectionStatus(
            connected=True,
            team=str(identity.get("team", "")),
            bot_name=str(identity.get("user", "")),
        )
        if with_channels:
            status.channels = _public_channels(client)
    except CALL_ERRORS as error:
        return ConnectionStatus(connected=False, problem=problem_of(error))
    return status


def _public_channels(client: WebClient) -> list[tuple[str, str]]:
    channels: list[tuple[str, str]] = []
    cursor = ""
    for _ in range(CHANNEL_PAGES):
        page = client.conversations_list(
            types="public_channel", exclude_archived=True, limit=200, cursor=cursor or None
        )
        channels += [(str(c["id"]), str(c["name"])) for c in page.get("channels") or []]
        cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            break
    return sorted(channels, key=lambda channel: channel[1])
