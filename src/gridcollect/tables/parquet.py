"""Rows into Parquet bytes and back: the tables' one file format.

UTC timestamps, float64 numbers, strings, zstd, row groups of ``ROW_GROUP_ROWS``; each
file sorted by the table's identity and revision, so a reader's min/max statistics skip
most row groups of a narrow query.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from ..export.arrow import batches, pyarrow, schema_of
from ..export.engine import columns_of
from ..model import Column, Table

ROW_GROUP_ROWS = 131_072
ROW_COLUMN = Column("snapshot_row", "number", "",
                    "Position of the row in its snapshot: a later row of one snapshot "
                    "revises an earlier one of the same identity.")
REVISION_ORDER = ("snapshot_ref", "snapshot_key", "snapshot_row")


def table_schema(dataset: str, table: Table) -> Any:
    """The Arrow schema of a table's files: the export's columns, then ``snapshot_row``."""
    pa = pyarrow()
    base = schema_of(columns_of(table), {"gridcollect.dataset": dataset,
                                         "gridcollect.table": "revisions"})
    # Parquet keeps milliseconds; say so, so that files and schema agree exactly.
    fields = [pa.field(f.name, pa.timestamp("ms", tz=f.type.tz), metadata=f.metadata)
              if pa.types.is_timestamp(f.type) else f for f in base]
    fields.append(pa.field(ROW_COLUMN.name, pa.int32(),
                           metadata={"unit": "", "doc": ROW_COLUMN.doc}))
    return pa.schema(fields, metadata=base.metadata)


def sort_keys(table: Table) -> list[tuple[str, str]]:
    return [(name, "ascending") for name in (*table.identity, *REVISION_ORDER)]


def to_parquet(rows: Iterable[tuple[Any, ...]], schema: Any, table: Table) -> tuple[bytes, int]:
    """Rows (values in schema order) as one sorted Parquet file, and its row count."""
    pa = pyarrow()
    arrow = pa.Table.from_batches(list(batches(rows, schema)), schema=schema)
    return write_sorted(arrow, table), arrow.num_rows


def write_sorted(arrow: Any, table: Table) -> bytes:
    return write(arrow.sort_by(sort_keys(table)))


def write(arrow: Any) -> bytes:
    """Rows already in :func:`sort_keys` order as Parquet bytes."""
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(arrow, sink, compression="zstd", row_group_size=ROW_GROUP_ROWS,
                   coerce_timestamps="ms", allow_truncated_timestamps=True)
    return sink.getvalue()


def repeats_identity(arrow: Any, table: Table) -> bool:
    """Whether an identity has more than one row in ``arrow`` (sorted by :func:`sort_keys`,
    so that repeats are neighbours); a null in an identity column counts as a repeat."""
    import pyarrow.compute as pc

    count = arrow.num_rows
    if count < 2:
        return False
    same = None
    for name in table.identity:
        column = arrow.column(name)
        if column.null_count:
            return True
        equal = pc.equal(column.slice(0, count - 1), column.slice(1))
        same = equal if same is None else pc.and_(same, equal)
    return same is None or bool(pc.any(same).as_py())


def from_parquet(body: bytes, schema: Any) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(body), schema=schema)
