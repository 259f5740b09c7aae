"""Deployment security: check --deploy, CSP with no inline script, CSRF for htmx."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role

ROOT = Path(__file__).resolve().parent.parent


def test_it_passes_the_deployment_checklist_with_debug_off():
    env = {
        key: value
        for key, value in os.environ.items()
        # Test-only variables (the browser tests allow sync ORM calls next to Playwright) stay out.
        if key
        not in {
            "HTTPS_ONLY",
            "PLAIN_STATIC_FILES",
            "DEBUG",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "k3y-for-the-deploy-check-" + "x9Qz" * 12,
        "ALLOWED_HOSTS": "forcerank.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}} | {"DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["dashboard", "budgets:quarter_list", "budgets:quarter_create", "budgets:settings", "login"],
)
def test_it_serves_pages_with_a_strict_csp_and_no_inline_script(client, cast, quarter, url_name):
    if url_name != "login":
        client.force_login(cast[Role.ADMIN])
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    for tag in re.findall(r"<script\b[^>]*>", response.text):
        assert "src=" in tag, f"inline script: {tag}"
    assert not re.search(r"\son[a-z]+=", response.text), "inline event handler"


@pytest.mark.django_db
def test_it_gives_htmx_the_csrf_token_on_the_body(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(reverse("dashboard")).text
    token = re.search(r"""<body hx-headers='\{"X-CSRFToken": "([^"]+)"\}'>""", page).group(1)
    assert len(token) >= 32
    assert "/static/django_htmx/htmx" in page


@pytest.mark.django_db
def test_it_rejects_a_post_without_a_csrf_token(cast, quarter):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast[Role.PRODUCT_LEADER])
    response = client.post(
        reverse("budgets:quarter_edit", kwargs={"label": quarter.label}), {"capacity_points": 1}
    )
    assert response.status_code == 403
    quarter.refresh_from_db()
    assert quarter.capacity_points == 400


@pytest.mark.django_db
def test_it_escapes_what_users_type(client, make_user, cast):
    make_user(
        Role.SALES_REP, full_name="<script>alert(1)</script>", manager=cast[Role.SALES_LEADER]
    )
    client.force_login(cast[Role.SALES_LEADER])
    page = client.get(reverse("dashboard")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_it_answers_the_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"
