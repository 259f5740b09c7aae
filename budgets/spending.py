"""What a quarter's budget already holds. Commitments live above budgets, so the app that
owns them registers how to read it (`CommitmentsConfig.ready`); budgets never imports it."""

from __future__ import annotations

from collections.abc import Callable

from budgets.models import Quarter

SpentReader = Callable[[Quarter], int]
_readers: list[SpentReader] = []


def register_spent_reader(reader: SpentReader) -> SpentReader:
    if reader not in _readers:
        _readers.append(reader)
    return reader


def quarter_spent(quarter: Quarter) -> int:
    """Points of the quarter's sales budget already committed or charged."""
    return sum(reader(quarter) for reader in _readers)
