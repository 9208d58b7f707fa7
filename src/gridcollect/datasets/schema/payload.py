"""Finding a declaration's values in a payload: dotted paths, row wrappers and header
arrays, placeholder rows, and the clock that turns labels into instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ...largejson import LazyArray
from ...validation import EST, InvalidValue
from .declaration import Rows
from .kinds import CLOCK, HOUR, TIME, Kind


def lookup(payload: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``""``: ``payload``); ``KeyError`` naming the first
    missing key when it is not there."""
    value = payload
    for key in path.split(".") if path else ():
        if not isinstance(value, dict) or key not in value:
            raise KeyError(key)
        value = value[key]
    return value




def parent(path: str) -> str:
    return path.rpartition(".")[0]


def found_part(payload: Any, path: str) -> str:
    """The longest leading part of ``path`` that ``payload`` has."""
    keys = path.split(".")
    for length in range(len(keys) - 1, 0, -1):
        try:
            lookup(payload, ".".join(keys[:length]))
        except KeyError:
            continue
        return ".".join(keys[:length])
    return ""


def shown(path: str) -> str:
    """A path for messages: the payload itself has none."""
    return path or "(payload)"


@dataclass(slots=True)
class Block:
    """One block located in a payload: its raw rows, header and context values."""

    rows: list[Any] | LazyArray
    header: list[Any] | None
    context: dict[str, Any]
    lone: bool = False  # one row object where a list is usual (``Rows.one_or_many``)


def row_object(raw: Any, spec: Rows, header: list[Any] | None) -> Any:
    """The row as an object: unwrapped, or zipped with the header; else ``raw``."""
    if header is not None:
        if isinstance(raw, list) and len(raw) == len(header):
            return dict(zip(header, raw, strict=True))
        return None
    if spec.wrapper and isinstance(raw, dict) and len(raw) == 1 and spec.wrapper in raw:
        return raw[spec.wrapper]
    return raw


def is_placeholder(row: dict[str, Any], spec: Rows) -> bool:
    return bool(spec.placeholder) and all(
        row.get(name) in values for name, values in spec.placeholder.items()
    )


# -- the labels' clock ---------------------------------------------------------------


def label_time(kind: Kind, value: Any, as_of: datetime) -> datetime:
    """A parsed label as an aware instant; a clock or hour label takes the EST day
    (the as-of day, or the one before or after) that puts it nearest the as-of instant."""
    if kind is TIME:
        moment: datetime = value
        return moment
    day = as_of.astimezone(EST).date()
    if kind is CLOCK:
        offset = timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    elif kind is HOUR:
        offset = timedelta(hours=value)
    else:
        raise InvalidValue(f"a {kind.name} field cannot label an interval")
    candidates = (midnight(day + timedelta(days=shift)) + offset for shift in (-1, 0, 1))
    return min(candidates, key=lambda moment: abs(moment - as_of))


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=EST).astimezone(UTC)
