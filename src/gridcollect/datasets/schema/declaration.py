"""The parts of a declaration: fields, rules, intervals, blocks of rows, the wire shape and
the tidy table. Frozen dataclasses: a declaration is a value, checked by mypy."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ...model import Column, Row
from .kinds import Kind


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


@dataclass(frozen=True, slots=True)
class Across:
    """A check across one block's rows: ``check(rows)`` gets ``(index, values)`` of every
    row whose fields all read, and returns ``(index, message)`` for each row that breaks
    the rule (e.g. one node's energy component differing from the others')."""

    reason: str
    check: Callable[[Sequence[tuple[int, Mapping[str, Any]]]], Iterable[tuple[int, str]]]
    failure: bool = True


@dataclass(frozen=True, slots=True)
class Melt:
    """Several value fields of one wire row become one tidy row each: ``fields`` maps a
    field's name to the label written in ``series``; its value goes to ``value``
    (e.g. nine products' prices of a reserve zone)."""

    series: Column
    value: Column
    fields: Mapping[str, str]


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
    ``rules`` check each row, ``across`` the block's rows together; ``melt`` turns
    several value fields of a row into a row each.
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
    across: tuple[Across, ...] = ()
    melt: Melt | None = None
    one_or_many: bool = False


@dataclass(frozen=True, slots=True)
class Wire:
    """The wire shape: top-level fields (dotted paths, e.g. ``LMPData.RefId``) and blocks.
    :func:`~gridcollect.datasets.schema.declare` adds the as-of field (a required
    :data:`TIME` at the ``as_of`` path) first when ``fields`` does not name it."""

    fields: tuple[Field, ...] = ()
    rows: tuple[Rows, ...] = ()


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
