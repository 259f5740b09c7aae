from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app
from config.outage import close_broken_connections

logger = logging.getLogger("forcerank.outage")

# A health probe must answer before the prober gives up (compose waits 5 s).
BROKER_TIMEOUT_SECONDS = 1


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and compose healthchecks: 200 when the database answers, and the
    broker too when tasks go through one; 503 with a JSON body naming what is down.

    A 200 says "ok" in plain text, which probes and scripts rely on; a client that asks for
    JSON gets what was checked.
    """
    checks = {"database": _database_status()}
    if not celery_app.conf.task_always_eager:
        checks["broker"] = _broker_status()
    if any(status != "ok" for status in checks.values()):
        return JsonResponse(checks, status=503)
    if request.get_preferred_type(["text/plain", "application/json"]) == "application/json":
        return JsonResponse(checks)
    return HttpResponse("ok", content_type="text/plain")


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("Health check: the database is down: %s", str(error).strip())
        close_broken_connections()
        return "down"
    return "ok"


def _broker_status() -> str:
    # One quick attempt with short socket timeouts: the probe must not hang on a dead broker.
    try:
        with celery_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as broker:
            broker.ensure_connection(
                max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception as error:  # kombu raises per transport; any failure means "down"
        logger.warning("Health check: the broker is down: %s", str(error).strip())
        return "down"
    return "ok"
