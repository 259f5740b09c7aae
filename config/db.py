"""Database helpers every app may use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Run the reads inside as one consistent snapshot of the database.

    On PostgreSQL a REPEATABLE READ transaction: every query sees the database as of the
    first one, so rows and the version they are shown with can never come from two moments
    (a concurrent move between them would otherwise pair the old rows with the new version).
    Inside a transaction already under way the caller's transaction decides. SQLite's
    readers are not interleaved with writers the same way; it runs the reads as they are.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield
