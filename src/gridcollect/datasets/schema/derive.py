"""What shared code derives from a declaration: the validator (a ``Verdict`` naming the
path and the rule of every problem), the tidy rows and columns, and the as-of reader."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...largejson import LazyArray
from ...model import AsOfReader, Column, Row, Table, TableContext, Verdict
from ...validation import Checker, InvalidValue, at, describe, parse_est, unrecognised
from ..miso.tables import INTERVAL_COLUMNS, interval
from .declaration import Field, Rows, Tidy, Wire
from .kinds import TIME, is_absent, read
from .payload import (
    Block,
    found_part,
    is_placeholder,
    label_time,
    lookup,
    parent,
    row_object,
    shown,
)


@dataclass(frozen=True, slots=True)
class Schema:
    """A wire shape and its tidy table, with the validator, tabulator and as-of reader
    derived from them."""

    wire: Wire
    tidy: Tidy
    as_of: AsOfReader

    # validation ------------------------------------------------------------------

    def validate(self, payload: Any) -> Verdict:
        """Check ``payload`` field by field and rule by rule; shape ``wire``."""
        roots = [spec.path.split(".")[0] for spec in self.wire.rows if spec.path]
        roots += [f.name.split(".")[0] for f in self.wire.fields]
        if roots and not isinstance(payload, dict):
            return unrecognised(payload, f"an object with {', '.join(dict.fromkeys(roots))}")
        if not roots and not isinstance(payload, list | LazyArray):
            return unrecognised(payload, "a list of rows")
        check = Checker("wire")
        for top in self.wire.fields:
            self._check_top(check, payload, top)
        if not check.problems:
            try:
                self.as_of(payload)
            except InvalidValue as exc:
                check.fail("as-of", f"no as-of instant: {exc}")
        for spec in self.wire.rows:
            found = self._locate(check, payload, spec)
            if found is not None:
                self._check_rows(check, spec, found)
        # Blocks under one missing key would each say so.
        check.problems = list(dict.fromkeys(check.problems))
        return check.verdict()

    def _check_top(self, check: Checker, payload: Any, spec: Field) -> None:
        try:
            value = lookup(payload, spec.name)
        except KeyError:
            if spec.required:
                check.fail(found_part(payload, spec.name),
                           f"missing required field {spec.name!r}")
            return
        self._check_value(check, spec, value, spec.name)

    def _check_value(self, check: Checker, spec: Field, value: Any, path: str) -> Any:
        if is_absent(value, spec.kind.absent):
            if spec.required:
                check.fail(path, f"must have a value, got {describe(value)}")
            return None
        return check.parsed(spec.kind.parse, value, path, spec.kind.rule)

    def _locate(self, check: Checker, payload: Any, spec: Rows) -> Block | None:
        """The block's rows, or ``None`` with the reason recorded."""
        try:
            found = lookup(payload, spec.path)
        except KeyError as missing:
            check.fail(found_part(payload, spec.path), f"missing required field "
                                                         f"{missing.args[0]!r}")
            return None
        holder = found if spec.single else lookup(payload, parent(spec.path))
        header: list[Any] | None = None
        if spec.header is not None:
            if not isinstance(holder, dict) or spec.header not in holder:
                check.fail(shown(parent(spec.path)), f"missing required field {spec.header!r}")
                return None
            names_found = check.array(holder[spec.header], at(parent(spec.path), spec.header))
            if names_found is None:
                return None
            header = list(names_found)
            if not all(isinstance(name, str) for name in header):
                check.fail(at(parent(spec.path), spec.header), "every column name must be text")
                return None
            names = [f.name for f in spec.fields if f.required]
            for name in names:
                if name not in header:
                    check.fail(at(parent(spec.path), spec.header),
                               f"missing required column {name!r}")
        context: dict[str, Any] = {}
        home = spec.path if spec.single else parent(spec.path)
        for item in spec.context:
            if not isinstance(holder, dict) or item.name not in holder:
                if item.required:
                    check.fail(home, f"missing required field {item.name!r}")
                continue
            context[item.name] = self._check_value(check, item, holder[item.name],
                                                   at(home, item.name))
        if spec.single:
            return Block([found], header, context)
        if spec.one_or_many and isinstance(found, dict):
            return Block([found], header, context, lone=True)
        rows = check.array(found, shown(spec.path))
        return None if rows is None else Block(rows, header, context)

    def _check_rows(self, check: Checker, spec: Rows, block: Block) -> None:
        complete_rows: list[tuple[int, Mapping[str, Any]]] = []
        for index, raw in enumerate(block.rows):
            lone = spec.single or block.lone
            path = shown(spec.path) if lone else at(shown(spec.path), index)
            row = row_object(raw, spec, block.header)
            if block.header is not None and not isinstance(row, dict):
                check.fail(path, f"must be a list of {len(block.header)} values, "
                                 f"got {describe(raw)}")
                continue
            if check.obj(row, path) is None or is_placeholder(row, spec):
                continue
            values = dict(block.context)
            complete = True
            for item in spec.fields:
                if item.name not in row:
                    if item.required:
                        check.fail(path, f"missing required field {item.name!r}")
                        complete = False
                    values[item.name] = None
                    continue
                before = len(check.problems)
                values[item.name] = self._check_value(check, item, row[item.name],
                                                      at(path, item.name))
                complete = complete and len(check.problems) == before
            if not complete:
                continue
            if values.get(spec.interval.label) is None:
                check.fail(path, f"no interval: {spec.interval.label} has no value")
            for rule in spec.rules:
                message = rule.check(values)
                if message is not None:
                    check.note(path, f"{rule.reason}: {message}", failure=rule.failure)
            if spec.across:
                complete_rows.append((index, values))
        for across in spec.across:
            for index, message in across.check(complete_rows):
                check.note(at(shown(spec.path), index), f"{across.reason}: {message}",
                           failure=across.failure)

    # tidy rows -------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        """Interval columns, the tidy extras, then each field's column once."""
        found: dict[str, Column] = {c.name: c for c in (*INTERVAL_COLUMNS, *self.tidy.columns)}
        for spec in self.wire.rows:
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

    def rows(self, payload: Any, ctx: TableContext) -> Iterator[Row]:
        """One tidy row per wire row of every block; placeholders and unreadable rows
        give none (the latter are noted in ``ctx``)."""
        # Read only when a clock or hour label needs its day: rows labelled by full times
        # need no as-of instant (a snapshot with no rows in range then needs none at all).
        as_of = functools.cache(lambda: self.as_of(payload))
        blank = dict.fromkeys(c.name for c in self.columns)
        for spec in self.wire.rows:
            yield from self._block_rows(payload, spec, as_of, blank, ctx)

    def _block_rows(self, payload: Any, spec: Rows, as_of: Callable[[], datetime],
                    blank: dict[str, Any], ctx: TableContext) -> Iterator[Row]:
        try:
            found = lookup(payload, spec.path)
            holder = found if spec.single else lookup(payload, parent(spec.path))
        except KeyError as missing:
            ctx.skip(f"{shown(spec.path)}: missing {missing.args[0]!r}")
            return
        header = None
        if spec.header is not None:
            if not isinstance(holder, dict) or not isinstance(holder.get(spec.header), list) \
                    or not all(isinstance(name, str) for name in holder[spec.header]):
                ctx.skip(f"{shown(parent(spec.path))}: no {spec.header} list")
                return
            header = list(holder[spec.header])
        context: dict[str, Any] = {}
        for item in spec.context:
            try:
                context[item.name] = read(item.kind, holder.get(item.name)
                                          if isinstance(holder, dict) else None)
            except InvalidValue as exc:
                ctx.skip(f"{at(parent(spec.path), item.name)}: {exc}")
                return
        lone = spec.single or (spec.one_or_many and isinstance(found, dict))
        rows = [found] if lone else found
        if not isinstance(rows, list | LazyArray):
            ctx.skip(f"{shown(spec.path)}: not a list")
            return
        # Rows of one label share one set of interval values: less work, and memory for
        # them once per label rather than once per row when an export holds rows.
        intervals: dict[Any, dict[str, datetime]] = {}
        for index, raw in enumerate(rows):
            where = shown(spec.path) if lone else at(shown(spec.path), index)
            row = row_object(raw, spec, header)
            if not isinstance(row, dict) or is_placeholder(row, spec):
                continue
            try:
                tidy, values = self._tidy(spec, row, context, as_of, blank, intervals)
            except InvalidValue as exc:
                ctx.skip(f"{where}: {exc}")
                continue
            if spec.melt is None:
                yield tidy
                continue
            for name, label in spec.melt.fields.items():
                yield {**tidy, spec.melt.series.name: label, spec.melt.value.name: values[name]}

    def _tidy(self, spec: Rows, row: dict[str, Any], context: dict[str, Any],
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

    def table(self) -> Table:
        """The export table this schema declares."""
        reader = self.as_of
        return Table(
            columns=self.columns,
            identity=self.tidy.identity,
            rows=self.rows,
            ref=lambda payload, _ctx: reader(payload),
            plot_series=self.tidy.plot_series,
            plot_values=self.tidy.plot_values,
            plot_filter=self.tidy.plot_filter,
            span=self.tidy.span,
        )


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
