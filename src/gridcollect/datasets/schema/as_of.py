"""As-of readers: where a payload says which instant it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...largejson import LazyArray
from ...model import AsOfReader
from ...validation import InvalidValue, parse_est
from .payload import lookup, shown


def as_of_at(path: str) -> AsOfReader:
    """An as-of reader: the MISO time at ``path`` (e.g. ``LMPData.RefId``), in UTC."""

    def as_of(payload: Any) -> datetime:
        try:
            value = lookup(payload, path)
        except KeyError:
            raise InvalidValue(f"missing {path!r}") from None
        return parse_est(value)

    as_of.__doc__ = f"The snapshot's as-of instant: its {path}, in UTC."
    return as_of


def as_of_latest(path: str, name: str) -> AsOfReader:
    """An as-of reader for a payload without a ``RefId``: the latest of the MISO times
    in field ``name`` of the rows at ``path`` (``Snapshot``: each figure's own time)."""

    def as_of(payload: Any) -> datetime:
        try:
            rows = lookup(payload, path)
        except KeyError:
            raise InvalidValue(f"missing {path!r}") from None
        if not isinstance(rows, list | LazyArray):
            raise InvalidValue(f"{shown(path)} is not a list of rows")
        times = [parse_est(row.get(name) if isinstance(row, dict) else row) for row in rows]
        if not times:
            raise InvalidValue(f"{shown(path)} holds no rows")
        return max(times)

    as_of.__doc__ = f"The snapshot's as-of instant: the latest {name} of its rows, in UTC."
    return as_of
