"""Row checks several datasets share: times on a grid, times not after the snapshot's own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

Check = Callable[[Mapping[str, Any]], str | None]


def on_grid(field: str, step: timedelta, mark: str) -> Check:
    """The time in ``field`` sits on the clock's ``step`` marks (named ``mark`` in the
    message: ``"five-minute"``, ``"30-second"``)."""
    seconds = step.total_seconds()

    def check(values: Mapping[str, Any]) -> str | None:
        stamp = values[field]
        if stamp.timestamp() % seconds:
            return f"{field} {stamp:%H:%M:%S} UTC is not on a {mark} mark"
        return None

    return check


def not_after(field: str, shown: str = "%H:%M:%S", ref: str = "RefId",
              message: str | None = None) -> Check:
    """The time in ``field`` is not later than ``ref`` (when the row has one). The
    message shows the time as ``shown``; ``message`` replaces it (``{value}``, ``{ref}``)."""
    template = message or f"{field} {{value:{shown}}} UTC is after {ref}"

    def check(values: Mapping[str, Any]) -> str | None:
        limit = values.get(ref)
        if limit is not None and values[field] > limit:
            return template.format(value=values[field], ref=limit)
        return None

    return check


def first_of(*checks: Check) -> Check:
    """One rule made of several checks: the first one's message that has any."""

    def check(values: Mapping[str, Any]) -> str | None:
        return next((m for c in checks if (m := c(values)) is not None), None)

    return check
