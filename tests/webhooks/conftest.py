"""A real webhook receiver on 127.0.0.1, and an endpoint registered for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import Role


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """Records every request; answers `fail_status` to the next `failures` ones, then 200.

    Like a receiver that follows the Standard Webhooks advice, it processes a message once
    however many times it arrives: `processed` holds each webhook-id it acted on.
    """

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    failures: int = 0
    fail_status: int = 500
    answer_body: bytes = b"thanks"
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer_delay: float = 0.0  # seconds before answering: a slow receiver
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, count: int, status: int = 500) -> None:
        self.failures, self.fail_status = count, status

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            if self.failures:
                self.failures -= 1
                status = self.fail_status
            else:
                status = 200
                message_id = headers.get("webhook-id", "")
                if message_id not in self.processed:
                    self.processed.append(message_id)
            self.requests.append(Received(headers, body, status))
            return status

    @property
    def ids(self) -> list[str]:
        return [received.headers.get("webhook-id", "") for received in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver served from a thread on 127.0.0.1 for the test."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = state.handle(headers, body)
            time.sleep(state.answer_delay)
            self.send_response(status)
            for name, value in state.answer_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(state.answer_body)))
            self.end_headers()
            self.wfile.write(state.answer_body)

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/forcerank"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(autouse=True)
def private_urls_allowed(settings) -> None:
    """The receiver is on 127.0.0.1: allowed, as for tests and on-premise receivers. The
    tests of the SSRF refusal turn it off."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def admin(cast):
    return cast[Role.ADMIN]


@pytest.fixture
def endpoint(admin, receiver):
    """A webhook for the receiver, of the request kinds."""
    from webhooks.services import endpoint_create

    return endpoint_create(
        actor=admin,
        url=receiver.url,
        description="Tests",
        kinds=["request.submitted", "request.accepted", "estimate.changed"],
    )


@pytest.fixture
def submit(cast, quarter):
    """Submit a request as the cast's rep (the real service): it publishes request.submitted."""
    from feature_requests.services import request_submit

    def make(title: str = "Audit log"):
        return request_submit(
            actor=cast[Role.SALES_REP],
            title=title,
            problem="Auditors need a trail.",
            quarter=quarter,
            deal_links=[],
        )

    return make
