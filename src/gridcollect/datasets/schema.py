"""A dataset as a declaration: where its rows are on the wire, what each field is, and
what each row means in the tidy table. Validation, tidy rows, the as-of instant, the
envelope and the export/plot support are all derived from that one declaration.

A declaration is plain frozen dataclasses (``docs/datasets.md`` says why):

- :class:`Field`: one wire field, its :data:`KINDS` kind, required or optional, and the
  column (with unit) it becomes, if any;
- :class:`Rule`: a row-level check with a named reason;
- :class:`Interval`: which field labels a row's interval, whether that label is the
  interval's start, end or an instant, its length, and why;
- :class:`Rows`: one block of rows (a dotted path such as ``LMPData.FiveMinLMP.PricingNode``),
  with optional one-key row wrappers, array rows named by a header list, placeholder rows
  meaning "nothing to report", fields of the enclosing object (``HourAndMin``), and tags
  (constant columns such as the market of the block);
- :class:`Wire`: the top-level fields (``RefId``) and the blocks;
- :class:`Tidy`: the table's identity, extra columns and what ``plot`` draws;
- :func:`declare`: the :class:`~gridcollect.model.Dataset`, key layout
  ``<dgroup>/year=YYYY/month=MM/day=DD/<name>_YYYYMMDD_HHMM.json.gz`` included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from ..largejson import LazyArray
from ..model import AsOfReader, Column, Dataset, Row, Snapshot, Table, TableContext, Verdict
from ..validation import (
    EST,
    Checker,
    InvalidValue,
    at,
    describe,
    never_raises,
    parse_clock,
    parse_est,
    parse_hour,
    parse_number,
    unrecognised,
)
from .miso.tables import INTERVAL_COLUMNS, interval, snapshot_times

# -- field kinds ---------------------------------------------------------------------

ABSENT = ("", "None")
"""Strings MISO sends for "no value" (besides ``null``)."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, got {describe(value)}")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"{describe(value)} is not a flag (0/1, true/false)")


def _hour(value: Any) -> int:
    hour = parse_hour(value)
    if hour == 0:
        raise InvalidValue(f"{describe(value)} is not an hour ending (1-24)")
    return hour


@dataclass(frozen=True, slots=True)
class Kind:
    """How a wire value is read: ``parse`` raises ``InvalidValue``; ``rule`` names the
    failure; ``column`` is the column kind it exports as (``None``: labels only)."""

    name: str
    parse: Callable[[Any], Any]
    rule: str
    column: str | None


NUMBER = Kind("number", parse_number, "must be numeric", "number")
"""A finite number; also a string, with thousands separators (``"25,287"``)."""
TIME = Kind("time", parse_est, "must be a time", "time")
"""A MISO instant on the EST clock, in any of its formats (see ``parse_est``)."""
CLOCK = Kind("clock", parse_clock, "must be a time of day", None)
"""``HH:MM`` on the EST clock; the day is the as-of instant's (nearest such day)."""
HOUR = Kind("hour", _hour, "must be an hour ending", None)
"""``17`` or ``HE 17``: the hour ending 17:00 EST of the as-of instant's day."""
TEXT = Kind("text", _text, "must be text", "text")
FLAG = Kind("flag", _flag, "must be a flag", "flag")
KINDS = (NUMBER, TIME, CLOCK, HOUR, TEXT, FLAG)


def _amount(value: Any) -> float:
    if isinstance(value, str) and value.strip().startswith("$"):
        return parse_number(value.strip()[1:])
    return parse_number(value)


AMOUNT = Kind("amount", _amount, "must be numeric", "number")
"""A :data:`NUMBER` that may carry a leading ``$`` (``"$36.32"``, MISO's ``Snapshot``)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One wire field. ``name`` is its key (a dotted path for :attr:`Wire.fields`);
    ``column`` the tidy column it becomes (``None``: validated only). A required field
    must be there and hold a value; ``null``, ``""`` and ``"None"`` are no value."""

    name: str
    kind: Kind
    column: str | None = None
    unit: str = ""
    doc: str = ""
    required: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    """A row-level check: ``check(values)`` gets the row's parsed values by field name
    (``None`` when absent) and returns a message when the row breaks the rule; the
    verdict says ``<path>: <reason>: <message>``. A rule that is not a ``failure``
    only warns."""

    reason: str
    check: Callable[[Mapping[str, Any]], str | None]
    failure: bool = True


Meaning = Literal["start", "end", "instant"]


@dataclass(frozen=True, slots=True)
class Interval:
    """What a row's interval is: the field that labels it (of the row, or of the object
    holding the rows), whether MISO's label is the interval's ``start``, ``end`` or an
    ``instant``, how long the interval is, and why we read the label so."""

    label: str
    meaning: Meaning
    length: timedelta
    why: str

    def bounds(self, label: datetime) -> tuple[datetime, datetime]:
        """``(start, end)`` of the interval that ``label`` names."""
        if self.meaning == "start":
            return label, label + self.length
        if self.meaning == "end":
            return label - self.length, label
        return label, label


@dataclass(frozen=True, slots=True)
class Rows:
    """One block of rows.

    ``path``: where the rows are, dots between keys (``""``: the payload itself).
    ``wrapper``: rows may sit in a one-key object ``{wrapper: row}``.
    ``header``: rows are arrays, named by the list at this key next to ``path``.
    ``single``: the object at ``path`` is itself the one row.
    ``context``: fields of the object that holds the rows (``HourAndMin``), checked once
    and available to every row (for its interval label or a column).
    ``placeholder``: a row is "nothing to report" (no table row, no field checks) when
    each named field holds one of the given values.
    ``tags``: constant column values of this block's rows (the market, say).
    ``one_or_many``: the value at ``path`` may be one row object instead of a list
    (``Interchange/GetNai``'s ``TieFlow``); the object's fields then speak for the block.
    """

    path: str
    fields: tuple[Field, ...]
    interval: Interval
    wrapper: str | None = None
    header: str | None = None
    single: bool = False
    context: tuple[Field, ...] = ()
    placeholder: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    tags: Mapping[str, Any] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    one_or_many: bool = False


@dataclass(frozen=True, slots=True)
class Wire:
    """The wire shape: top-level fields (dotted paths, e.g. ``LMPData.RefId``) and blocks."""

    fields: tuple[Field, ...]
    rows: tuple[Rows, ...]


@dataclass(frozen=True, slots=True)
class Tidy:
    """The table beyond what the fields declare: ``columns`` for tags (and any other
    column no field makes), the identity of a row, and what ``plot`` draws (only rows
    ``plot_filter`` keeps, when given). ``span``: how far from the snapshot's as-of instant
    its rows' intervals may lie (a rolling or +/- days window), so that an export lists
    every key that can hold a day's rows."""

    identity: tuple[str, ...]
    plot_series: str
    plot_values: tuple[str, ...]
    columns: tuple[Column, ...] = ()
    plot_filter: Callable[[Row], bool] | None = None
    span: timedelta = timedelta(days=1)


# -- reading a payload ---------------------------------------------------------------


def lookup(payload: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``""``: ``payload``); ``KeyError`` naming the first
    missing key when it is not there."""
    value = payload
    for key in path.split(".") if path else ():
        if not isinstance(value, dict) or key not in value:
            raise KeyError(key)
        value = value[key]
    return value


def is_absent(value: Any) -> bool:
    """``null``, ``""``, ``"None"`` (and blank strings): no value."""
    return value is None or (isinstance(value, str) and value.strip() in ABSENT)


def read(kind: Kind, value: Any) -> Any:
    """``value`` read as ``kind`` (``None`` when absent); ``InvalidValue`` when unreadable."""
    return None if is_absent(value) else kind.parse(value)


def _parent(path: str) -> str:
    return path.rpartition(".")[0]


def _found_part(payload: Any, path: str) -> str:
    """The longest leading part of ``path`` that ``payload`` has."""
    keys = path.split(".")
    for length in range(len(keys) - 1, 0, -1):
        try:
            lookup(payload, ".".join(keys[:length]))
        except KeyError:
            continue
        return ".".join(keys[:length])
    return ""


def _where(path: str) -> str:
    return path or "(payload)"


@dataclass(slots=True)
class _Block:
    """One block located in a payload: its raw rows, header and context values."""

    rows: list[Any] | LazyArray
    header: list[Any] | None
    context: dict[str, Any]
    lone: bool = False


def _row_object(raw: Any, spec: Rows, header: list[Any] | None) -> Any:
    """The row as an object: unwrapped, or zipped with the header; else ``raw``."""
    if header is not None:
        if isinstance(raw, list) and len(raw) == len(header):
            return dict(zip(header, raw, strict=True))
        return None
    if spec.wrapper and isinstance(raw, dict) and len(raw) == 1 and spec.wrapper in raw:
        return raw[spec.wrapper]
    return raw


def _is_placeholder(row: dict[str, Any], spec: Rows) -> bool:
    return bool(spec.placeholder) and all(
        row.get(name) in values for name, values in spec.placeholder.items()
    )


# -- the labels' clock ---------------------------------------------------------------


def _label_time(kind: Kind, value: Any, as_of: datetime) -> datetime:
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
    candidates = (_midnight(day + timedelta(days=shift)) + offset for shift in (-1, 0, 1))
    return min(candidates, key=lambda moment: abs(moment - as_of))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=EST).astimezone(UTC)


# -- the declaration, and what is derived from it ----------------------------------------


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
                check.fail(_found_part(payload, spec.name),
                           f"missing required field {spec.name!r}")
            return
        self._check_value(check, spec, value, spec.name)

    def _check_value(self, check: Checker, spec: Field, value: Any, path: str) -> Any:
        if is_absent(value):
            if spec.required:
                check.fail(path, f"must have a value, got {describe(value)}")
            return None
        return check.parsed(spec.kind.parse, value, path, spec.kind.rule)

    def _locate(self, check: Checker, payload: Any, spec: Rows) -> _Block | None:
        """The block's rows, or ``None`` with the reason recorded."""
        try:
            found = lookup(payload, spec.path)
        except KeyError as missing:
            check.fail(_found_part(payload, spec.path), f"missing required field "
                                                         f"{missing.args[0]!r}")
            return None
        holder = found if spec.single else lookup(payload, _parent(spec.path))
        header: list[Any] | None = None
        if spec.header is not None:
            if not isinstance(holder, dict) or spec.header not in holder:
                check.fail(_where(_parent(spec.path)), f"missing required field {spec.header!r}")
                return None
            names_found = check.array(holder[spec.header], at(_parent(spec.path), spec.header))
            if names_found is None:
                return None
            header = list(names_found)
            if not all(isinstance(name, str) for name in header):
                check.fail(at(_parent(spec.path), spec.header), "every column name must be text")
                return None
            names = [f.name for f in spec.fields if f.required]
            for name in names:
                if name not in header:
                    check.fail(at(_parent(spec.path), spec.header),
                               f"missing required column {name!r}")
        context: dict[str, Any] = {}
        home = spec.path if spec.single else _parent(spec.path)
        for item in spec.context:
            if not isinstance(holder, dict) or item.name not in holder:
                if item.required:
                    check.fail(home, f"missing required field {item.name!r}")
                continue
            context[item.name] = self._check_value(check, item, holder[item.name],
                                                   at(home, item.name))
        if spec.single:
            return _Block([found], header, context)
        if spec.one_or_many and isinstance(found, dict):
            return _Block([found], header, context, lone=True)
        rows = check.array(found, _where(spec.path))
        return None if rows is None else _Block(rows, header, context)

    def _check_rows(self, check: Checker, spec: Rows, block: _Block) -> None:
        for index, raw in enumerate(block.rows):
            lone = spec.single or block.lone
            path = _where(spec.path) if lone else at(_where(spec.path), index)
            row = _row_object(raw, spec, block.header)
            if block.header is not None and not isinstance(row, dict):
                check.fail(path, f"must be a list of {len(block.header)} values, "
                                 f"got {describe(raw)}")
                continue
            if check.obj(row, path) is None or _is_placeholder(row, spec):
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
        return tuple(found.values())

    def rows(self, payload: Any, ctx: TableContext) -> Iterator[Row]:
        """One tidy row per wire row of every block; placeholders and unreadable rows
        give none (the latter are noted in ``ctx``)."""
        as_of = self.as_of(payload)
        blank = dict.fromkeys(c.name for c in self.columns)
        for spec in self.wire.rows:
            yield from self._block_rows(payload, spec, as_of, blank, ctx)

    def _block_rows(self, payload: Any, spec: Rows, as_of: datetime, blank: dict[str, Any],
                    ctx: TableContext) -> Iterator[Row]:
        try:
            found = lookup(payload, spec.path)
            holder = found if spec.single else lookup(payload, _parent(spec.path))
        except KeyError as missing:
            ctx.skip(f"{_where(spec.path)}: missing {missing.args[0]!r}")
            return
        header = None
        if spec.header is not None:
            if not isinstance(holder, dict) or not isinstance(holder.get(spec.header), list) \
                    or not all(isinstance(name, str) for name in holder[spec.header]):
                ctx.skip(f"{_where(_parent(spec.path))}: no {spec.header} list")
                return
            header = list(holder[spec.header])
        context: dict[str, Any] = {}
        for item in spec.context:
            try:
                context[item.name] = read(item.kind, holder.get(item.name)
                                          if isinstance(holder, dict) else None)
            except InvalidValue as exc:
                ctx.skip(f"{at(_parent(spec.path), item.name)}: {exc}")
                return
        lone = spec.single or (spec.one_or_many and isinstance(found, dict))
        rows = [found] if lone else found
        if not isinstance(rows, list | LazyArray):
            ctx.skip(f"{_where(spec.path)}: not a list")
            return
        for index, raw in enumerate(rows):
            where = _where(spec.path) if lone else at(_where(spec.path), index)
            row = _row_object(raw, spec, header)
            if not isinstance(row, dict) or _is_placeholder(row, spec):
                continue
            try:
                yield self._tidy(spec, row, context, as_of, blank)
            except InvalidValue as exc:
                ctx.skip(f"{where}: {exc}")

    def _tidy(self, spec: Rows, row: dict[str, Any], context: dict[str, Any],
              as_of: datetime, blank: dict[str, Any]) -> Row:
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
        kind = next(f.kind for f in (*spec.context, *spec.fields)
                    if f.name == spec.interval.label)
        start, end = spec.interval.bounds(_label_time(kind, label, as_of))
        tidy = {**blank, **interval(start, end), **spec.tags}
        for item in (*spec.context, *spec.fields):
            if item.column is not None:
                tidy[item.column] = values[item.name]
        return tidy

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
            raise InvalidValue(f"{_where(path)} is not a list of rows")
        times = [parse_est(row.get(name) if isinstance(row, dict) else row) for row in rows]
        if not times:
            raise InvalidValue(f"{_where(path)} holds no rows")
        return max(times)

    as_of.__doc__ = f"The snapshot's as-of instant: the latest {name} of its rows, in UTC."
    return as_of


# -- envelope ------------------------------------------------------------------------


def envelope(snapshot: Snapshot) -> dict[str, Any]:
    """The stored object: the response under ``data``, collection facts beside it."""
    return {
        "data": snapshot.payload,
        "collection_metadata": {
            "dataset": snapshot.dataset,
            "source_url": snapshot.source_url,
            **snapshot_times(snapshot),
        },
    }


def unwrap(stored: Any) -> Any:
    """The response inside a stored envelope (the inverse of :func:`envelope`)."""
    if not isinstance(stored, dict) or not {"data", "collection_metadata"} <= stored.keys():
        raise ValueError(f"not an envelope: expected data and collection_metadata in "
                         f"{describe(stored)}")
    return stored["data"]


# -- the dataset ---------------------------------------------------------------------


STAMP_MINUTE = "%Y%m%d_%H%M"
"""Keys' default stamp: ``_YYYYMMDD_HHMM``."""
STAMP_SECOND = "%Y%m%d_%H%M%S"
"""``_YYYYMMDD_HHMMSS``, for an as-of instant with seconds (``Ace``)."""
STAMP_DAY = "%Y%m%d"
"""``_YYYYMMDD``, for a daily publication (revisions of one day get ``_2``, ``_3``...)."""


def key_template(dgroup: str, stamp: str = STAMP_MINUTE) -> str:
    """``<dgroup>/year=YYYY/month=MM/day=DD/<name>_<stamp>.json.gz``, where ``<name>`` is
    the dgroup without its operator prefix and ``stamp`` (default ``YYYYMMDD_HHMM``) the
    as-of instant in UTC."""
    name = dgroup.partition("_")[2]
    return (f"{dgroup}/year={{t:%Y}}/month={{t:%m}}/day={{t:%d}}/"
            f"{name}_{{t:{stamp}}}.json.gz")


def declare(
    *,
    dgroup: str,
    command: str,
    endpoint: str,
    cadence: timedelta,
    description: str,
    wire: Wire,
    tidy: Tidy,
    as_of: str | AsOfReader,
    retention: timedelta = timedelta(days=7),
    stamp: str = STAMP_MINUTE,
) -> Dataset:
    """A MISO dataset from its declaration: one snapshot now per run (no window),
    stored in the ``{"data", "collection_metadata"}`` envelope under :func:`key_template`
    (with ``stamp``). ``as_of`` is the dotted path of the payload's as-of time, or a
    reader."""
    reader = as_of_at(as_of) if isinstance(as_of, str) else as_of
    schema = Schema(wire, tidy, reader)
    schema.columns  # noqa: B018 - a bad declaration fails on import, not on first export
    return Dataset(
        name=dgroup,
        operator=dgroup.partition("_")[0],
        command=command,
        endpoint=endpoint,
        cadence=cadence,
        key_template=key_template(dgroup, stamp),
        envelope=envelope,
        validator=never_raises(schema.validate),
        retention=retention,
        description=description,
        as_of=reader,
        unwrap=unwrap,
        table=schema.table(),
    )


__all__ = [
    "AMOUNT", "STAMP_DAY", "STAMP_MINUTE", "STAMP_SECOND", "as_of_latest",
    "CLOCK", "FLAG", "HOUR", "KINDS", "NUMBER", "TEXT", "TIME", "Field", "Interval", "Kind",
    "Rows", "Rule", "Schema", "Tidy", "Wire", "as_of_at", "declare", "envelope", "is_absent",
    "key_template", "lookup", "read", "unwrap",
]
