"""Shared test fixtures: the cast of users, a current quarter, real services.

Locally the suite runs on SQLite with Celery eager; CI sets DATABASE_URL (PostgreSQL) and
CELERY_BROKER_URL (Redis), and with CI=true a missing service is a failure, never a skip.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing_service(reason: str) -> None:
    """Skip locally; fail under CI=true, where every real service must be there."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def service_missing() -> Callable[[str], None]:
    return missing_service


def pytest_sessionstart(session: pytest.Session) -> None:
    if not IN_CI:
        return
    from django.conf import settings

    problems = []
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("CELERY_BROKER_URL is not set (Redis)")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at {settings.CELERY_BROKER_URL} does not answer: {error}")
    if not shutil.which(CHROMIUM_PATH):
        problems.append(f"Chromium is missing at {CHROMIUM_PATH}")
    if problems:
        pytest.exit("CI=true but: " + "; ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2 costs ~0.3 s per hash, and the cast and demo users are many; hashing is Django's.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def celery_eager_by_default() -> Iterator[None]:
    """Tasks run inline unless a test asks for the real worker (`celery_worker`)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield


@pytest.fixture
def celery_worker(transactional_db) -> Iterator[object]:
    """A real Celery worker thread consuming from the Redis broker of CELERY_BROKER_URL."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        missing_service("CELERY_BROKER_URL is not set, so there is no Redis broker to test against")
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    from accounts.models import Role, User

    counter = iter(range(1, 10_000))

    def make(role: str = Role.SALES_REP, **fields) -> User:
        n = next(counter)
        fields.setdefault("email", f"{role.replace('_', '.')}{n}@example.com")
        fields.setdefault("full_name", f"{Role(role).label} {n}")
        if role == Role.SALES_REP and "manager" not in fields:
            fields["manager"] = make(Role.SALES_LEADER)
        return User.objects.create_user(
            password=fields.pop("password", "correct-horse-9"), role=role, **fields
        )

    return make


@pytest.fixture
def cast(make_user) -> dict[str, object]:
    """One user per role, the fixed cast of permission tests. The rep reports to the leader."""
    from accounts.models import Role

    leader = make_user(Role.SALES_LEADER, full_name="Lee Leader")
    return {
        Role.ADMIN: make_user(Role.ADMIN, full_name="Ada Admin"),
        Role.SALES_LEADER: leader,
        Role.SALES_REP: make_user(Role.SALES_REP, full_name="Ray Rep", manager=leader),
        Role.PRODUCT_MANAGER: make_user(Role.PRODUCT_MANAGER, full_name="Pam Manager"),
        Role.PRODUCT_LEADER: make_user(Role.PRODUCT_LEADER, full_name="Paula Leader"),
    }


@pytest.fixture
def quarter(db):
    """A quarter of 400 points at 10% (a budget of 40) around today."""
    from budgets.models import Quarter
    from budgets.selectors import company_today

    today = company_today()
    return Quarter.objects.create(
        label=f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        start=today - dt.timedelta(days=20),
        end=today + dt.timedelta(days=70),
        capacity_points=400,
        sales_share_percent=10,
    )


@pytest.fixture
def rank(cast, quarter):
    """Rank a new request at the bottom of the quarter (budget 40), or of `into`, with an
    estimate of `points` (None: not estimated yet)."""
    from accounts.models import Role
    from feature_requests.models import FeatureRequest
    from feature_requests.ranking import ranking_append

    def make(title: str, points: int | None = None, *, into=None) -> FeatureRequest:
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP], estimate_points=points
        )
        ranking_append(quarter=into or quarter, request=request, actor=None)
        return request

    return make


@pytest.fixture
def next_quarter(quarter):
    """The quarter right after `quarter`, labelled 2099-Q1."""
    from budgets.models import Quarter

    return Quarter.objects.create(
        label="2099-Q1",
        start=quarter.end + dt.timedelta(days=1),
        end=quarter.end + dt.timedelta(days=91),
        capacity_points=400,
    )


@pytest.fixture
def settings_row() -> None:
    """The company settings row. A migration creates it; a test that flushed the database may
    have removed it. Modules ask for it with `pytest.mark.usefixtures("settings_row")`."""
    from budgets.models import CompanySettings

    CompanySettings.load()


@pytest.fixture
def pm(cast):
    """The cast's product manager."""
    from accounts.models import Role

    return cast[Role.PRODUCT_MANAGER]


@pytest.fixture
def product(cast):
    """The cast's product leader, who decides on commitments."""
    from accounts.models import Role

    return cast[Role.PRODUCT_LEADER]


@pytest.fixture
def product_client(client, product):
    """The test client, logged in as the product leader."""
    client.force_login(product)
    return client


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say plainly which real parts the run used, so a log shows the browser tests ran."""
    from django.conf import settings

    def count(outcome: str, marker: str) -> int:
        return sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if marker in getattr(report, "keywords", {})
        )

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "none (eager)" if settings.CELERY_TASK_ALWAYS_EAGER else settings.CELERY_BROKER_URL
    terminalreporter.write_sep("-", "real parts")
    terminalreporter.write_line(f"database: {database}; Celery broker: {broker}")
    for marker, label in [
        ("browser", "browser tests (Chromium)"),
        ("celery_worker", "Celery worker tests"),
    ]:
        terminalreporter.write_line(
            f"{label}: {count('passed', marker)} passed, {count('failed', marker)} failed, "
            f"{count('skipped', marker)} skipped"
        )


@pytest.fixture
def postgres(service_missing) -> None:
    """For tests of row locks and concurrency, which only PostgreSQL shows for real."""
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL, where row locks are real")


@pytest.fixture
def run_together() -> Callable[..., list[object]]:
    """Run jobs at the same moment, each in its own thread and database connection; returns
    what each returned or raised."""
    import threading

    from django.db import connection, connections

    def run(*jobs: Callable[[], object]) -> list[object]:
        barrier = threading.Barrier(len(jobs))
        results: list[object] = [None] * len(jobs)

        def runner(index: int, job: Callable[[], object]) -> None:
            try:
                connection.ensure_connection()  # connect before the start line, not after it
                barrier.wait()
                results[index] = job()
            except Exception as error:
                results[index] = error
            finally:
                connections.close_all()

        threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    return run


@pytest.fixture
def wait_for() -> Callable[..., bool]:
    """Poll `condition` every 0.1 s until it holds or `seconds` pass; whether it held. For what
    another process (a real worker) does in its own time."""
    import time

    def wait(condition: Callable[[], bool], seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    return wait


@pytest.fixture
def deliver_events(db) -> Callable[[], int]:
    """Deliver every published event now, as the task queued at commit (or the beat sweep)
    would. Tests run inside one transaction that never commits, so nothing else does."""
    from events.dispatch import events_dispatch_pending

    def deliver() -> int:
        # Subscribers publish events of their own (a crossing of the cut line): deliver
        # until nothing is left, as the tasks queued at their commits would.
        delivered = 0
        for _ in range(10):
            count = events_dispatch_pending(grace=dt.timedelta(0))
            if not count:
                break
            delivered += count
        return delivered

    return deliver


@pytest.fixture
def random_mover() -> Callable[..., Callable[[], int]]:
    """A job for `run_together`: a sales leader making `moves` random moves in `quarter`'s
    ranking, reading the board again whenever another leader moved first (409)."""
    import random

    from feature_requests.ranking import RankingChanged, ranked, ranking_move, ranking_version

    def mover(quarter, actor, *, seed: int, moves: int) -> Callable[[], int]:
        def job() -> int:
            rng = random.Random(seed)
            applied = 0
            while applied < moves:
                # The version first, then the rows: a board is never newer than its version.
                version = ranking_version(quarter)
                order = list(ranked(quarter).values_list("id", flat=True))
                moving = rng.choice(order)
                others = [pk for pk in order if pk != moving]
                index = rng.randint(0, len(others))
                try:
                    ranking_move(
                        actor=actor,
                        quarter=quarter,
                        request_id=moving,
                        after_id=others[index - 1] if index else None,
                        before_id=others[index] if index < len(others) else None,
                        version=version,
                    )
                    applied += 1
                except RankingChanged:
                    continue
            return applied

        return job

    return mover


class MockIdentityProvider:
    """A real OpenID Connect provider on 127.0.0.1 (oidc-provider-mock), for company sign-in."""

    def __init__(self, url: str) -> None:
        self.url = url

    def set_user(self, sub: str, **claims: object) -> None:
        """The claims the provider sends for `sub` (e-mail, name, groups, …) from now on."""
        import requests

        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign in as `sub` on the provider's own page (its form, posted as a browser would);
        returns where the provider sends the browser back to."""
        import requests

        page = requests.get(authorize_url, timeout=5)
        assert page.status_code == 200 and 'name="sub"' in page.text, page.text[:500]
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]

    def sign_in(self, client, sub: str, *, provider_id: str = "acme", follow: bool = True):
        """The whole sign-in with Django's test client: the button's POST, the provider's form,
        the callback (following Forcerank's redirects after it)."""
        from django.urls import reverse

        start = client.post(
            reverse("openid_connect_login", kwargs={"provider_id": provider_id}), {"next": ""}
        )
        assert start.status_code == 302, start.content[:500]
        assert start.url.startswith(f"{self.url}/oauth2/authorize?"), start.url
        return client.get(self.authorize(start.url, sub), follow=follow)


@pytest.fixture
def oidc_idp() -> Iterator[MockIdentityProvider]:
    """An OpenID Connect provider served from a thread on 127.0.0.1 for the test."""
    import threading
    import warnings

    from werkzeug.serving import make_server

    with warnings.catch_warnings():  # authlib, inside it, warns about its own deprecations
        warnings.simplefilter("ignore")
        from oidc_provider_mock import app as provider_app

    server = make_server("127.0.0.1", 0, provider_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield MockIdentityProvider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def sso_provider(settings, oidc_idp) -> MockIdentityProvider:
    """Company sign-in configured as SSO_OIDC_PROVIDERS would: provider "acme" ("Acme SSO"),
    the mock provider above."""
    import json

    from config.sso import socialaccount_providers

    entry = {
        "id": "acme",
        "name": "Acme SSO",
        "issuer": oidc_idp.url,
        "client_id": "forcerank-tests",
        "secret": "tests-only-secret",
    }
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps([entry]), "")
    return oidc_idp
