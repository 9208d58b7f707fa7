"""``export`` from the tables, when they hold every snapshot the export would read.

The export lists the same key folders as when it reads snapshots; if the manifest has
read every one of them, the rows come from the tables, restricted to those snapshots, so
the file is the same as the snapshot-reading export would write, only much sooner.
"""

from __future__ import annotations

from typing import Any

from ..export.engine import ReadStats, snapshot_keys, table_of
from ..export.window import Range
from ..model import Dataset
from .layout import TableStore, market_day, table_root
from .manifest import Manifest
from .query import arrow_table, connect, latest_sql, quote, register


def table_rows(dataset: Dataset, store: TableStore, prefix: str, wanted: Range, *,
               all_revisions: bool, stats: ReadStats, schema: Any) -> Any | None:
    """The export's rows as one Arrow table in ``schema``; None when the tables do not
    cover the range (or duckdb is missing), so the caller reads the snapshots instead."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return None
    table = table_of(dataset)
    state = Manifest(store, table_root(prefix, dataset.name)).load()
    if not state.read:
        return None  # no table yet: spare the listing that reading the snapshots repeats
    listed = snapshot_keys(dataset, store, prefix, wanted)
    if not listed or any(key not in state.read for key in listed):
        return None
    import pyarrow as pa

    readable = [key for key in listed if key not in state.unreadable]
    connection = connect(store, prefix, [])
    register(connection, store, prefix, dataset, state)
    connection.register("__export_keys", pa.table({"key": readable}))
    name = dataset.name
    connection.execute(
        f"CREATE VIEW __export_revisions AS SELECT * FROM {quote(name + '_revisions')} "
        "WHERE snapshot_key IN (SELECT key FROM __export_keys) "
        f"AND interval_start >= {_stamp(wanted.start)} AND interval_start < "
        f"{_stamp(wanted.stop)} AND date BETWEEN DATE '{market_day(wanted.start)}' "
        f"AND DATE '{market_day(wanted.stop)}'")
    stats.snapshots = len(readable)
    counted = connection.execute("SELECT count(*) FROM __export_revisions").fetchall()
    stats.rows_read = counted[0][0]
    columns = ", ".join(quote(field.name) for field in schema)
    identity = ", ".join(quote(column) for column in table.identity)
    if all_revisions:
        sql = (f"SELECT {columns} FROM __export_revisions "
               "ORDER BY snapshot_key, snapshot_row")
    else:
        latest = latest_sql("__export", table)
        sql = f"SELECT {columns} FROM ({latest}) ORDER BY {identity}"
    rows = arrow_table(connection.sql(sql))
    stats.rows = rows.num_rows
    stats.unreadable = [key for key in listed if key in state.unreadable]
    for key in readable:
        if key in state.skipped:
            count, example = state.skipped[key]
            stats.skipped_values += count
            if len(stats.skipped_examples) < 5:
                stats.skipped_examples.append(f"{key}: {example}")
    return rows.cast(schema, safe=False)


def _stamp(moment: Any) -> str:
    return f"TIMESTAMPTZ '{moment.isoformat()}'"
