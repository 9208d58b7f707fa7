"""Shared helpers for the schema-declared MISO datasets' tests: recorded files (read from
the shared fixtures, never copied), tabulation and one-rule-at-a-time variants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gridcollect import datasets
from gridcollect.model import Dataset, TableContext, Verdict

from .examples import changed, wire

__all__ = ["assert_rejected", "changed", "rows_of", "utc", "verdict_of", "wire"]


def utc(hour: int, minute: int = 0, day: int = 2, month: int = 10) -> datetime:
    """An instant on the recordings' day (2026-10-02), in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def rows_of(dataset: Dataset | str, payload: Any) -> list[dict[str, Any]]:
    """The tidy rows of ``payload``, asserting that no value was skipped."""
    chosen = datasets.get(dataset) if isinstance(dataset, str) else dataset
    assert chosen.table is not None
    ctx = TableContext(key="k.json.gz", stored=None)
    rows = [dict(row) for row in chosen.table.rows(payload, ctx)]
    assert ctx.skipped == [], ctx.skipped
    return rows


def verdict_of(name: str, payload: Any) -> Verdict:
    """The dataset's verdict on ``payload``."""
    return datasets.get(name).validator(payload)


def assert_rejected(name: str, payload: Any, path: tuple[str | int, ...], value: object,
                    reason: str) -> None:
    """``payload`` with ``value`` at ``path`` (``DELETE``: removed) is rejected, naming
    ``reason``."""
    verdict = verdict_of(name, changed(payload, path, value))
    assert not verdict.ok
    assert reason in verdict.reason, verdict.reason
