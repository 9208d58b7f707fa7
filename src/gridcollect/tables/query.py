"""DuckDB over the tables: one view per dataset (latest revision) and ``<dataset>_revisions``.

Local tables are read by DuckDB itself; tables in S3 through pyarrow's S3 file system,
handed to DuckDB as an Arrow dataset (DuckDB's own ``httpfs`` extension would have to be
downloaded from its extension server). Either way only the files the manifest names are
read: a crashed writer's leftovers never show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ConfigurationError
from ..model import Dataset, Table
from .layout import LATEST_FOLDER, TableStore, is_latest, table_root
from .manifest import Manifest, State
from .parquet import table_schema


def duckdb() -> Any:
    """The duckdb module, or a usage error saying how to install it."""
    try:
        import duckdb as module
    except ImportError:
        raise ConfigurationError(
            "querying tables needs duckdb: pip install 'gridcollect[analysis]'"
        ) from None
    return module


def latest_sql(name: str, table: Table) -> str:
    """The latest revision of each identity in view ``<name>_revisions``."""
    return latest_of(quote(name + "_revisions"), table)


def latest_of(source: str, table: Table) -> str:
    """The latest revision of each identity in ``source`` (a view, or a subquery): the
    greatest ``snapshot_ref``, then key (a longer key first, so that ``_10`` beats
    ``_2`` as in export), then the later row of the snapshot."""
    identity = ", ".join(quote(column) for column in table.identity)
    return (f"SELECT * FROM {source} QUALIFY row_number() OVER ("
            f"PARTITION BY {identity} ORDER BY snapshot_ref DESC, length(snapshot_key) DESC, "
            f"snapshot_key DESC, snapshot_row DESC) = 1")


def connect(store: TableStore, prefix: str, datasets: Iterable[Dataset]) -> Any:
    """An in-memory DuckDB connection (UTC) with both views of every given dataset."""
    connection = duckdb().connect()
    connection.execute("SET TimeZone = 'UTC'")
    for dataset in datasets:
        if dataset.table is None:
            continue
        register(connection, store, prefix, dataset)
    return connection


def register(connection: Any, store: TableStore, prefix: str, dataset: Dataset,
             state: State | None = None) -> State:
    """Create ``<dataset>_revisions`` and ``<dataset>`` on ``connection``.

    The latest view reads each finished day's latest file where one is valid (written by
    compaction), and ranks the revisions of the other days (today's, or a day that got
    new files since): the same rows as ranking every revision, much sooner.
    """
    assert dataset.table is not None
    root = table_root(prefix, dataset.name)
    state = state if state is not None else Manifest(store, root).load()
    name = dataset.name
    revisions = state.revision_files()
    scan = _scanner(connection, store, root, dataset)
    connection.execute(f"CREATE OR REPLACE VIEW {quote(name + '_revisions')} AS "
                       f"{scan(revisions, 'revisions')}")
    current = state.current_latest()
    latest = sorted(current.values())
    unsettled = [path for path in revisions if path not in current]
    parts = []
    if latest:
        parts.append(f"SELECT * FROM ({scan(latest, 'latest')})")
    if unsettled or not latest:
        parts.append(latest_of(f"({scan(unsettled, 'unsettled')})", dataset.table))
    connection.execute(f"CREATE OR REPLACE VIEW {quote(name)} AS "
                       + " UNION ALL BY NAME ".join(f"({part})" for part in parts))
    return state


def _scanner(connection: Any, store: TableStore, root: str, dataset: Dataset) -> Any:
    """A function of (paths inside the table, a label): a SELECT over those files, with
    the Hive partition column ``date``."""
    import pyarrow as pa

    assert dataset.table is not None
    schema = table_schema(dataset.name, dataset.table).append(pa.field("date", pa.date32()))
    local = getattr(store, "root", None)

    def scan(paths: list[str], label: str) -> str:
        if not paths:
            # Typed NULLs, not an empty Arrow table: registering one would import pandas.
            columns = ", ".join(f"CAST(NULL AS {_sql_type(pa, f.type)}) AS {quote(f.name)}"
                                for f in schema)
            return f"SELECT {columns} WHERE false"
        if local is not None:
            files = ", ".join(_literal(str(local / root / path)) for path in paths)
            return (f"SELECT * FROM read_parquet([{files}], hive_partitioning = true, "
                    f"hive_types = {{'date': DATE}})")
        import pyarrow.dataset as ds

        from .s3 import arrow_filesystem

        filesystem, bucket = arrow_filesystem(store)
        base = f"{bucket}/{root}" + ("/" + LATEST_FOLDER if is_latest(paths[0]) else "")
        data = ds.dataset(
            [f"{bucket}/{root}/{path}" for path in paths], schema=schema,
            filesystem=filesystem, format="parquet",
            partitioning=ds.partitioning(pa.schema([("date", pa.date32())]), flavor="hive"),
            partition_base_dir=base)
        arrow_name = f"__{dataset.name}_{label}"
        connection.register(arrow_name, data)
        return f"SELECT * FROM {quote(arrow_name)}"

    return scan


def _sql_type(pa: Any, arrow_type: Any) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    simple = {pa.float64(): "DOUBLE", pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN",
              pa.int32(): "INTEGER", pa.date32(): "DATE"}
    return simple[arrow_type]


def arrow_table(result: Any) -> Any:
    """A query result (connection or relation) as a pyarrow Table, in DuckDB 1.x and 2.x."""
    method = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return method()


def quote(name: str) -> str:
    """``name`` as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
