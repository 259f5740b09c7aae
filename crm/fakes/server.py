"""A small threaded HTTP server on 127.0.0.1 that a fake CRM plugs its routes into, with
faults a test can queue: "answer the next 2 requests to /crm/v3/objects/deals/search with
429 and Retry-After: 1", "answer the next one with malformed JSON", "drop the connection"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    path_prefix: str
    answer: Answer
    times: int = 1
    method: str = ""  # "" = any


Route = Callable[[Request], Answer]


class FakeServer:
    """Subclasses fill `routes` ((method, path prefix) → handler; the longest prefix wins)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.faults: list[Fault] = []
        self.requests: list[Request] = []  # every request received, in order
        self.delay = 0.0  # seconds before each answer: a slow CRM
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Running --------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        handler = self._handler_class()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # Faults ---------------------------------------------------------------------------

    def fail(
        self,
        path_prefix: str,
        status: int,
        body: Any = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        method: str = "",
    ) -> None:
        """Answer the next `times` requests under `path_prefix` with this instead."""
        with self.lock:
            answer = Answer(status, body, headers or {})
            self.faults.append(Fault(path_prefix, answer, times, method))

    def requests_to(self, path_prefix: str, method: str = "") -> list[Request]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (not method or r.method == method)
            ]

    # Dispatch -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Answer:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.requests.append(request)
            for fault in self.faults:
                if request.path.startswith(fault.path_prefix) and fault.method in (
                    "",
                    request.method,
                ):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault.answer
            matches = [
                (prefix, route)
                for (method, prefix), route in self.routes.items()
                if method == request.method and request.path.startswith(prefix)
            ]
            if not matches:
                return Answer(404, {"message": f"No route for {request.method} {request.path}"})
            _, route = max(matches, key=lambda match: len(match[0]))
            return route(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                answer = fake.dispatch(request)
                if isinstance(answer.body, bytes):
                    payload = answer.body
                elif answer.body is None:
                    payload = b""
                else:
                    payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json;charset=UTF-8", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
