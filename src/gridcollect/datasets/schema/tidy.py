"""The tidy rows and columns a declaration derives: one row per wire row of every block
(one per melted field), with its interval, tags and field columns."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...largejson import LazyArray
from ...model import AsOfReader, Column, Row, TableContext
from ...validation import InvalidValue, at
from ..miso.tables import INTERVAL_COLUMNS, interval
from .declaration import Field, Rows, Tidy, Wire
from .kinds import TIME, read
from .payload import is_placeholder, label_time, locate, parent, row_object, shown


def columns(wire: Wire, tidy: Tidy) -> tuple[Column, ...]:
    """Interval columns, the tidy extras, then each field's column once."""
    found: dict[str, Column] = {c.name: c for c in (*INTERVAL_COLUMNS, *tidy.columns)}
    for spec in wire.rows:
        for item in (*spec.context, *spec.fields):
            if item.column is None or item.column in found:
                continue
            if item.kind.column is None:
                raise ValueError(f"a {item.kind.name} field cannot be a column")
            found[item.column] = Column(item.column, item.kind.column, item.unit, item.doc)
        if spec.melt is not None:
            for column in (spec.melt.series, spec.melt.value):
                found.setdefault(column.name, column)
    return tuple(found.values())


def tidy_rows(wire: Wire, names: tuple[Column, ...], as_of_reader: AsOfReader, payload: Any,
              ctx: TableContext) -> Iterator[Row]:
    """One tidy row (of columns ``names``) per wire row of every block; placeholders and
    unreadable rows give none (the latter are noted in ``ctx``)."""
    # Read only when a clock or hour label needs its day: rows labelled by full times
    # need no as-of instant (a snapshot with no rows in range then needs none at all).
    as_of = functools.cache(lambda: as_of_reader(payload))
    blank = dict.fromkeys(c.name for c in names)
    for spec in wire.rows:
        yield from _block_rows(payload, spec, as_of, blank, ctx)


@dataclass(slots=True)
class _Tabulating:
    """Locating a block for its tidy rows: a problem skips the whole block, noted."""

    ctx: TableContext

    def missing(self, payload: Any, spec: Rows, key: str) -> None:
        self.ctx.skip(f"{shown(spec.path)}: missing {key!r}")

    def header(self, spec: Rows, holder: Any) -> list[Any] | None:
        if not isinstance(holder, dict) or not isinstance(holder.get(spec.header), list) \
                or not all(isinstance(name, str) for name in holder[spec.header]):
            self.ctx.skip(f"{shown(parent(spec.path))}: no {spec.header} list")
            return None
        return list(holder[spec.header])

    def context(self, spec: Rows, item: Field, holder: Any, into: dict[str, Any]) -> bool:
        try:
            into[item.name] = read(item.kind, holder.get(item.name)
                                   if isinstance(holder, dict) else None)
        except InvalidValue as exc:
            self.ctx.skip(f"{at(parent(spec.path), item.name)}: {exc}")
            return False
        return True

    def rows(self, spec: Rows, found: Any) -> list[Any] | LazyArray | None:
        if isinstance(found, list | LazyArray):
            return found
        self.ctx.skip(f"{shown(spec.path)}: not a list")
        return None


def _block_rows(payload: Any, spec: Rows, as_of: Callable[[], datetime],
                blank: dict[str, Any], ctx: TableContext) -> Iterator[Row]:
    block = locate(payload, spec, _Tabulating(ctx))
    if block is None:
        return
    # Rows of one label share one set of interval values: less work, and memory for
    # them once per label rather than once per row when an export holds rows.
    intervals: dict[Any, dict[str, datetime]] = {}
    for index, raw in enumerate(block.rows):
        row = row_object(raw, spec, block.header)
        if not isinstance(row, dict) or is_placeholder(row, spec):
            continue
        try:
            tidy, values = _tidy(spec, row, block.context, as_of, blank, intervals)
        except InvalidValue as exc:
            where = shown(spec.path) if block.lone else at(shown(spec.path), index)
            ctx.skip(f"{where}: {exc}")
            continue
        if spec.melt is None:
            yield tidy
            continue
        for name, label in spec.melt.fields.items():
            yield {**tidy, spec.melt.series.name: label, spec.melt.value.name: values[name]}


def _tidy(spec: Rows, row: dict[str, Any], context: dict[str, Any],
          as_of: Callable[[], datetime], blank: dict[str, Any],
          intervals: dict[Any, dict[str, datetime]],
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The row's tidy values, and its parsed wire values by field name."""
    values = dict(context)
    for item in spec.fields:
        try:
            values[item.name] = read(item.kind, row.get(item.name))
        except InvalidValue as exc:
            raise InvalidValue(f"{item.name}: {exc}") from None
        if values[item.name] is None and item.required:
            raise InvalidValue(f"{item.name}: no value")
    label = values.get(spec.interval.label)
    if label is None:
        raise InvalidValue(f"{spec.interval.label}: no value")
    bounds = intervals.get(label)
    if bounds is None:
        kind = next(f.kind for f in (*spec.context, *spec.fields)
                    if f.name == spec.interval.label)
        bounds = intervals[label] = interval(
            *spec.interval.bounds(label if kind is TIME else label_time(kind, label, as_of())))
    tidy = {**blank, **bounds, **spec.tags}
    for item in (*spec.context, *spec.fields):
        if item.column is not None:
            tidy[item.column] = values[item.name]
    return tidy, values
