"""Fixtures shared by the demo tests."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def seed(db) -> Callable[[], str]:
    """Run `manage.py seed_demo`; returns what it printed."""

    def run() -> str:
        out = StringIO()
        call_command("seed_demo", stdout=out)
        return out.getvalue()

    return run
