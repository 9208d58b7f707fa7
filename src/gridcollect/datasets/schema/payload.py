"""Finding a declaration's values in a payload: dotted paths, row wrappers and header
arrays, placeholder rows, and the clock that turns labels into instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from ...largejson import LazyArray
from ...validation import EST, InvalidValue
from .declaration import Field, Rows
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
    lone: bool = False  # the one row of a ``single`` block, or ``Rows.one_or_many``'s one object


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


# -- locating a block ----------------------------------------------------------------


class Locating(Protocol):
    """What a block's lookup does with what it finds wrong: validation records a
    failure and goes on where it can; tabulation notes a skip and gives the block up."""

    def missing(self, payload: Any, spec: Rows, key: str) -> None:
        """The block's path lacks ``key``."""

    def header(self, spec: Rows, holder: Any) -> list[Any] | None:
        """The column names of an array-rows block (``None``: give the block up)."""

    def context(self, spec: Rows, item: Field, holder: Any, into: dict[str, Any]) -> bool:
        """Read context field ``item`` of ``holder`` into ``into``; ``False``: give up."""

    def rows(self, spec: Rows, found: Any) -> list[Any] | LazyArray | None:
        """The block's rows, when ``found`` is a list of them."""


def locate(payload: Any, spec: Rows, on: Locating) -> Block | None:
    """Block ``spec`` of ``payload``: its rows, header and context, or ``None`` (and
    ``on`` told why)."""
    try:
        found = lookup(payload, spec.path)
    except KeyError as missing:
        on.missing(payload, spec, missing.args[0])
        return None
    holder = found if spec.single else lookup(payload, parent(spec.path))
    header = None
    if spec.header is not None:
        header = on.header(spec, holder)
        if header is None:
            return None
    context: dict[str, Any] = {}
    for item in spec.context:
        if not on.context(spec, item, holder, context):
            return None
    if spec.single or (spec.one_or_many and isinstance(found, dict)):
        return Block([found], header, context, lone=True)
    rows = on.rows(spec, found)
    return None if rows is None else Block(rows, header, context)
