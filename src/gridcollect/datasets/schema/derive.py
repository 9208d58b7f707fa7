"""What shared code derives from a declaration: the validator (``validate.py``), the
tidy rows and columns (``tidy.py``) and the table, bound together in a :class:`Schema`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ...model import AsOfReader, Column, Row, Table, TableContext, Verdict
from .declaration import Tidy, Wire
from .tidy import columns, tidy_rows
from .validate import validate


@dataclass(frozen=True)
class Schema:
    """A wire shape and its tidy table, with the validator, tabulator and as-of reader
    derived from them."""

    wire: Wire
    tidy: Tidy
    as_of: AsOfReader

    def validate(self, payload: Any) -> Verdict:
        """Check ``payload`` field by field and rule by rule; shape ``wire``."""
        return validate(self.wire, self.as_of, payload)

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """Interval columns, the tidy extras, then each field's column once."""
        return columns(self.wire, self.tidy)

    def rows(self, payload: Any, ctx: TableContext) -> Iterator[Row]:
        """One tidy row per wire row of every block; placeholders and unreadable rows
        give none (the latter are noted in ``ctx``)."""
        return tidy_rows(self.wire, self.columns, self.as_of, payload, ctx)

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
