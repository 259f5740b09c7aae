"""A fake Slack for the Slack app's tests: its Web API and a response_url endpoint, served
by a real HTTP server on 127.0.0.1 in a thread; `slack_sdk` talks to it for real (the
SLACK_API_URL setting points there). Slash commands are signed exactly as Slack signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

BOT_TOKEN = "xoxb-tests-only"
SIGNING_SECRET = "tests-only-signing-secret"


class FakeSlack:
    """What the fake answers, and what it was sent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api_url = f"{url}/api/"
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.responses: list[dict[str, Any]] = []  # what reached a response_url
        self.users: dict[str, str] = {}  # Slack user id -> e-mail
        # Errors for the next calls of a method: (Slack error code, HTTP status, headers).
        self.failures: dict[str, list[tuple[str, int, dict[str, str]]]] = {}
        self.channels = [("C100", "leadership"), ("C200", "general"), ("C300", "sales")]
        self.lock = threading.Lock()
        self._ts = 0

    def add_user(self, slack_user_id: str, email: str) -> None:
        self.users[slack_user_id] = email

    def fail_next(self, method: str, error: str, status: int = 200, **headers: str) -> None:
        self.failures.setdefault(method, []).append((error, status, headers))

    def posted(self) -> list[dict[str, Any]]:
        """The chat.postMessage calls, in order."""
        return [params for method, params in self.calls if method == "chat.postMessage"]

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def wait_for_response(self, timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.responses:
                return self.responses[0]
            time.sleep(0.05)
        raise AssertionError("No answer reached the response_url")

    # The Web API ---------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any], token: str) -> tuple[int, dict, dict]:
        with self.lock:
            self.calls.append((method, params))
            queued = self.failures.get(method)
            if queued:
                error, status, headers = queued.pop(0)
                return status, {"ok": False, "error": error}, headers
        if token != BOT_TOKEN:
            return 200, {"ok": False, "error": "invalid_auth" if token else "not_authed"}, {}
        if method == "auth.test":
            return 200, {"ok": True, "team": "Acme", "user": "forcerank-bot", "team_id": "T1"}, {}
        if method == "conversations.list":
            # Two pages, as Slack paginates: the cursor leads to the second.
            first = params.get("cursor") != "page-2"
            channels = self.channels[:2] if first else self.channels[2:]
            return (
                200,
                {
                    "ok": True,
                    "channels": [{"id": cid, "name": name} for cid, name in channels],
                    "response_metadata": {"next_cursor": "page-2" if first else ""},
                },
                {},
            )
        if method == "users.lookupByEmail":
            for user_id, email in self.users.items():
                if email.lower() == str(params.get("email", "")).lower():
                    return 200, {"ok": True, "user": {"id": user_id}}, {}
            return 200, {"ok": False, "error": "users_not_found"}, {}
        if method == "users.info":
            email = self.users.get(str(params.get("user")))
            if email is None:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            return (
                200,
                {"ok": True, "user": {"id": params["user"], "profile": {"email": email}}},
                {},
            )
        if method == "chat.postMessage":
            with self.lock:
                self._ts += 1
                ts = f"1700000000.{self._ts:06d}"
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _params(self) -> dict[str, Any]:
            query = urlsplit(self.path).query
            params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if body:
                if "json" in (self.headers.get("Content-Type") or ""):
                    params |= json.loads(body)
                else:
                    params |= {k: v[0] for k, v in parse_qs(body.decode()).items()}
            return params

        def _send(self, status: int, body: dict, headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> None:
            path = urlsplit(self.path).path
            params = self._params()
            if path.startswith("/response/"):
                with fake.lock:
                    fake.responses.append(params)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                return
            method = path.removeprefix("/api/")
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            self._send(*fake.answer(method, params, token))

        do_GET = _route
        do_POST = _route

    return Handler


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_port}"
    fake.api_url = f"{fake.url}/api/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def slack(settings, fake_slack) -> FakeSlack:
    """Slack connected: a bot token and signing secret, the Web API at the fake."""
    settings.SLACK_BOT_TOKEN = BOT_TOKEN
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_API_URL = fake_slack.api_url
    settings.SITE_URL = "https://forcerank.test"
    return fake_slack


def signed_headers(
    body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict:
    """The headers Slack sends: v0=HMAC-SHA256 of `v0:{timestamp}:{body}` with the secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp, "HTTP_X_SLACK_SIGNATURE": f"v0={digest}"}


@pytest.fixture
def channel(db):
    """The leadership channel chosen, with every kind of event."""
    from slack_app.models import CHANNEL_KINDS, SlackSettings

    config = SlackSettings.load()
    config.channel_id = "C100"
    config.channel_name = "leadership"
    config.kinds = [kind for kind, _ in CHANNEL_KINDS]
    config.save()
    return config


@pytest.fixture
def deliver(deliver_events, django_capture_on_commit_callbacks):
    """Deliver the events, then run what their deliveries queued (the sends, eagerly)."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            deliver_events()

    return run
