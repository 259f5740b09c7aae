"""The OpenAPI schema is valid, and the committed api/openapi.yaml is the one the code makes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
COMMAND = "DEBUG=1 .venv/bin/python manage.py spectacular --file api/openapi.yaml --validate"


def test_it_commits_the_schema_the_code_generates():
    out = io.StringIO()
    # --validate checks it against the OpenAPI 3 specification; --fail-on-warn keeps every
    # endpoint described (a warning means drf-spectacular had to guess).
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert out.getvalue() == SCHEMA.read_text(), (
        f"api/openapi.yaml is out of date with the API's code: run `{COMMAND}` and commit it."
    )


@pytest.mark.django_db
def test_it_serves_the_schema_to_a_key_as_json_and_yaml(api, cast):
    from accounts.models import Role

    client = api(Role.SALES_REP)
    schema = client.get("/api/schema/").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/quarters/{label}/board/" in schema["paths"]
    assert client.get("/api/schema/?format=yaml").content.decode() == SCHEMA.read_text()
