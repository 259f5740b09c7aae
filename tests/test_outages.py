"""While the database (or the broker) is unreachable: 503 with Retry-After, never a 500.

The outage is simulated without stopping the shared servers: the default connection raises
what its driver raises when nothing listens where the database should be (PostgreSQL on a
closed port, SQLite on a file that cannot be opened). On PostgreSQL one test also drops the
real connection from the server side and checks that the next request reconnects.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from config.celery import app as celery_app
from feature_requests.models import FeatureRequest
from feature_requests.ranking import ranked, ranking_append, ranking_version

pytestmark = pytest.mark.django_db

OUTAGE_PAGE = "Forcerank can’t reach its database"
NOTHING_LOST = "Nothing already saved was lost"
MAY_HAVE_BEEN_SAVED = "it may have been saved: reload the page to see where things stand"


@pytest.fixture
def client() -> Client:
    # What a user gets: Django's error page for an error, not the error re-raised in the test.
    return Client(raise_request_exception=False)


def refuse_connection(*args: object, **kwargs: object) -> None:
    """Raise what Django raises when the database cannot be reached: the driver's own error
    (a refused TCP connection, a database file that cannot be opened), wrapped by Django."""
    params = connection.get_connection_params()
    if connection.vendor == "postgresql":
        params |= {"host": "127.0.0.1", "port": 1, "connect_timeout": 2}  # nothing listens on 1
    else:
        params |= {"database": "/nonexistent/forcerank/db.sqlite3", "uri": False}
    with connection.wrap_database_errors:
        connection.get_new_connection(params)
    raise AssertionError("the database answered where it should not")


@contextmanager
def database_down() -> Iterator[None]:
    """Every query on the default connection fails as if the server were unreachable."""
    with mock.patch.object(
        connections["default"], "ensure_connection", side_effect=refuse_connection
    ):
        yield


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Tasks go through the broker at `url` (the suite runs them eagerly otherwise)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    try:
        # Celery reads the environment variable before its own setting.
        with mock.patch.dict(os.environ, {"CELERY_BROKER_URL": url}):
            yield
    finally:
        conf.broker_url, conf.task_always_eager = saved


def assert_outage_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert OUTAGE_PAGE in response.text
    assert NOTHING_LOST in response.text
    assert MAY_HAVE_BEEN_SAVED in response.text
    assert "failed" not in response.text


def test_it_answers_a_signed_in_page_with_503_while_the_database_is_down(client, cast):
    client.force_login(cast[Role.SALES_REP])
    with database_down():
        response = client.get(reverse("dashboard"))
    assert_outage_page(response)


def test_it_answers_an_anonymous_sign_in_with_503_while_the_database_is_down(client, cast):
    with database_down():
        response = client.post(
            reverse("login"), {"username": cast[Role.SALES_REP].email, "password": "whatever"}
        )
    assert_outage_page(response)


def test_it_answers_htmx_with_a_short_503_while_the_database_is_down(client, cast, quarter):
    request = FeatureRequest.objects.create(
        title="A", problem="p", submitted_by=cast[Role.SALES_REP]
    )
    ranking_append(quarter=quarter, request=request, actor=None)
    client.force_login(cast[Role.SALES_LEADER])
    data = {"request": request.pk, "after": "", "before": "", "version": ranking_version(quarter)}
    with database_down():
        response = client.post(
            reverse("commitments:board_move", args=[quarter.label]),
            data,
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "<html" not in response.text
    assert "database is unreachable" in response.text
    assert "it may have been saved" in response.text


def test_it_never_reports_a_committed_move_as_failed_when_the_render_loses_the_database(
    client, cast, quarter
):
    requests = []
    for title in "AB":
        request = FeatureRequest.objects.create(
            title=title, problem="p", submitted_by=cast[Role.SALES_REP]
        )
        ranking_append(quarter=quarter, request=request, actor=None)
        requests.append(request)
    first, second = requests
    client.force_login(cast[Role.SALES_LEADER])
    data = {
        "request": second.pk,
        "after": "",
        "before": first.pk,
        "version": ranking_version(quarter),
    }
    # The move is saved; the database goes away while what it changed is being read.
    with mock.patch("commitments.views.board.board_change_for", side_effect=refuse_connection):
        response = client.post(
            reverse("commitments:board_move", args=[quarter.label]),
            data,
            headers={"HX-Request": "true"},
        )
    assert list(ranked(quarter).values_list("title", flat=True)) == ["B", "A"]
    assert response.status_code == 503
    assert "it may have been saved" in response.text
    assert "fail" not in response.text.lower()


def test_it_answers_503_when_a_middleware_loses_the_database_after_the_view(client, cast, settings):
    # The view answers; saving the session afterwards (SessionMiddleware) finds no database.
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.force_login(cast[Role.SALES_REP])
    with mock.patch.object(SessionStore, "save", side_effect=refuse_connection):
        response = client.get(reverse("dashboard"))
    assert_outage_page(response)


def test_it_tells_an_outage_from_a_bug(client, cast, quarter):
    client.force_login(cast[Role.SALES_REP])
    board = reverse("commitments:board", args=[quarter.label])
    with mock.patch("commitments.views.board.board_for", side_effect=IntegrityError("duplicate")):
        bug = client.get(board)
    with mock.patch("commitments.views.board.board_for", side_effect=refuse_connection):
        outage = client.get(board)
    assert bug.status_code == 500
    assert OUTAGE_PAGE not in bug.text
    assert_outage_page(outage)


def test_it_logs_the_outage_once_as_a_warning(client, cast, caplog):
    client.force_login(cast[Role.SALES_REP])
    with database_down(), caplog.at_level("WARNING"):
        client.get(reverse("dashboard"))
    records = [record for record in caplog.records if record.levelname in {"WARNING", "ERROR"}]
    assert [(record.name, record.levelname) for record in records] == [
        ("forcerank.outage", "WARNING")
    ]
    assert "Database unreachable" in records[0].getMessage()


def test_it_reports_healthy_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
    response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_it_reports_the_database_down_in_the_health_check(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.text) == {"database": "down"}


def test_it_reports_the_broker_down_in_the_health_check(client):
    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_it_checks_a_live_broker_in_the_health_check(client, settings, service_missing):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("CELERY_BROKER_URL is not set, so there is no broker to check")
    with broker_at(settings.CELERY_BROKER_URL):
        response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_then_reconnects_when_postgresql_drops_the_connection(
    client, cast, service_missing
):
    if connection.vendor != "postgresql":
        service_missing("DATABASE_URL does not point at PostgreSQL")
    client.force_login(cast[Role.SALES_REP])
    assert client.get(reverse("dashboard")).status_code == 200
    # What a restart does to open connections: the server ends this process's session.
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()

    assert_outage_page(client.get(reverse("dashboard")))
    # The broken connection was dropped, so the next request connects afresh.
    assert client.get(reverse("dashboard")).status_code == 200
