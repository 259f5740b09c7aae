"""Fixtures of the REST API's tests: a key per role of the cast, and a client that sends it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from api.services import api_key_create


@pytest.fixture(autouse=True)
def fresh_throttle() -> None:
    """The rate limit counts in the cache; each test starts with none used."""
    cache.clear()


@pytest.fixture
def keys(cast) -> dict[str, str]:
    """role -> a working API key of the cast's user with that role."""
    return {role: api_key_create(actor=user, name=f"{role} key")[1] for role, user in cast.items()}


class ApiClient:
    """Django's test client, sending a key and JSON."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def get(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, data or {}, headers=self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(keys) -> Callable[[str | None], ApiClient]:
    """api(role) is a client with that role's key; api(None) sends none; api("frk_…") that key."""

    def make(who: str | None) -> ApiClient:
        return ApiClient(keys.get(who, who) if who else None)

    return make
