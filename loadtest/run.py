"""HTTP load test: `make loadtest` (README "Load test").

Sets up a throwaway deployment on this machine: a fresh PostgreSQL database
(`forcerank_loadtest`), Redis db 14 as the Celery broker, the demo company plus 500 ranked
requests (`seed_demo`, `seed_loadtest`), gunicorn with production settings and a Celery
worker, all on 127.0.0.1. Then virtual users log in through the login page and, for
LOADTEST_SECONDS (default 60), each sends its next request as soon as the last one answered:

- sales leaders read the board, move a request on it, search;
- product leaders read the decision queue, the board, search.

It prints requests, errors, req/s and p50/p95/p99 per endpoint (`--json`: one JSON object),
stops the server and the worker, and exits 1 if any request failed. A move refused as stale
(409: another leader moved first) is what the board answers under concurrency: counted as a
conflict, not an error; the user then moves on the fresh board that came with the answer.
Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypedDict

import psycopg
import redis
import requests
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DATABASE = "forcerank_loadtest"
# The `forcerank` role (.ci/services) may create databases; it owns the one it creates.
ADMIN_DATABASE_URL = "postgresql://forcerank:forcerank@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://forcerank:forcerank@127.0.0.1:5432/{DATABASE}"
BROKER_URL = "redis://127.0.0.1:6379/14"
SEED_REQUESTS = 500
PASSWORD = "forcerank-demo"  # noqa: S105 - the demo's published password
SALES_LEADERS = ["vp.sales@example.com", "manager.east@example.com", "manager.west@example.com"]
PRODUCT_LEADERS = ["vp.product@example.com"]
# Virtual user n signs in as LOGINS[n % 4]: three sales leaders for each product leader.
LOGINS = [SALES_LEADERS[0], PRODUCT_LEADERS[0], SALES_LEADERS[1], SALES_LEADERS[2]]
SEARCH_WORDS = ["audit", "export", "dashboards", "webhooks", "SSO", "residency", "expot"]
MOVE_WINDOW = 50  # moves stay among the top rows, where leaders work around the cut line
REQUEST_TIMEOUT = 30  # seconds, as gunicorn's worker timeout

BOARD, MOVE, SEARCH, DECISIONS = "board read", "move", "search", "decision queue"
ENDPOINTS = (BOARD, MOVE, SEARCH, DECISIONS)
TOTAL = "total"
OK, ERROR, CONFLICT = "ok", "error", "conflict"

VERSION_RE = re.compile(r'id="board-version"[^>]*\bvalue="(\d+)"')
ROW_RE = re.compile(r'<tr id="row-(\d+)"')
CSRF_FIELD_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    endpoint: str
    ms: float
    outcome: str  # OK, ERROR or CONFLICT
    detail: str = ""  # what went wrong, for errors


class Stats(TypedDict):
    requests: int
    errors: int
    conflicts: int
    req_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `percent`% of the values
    at or below it. None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: Sequence[Sample], seconds: float) -> dict[str, Stats]:
    """Per endpoint, then TOTAL over all of them."""
    summary: dict[str, Stats] = {}
    for name in (*ENDPOINTS, TOTAL):
        chosen = [s for s in samples if name in (TOTAL, s.endpoint)]
        times = [s.ms for s in chosen]
        quantiles = {p: percentile(times, p) for p in (50, 95, 99)}
        summary[name] = {
            "requests": len(chosen),
            "errors": sum(s.outcome == ERROR for s in chosen),
            "conflicts": sum(s.outcome == CONFLICT for s in chosen),
            "req_per_s": round(len(chosen) / seconds, 1) if seconds > 0 else 0.0,
            "p50_ms": _round(quantiles[50]),
            "p95_ms": _round(quantiles[95]),
            "p99_ms": _round(quantiles[99]),
        }
    return summary


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def format_table(summary: dict[str, Stats]) -> str:
    columns = ("requests", "errors", "conflicts", "req_per_s", "p50_ms", "p95_ms", "p99_ms")
    titles = ("requests", "errors", "conflicts", "req/s", "p50 ms", "p95 ms", "p99 ms")
    lines = [f"{'endpoint':<16}" + "".join(f"{title:>10}" for title in titles)]
    for name, stats in summary.items():
        cells = [stats[column] for column in columns]  # type: ignore[literal-required]
        lines.append(f"{name:<16}" + "".join(f"{_cell(cell):>10}" for cell in cells))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


# --- Virtual users -----------------------------------------------------------------------


@dataclass
class Board:
    version: int
    ids: list[int]  # the ranked requests' ids, first to last


def parse_board(html: str) -> Board | None:
    """The version and row order of a board page (or of the board fragment a refused move
    answers with); None if the page has no movable board."""
    version = VERSION_RE.search(html)
    if version is None:
        return None
    return Board(int(version.group(1)), [int(i) for i in ROW_RE.findall(html)])


@dataclass
class VirtualUser:
    base_url: str
    email: str
    label: str  # the quarter whose board is read and moved
    seed: int
    samples: list[Sample] = field(default_factory=list)
    board: Board | None = None

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.rng = random.Random(self.seed)  # noqa: S311 - a load mix, not secrets
        self.is_sales = self.email in SALES_LEADERS

    def login(self) -> None:
        """Sign in through the login page, once. Never retried: five wrong tries lock the
        account (django-axes), so a failure stops the run."""
        url = f"{self.base_url}/accounts/login/"
        page = self.session.get(url, timeout=REQUEST_TIMEOUT)
        token = CSRF_FIELD_RE.search(page.text)
        if page.status_code != 200 or token is None:
            raise RuntimeError(f"login page answered {page.status_code} without a form")
        answer = self.session.post(
            url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": self.email,
                "password": PASSWORD,
                "next": "/",
            },
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.email} could not log in: {answer.status_code}")

    def run(self, deadline: float, stop: threading.Event) -> None:
        actions: list[Callable[[], None]]
        if self.is_sales:
            actions, weights = [self.read_board, self.move, self.search], [5, 3, 2]
        else:
            actions, weights = [self.read_decisions, self.read_board, self.search], [5, 3, 2]
        while time.monotonic() < deadline and not stop.is_set():
            self.rng.choices(actions, weights)[0]()

    def read_board(self) -> None:
        response = self._timed(BOARD, "GET", f"/board/{self.label}/")
        self.board = parse_board(response.text) if response is not None else None

    def move(self) -> None:
        """Move a request among the top rows of the board this user last saw."""
        if self.board is None:
            self.read_board()
        if self.board is None or len(self.board.ids) < 2:
            return
        order = list(self.board.ids)
        source, target = self.rng.sample(range(min(MOVE_WINDOW, len(order))), 2)
        moving = order.pop(source)
        order.insert(target, moving)
        response = self._timed(
            MOVE,
            "POST",
            f"/board/{self.label}/move/",
            data={
                "request": moving,
                "after": order[target - 1] if target > 0 else "",
                "before": order[target + 1] if target + 1 < len(order) else "",
                "version": self.board.version,
            },
            headers={"HX-Request": "true", "X-CSRFToken": self.session.cookies.get("csrftoken")},
        )
        if response is None or response.status_code not in (200, 409):
            self.board = None
        elif 'id="board"' in response.text:
            # Refused as stale (409), or applied while the ranking moved on: the whole board.
            self.board = parse_board(response.text)
        else:
            # Applied: the answer holds the changed rows and the new version.
            version = VERSION_RE.search(response.text)
            self.board = Board(int(version.group(1)), order) if version else None

    def search(self) -> None:
        self._timed(SEARCH, "GET", "/search/", params={"q": self.rng.choice(SEARCH_WORDS)})

    def read_decisions(self) -> None:
        self._timed(DECISIONS, "GET", "/decisions/")

    def _timed(
        self, endpoint: str, method: str, path: str, **kwargs: Any
    ) -> requests.Response | None:
        """Send one request and record how long the whole answer took; None if none came."""
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                timeout=REQUEST_TIMEOUT,
                allow_redirects=False,  # a redirect (to the login page, say) is an error here
                **kwargs,
            )
        except requests.RequestException as error:
            ms = (time.perf_counter() - started) * 1000
            self.samples.append(Sample(endpoint, ms, ERROR, f"{type(error).__name__} {path}"))
            return None
        ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        if 200 <= status < 300:
            self.samples.append(Sample(endpoint, ms, OK))
        elif endpoint == MOVE and status == 409:
            self.samples.append(Sample(endpoint, ms, CONFLICT))
        else:
            self.samples.append(Sample(endpoint, ms, ERROR, f"{status} {method} {path}"))
        return response


def run_load(base_url: str, users: int, seconds: float) -> dict[str, Any]:
    """Log `users` virtual users in, let them work for `seconds`, return the results."""
    crowd = [VirtualUser(base_url, LOGINS[n % len(LOGINS)], label="", seed=n) for n in range(users)]
    for user in crowd:
        user.login()
    # The current quarter's board: /board/ redirects there.
    where = crowd[0].session.get(f"{base_url}/board/", timeout=REQUEST_TIMEOUT)
    label = where.url.rstrip("/").rsplit("/", 1)[-1]
    board = parse_board(where.text)
    for user in crowd:
        user.label = label
    say(f"{users} users logged in; load for {seconds:g} s on the board of {label}")

    stop = threading.Event()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=u.run, args=(deadline, stop), daemon=True) for u in crowd]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    samples = [sample for user in crowd for sample in user.samples]
    return {
        "seconds": round(elapsed, 1),
        "users": users,
        "sales_leaders": sum(user.is_sales for user in crowd),
        "product_leaders": sum(not user.is_sales for user in crowd),
        "quarter": label,
        "board_rows": len(board.ids) if board else None,
        "endpoints": summarize(samples, elapsed),
        "errors": Counter(s.detail for s in samples if s.outcome == ERROR).most_common(10),
    }


# --- The server under test ---------------------------------------------------------------


def say(message: str) -> None:
    print(f"loadtest: {message}", file=sys.stderr, flush=True)


def server_env(port: int, workdir: Path, *, broker: bool) -> dict[str, str]:
    """Production settings (DEBUG off) over plain HTTP on 127.0.0.1. Without `broker`,
    Celery runs inline (eager): the seed delivers its events before the load starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CELERY_BROKER_URL")}
    env |= {
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "loadtest-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": HOST,
        "HTTPS_ONLY": "0",
        "SITE_URL": f"http://{HOST}:{port}",
        "STATIC_ROOT": str(workdir / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    if broker:
        env["CELERY_BROKER_URL"] = BROKER_URL
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As gunicorn does: connections of a previous run waiting to close do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def recreate_database() -> None:
    """Drop and create `forcerank_loadtest`, so that every run starts from the same data."""
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as connection:
        name = sql.Identifier(DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def manage(log: IO[str], env: dict[str, str], *args: str) -> None:
    say("manage.py " + " ".join(args))
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
    )


def start(log: IO[str], env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """Start a process in its own session, so that Ctrl-C reaches only this script, which
    then stops it (see `stop`)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and its modules
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process (gunicorn's master and Celery's main process stop their own
    workers); its whole process group is killed if it is still there after 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_ready(
    base_url: str, processes: dict[str, subprocess.Popen[bytes]], worker_log: Path
) -> None:
    """Until /healthz answers 200 (database and broker up) and the worker says it is ready."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
        try:
            healthy = requests.get(f"{base_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            healthy = False
        if healthy and " ready." in worker_log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise RuntimeError("the server or the worker was not ready after 60 s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("LOADTEST_SECONDS", "60"))
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "8")))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("LOADTEST_WORKERS", "2")),
        help="gunicorn workers",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOADTEST_PORT", "8765")))
    options = parser.parse_args(argv)
    if not port_is_free(options.port):
        say(f"{HOST}:{options.port} is in use; set LOADTEST_PORT to a free port")
        return 2
    # `kill` (SIGTERM) stops the servers too, like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    workdir = Path(tempfile.mkdtemp(prefix="forcerank-loadtest-"))
    base_url = f"http://{HOST}:{options.port}"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    succeeded = False
    try:
        say(f"fresh database {DATABASE}, Redis db 14; logs in {workdir}")
        recreate_database()
        redis.Redis.from_url(BROKER_URL).flushdb()
        with (workdir / "setup.log").open("w") as log:
            setup_env = server_env(options.port, workdir, broker=False)
            manage(log, setup_env, "migrate", "--noinput")
            manage(log, setup_env, "seed_demo")
            manage(log, setup_env, "seed_loadtest", f"--count={SEED_REQUESTS}")
            manage(log, setup_env, "collectstatic", "--noinput")
        env = server_env(options.port, workdir, broker=True)
        worker_log = workdir / "celery.log"
        processes["celery worker"] = start(
            worker_log.open("w"), env, "celery", "-A", "config", "worker", "--loglevel=INFO"
        )
        processes["gunicorn"] = start(
            (workdir / "gunicorn.log").open("w"),
            env,
            "gunicorn",
            "--config=gunicorn.conf.py",
            f"--bind={HOST}:{options.port}",
            f"--workers={options.workers}",
            "config.wsgi:application",
        )
        say(
            f"gunicorn ({options.workers} workers, pid {processes['gunicorn'].pid}) and "
            f"a Celery worker (pid {processes['celery worker'].pid}) starting on {base_url}"
        )
        wait_until_ready(base_url, processes, worker_log)
        results = run_load(base_url, options.users, options.seconds)
        results["gunicorn_workers"] = options.workers
        for detail, count in results["errors"]:
            say(f"error ×{count}: {detail}")
        if options.json:
            print(json.dumps(results, indent=2))
        else:
            print(
                f"{results['seconds']} s, {results['users']} users "
                f"({results['sales_leaders']} sales leaders, {results['product_leaders']} "
                f"product leaders), gunicorn with {options.workers} workers, board of "
                f"{results['board_rows']} requests ({results['quarter']})"
            )
            print(format_table(results["endpoints"]))
        total = results["endpoints"][TOTAL]
        succeeded = total["requests"] > 0 and total["errors"] == 0
        return 0 if succeeded else 1
    finally:
        for name, process in processes.items():
            say(f"stopping {name} (pid {process.pid})")
            stop(process)
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"logs kept in {workdir}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the server and the worker are stopped by then
        say("interrupted")
        sys.exit(130)
