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
from .layout import TableStore, table_root
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
    """The latest revision of each identity: the greatest ``snapshot_ref``, then key (a
    longer key first, so that ``_10`` beats ``_2`` as in export), then row."""
    identity = ", ".join(_quote(column) for column in table.identity)
    return (f"SELECT * FROM {_quote(name + '_revisions')} QUALIFY row_number() OVER ("
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
    """Create ``<dataset>_revisions`` and ``<dataset>`` on ``connection``."""
    assert dataset.table is not None
    root = table_root(prefix, dataset.name)
    state = state if state is not None else Manifest(store, root).load()
    name = dataset.name
    source = _source(connection, store, root, dataset, state)
    connection.execute(f"CREATE OR REPLACE VIEW {_quote(name + '_revisions')} AS {source}")
    connection.execute(f"CREATE OR REPLACE VIEW {_quote(name)} AS "
                       f"{latest_sql(name, dataset.table)}")
    return state


def _source(connection: Any, store: TableStore, root: str, dataset: Dataset,
            state: State) -> str:
    """A SELECT over the live files, with the Hive partition column ``date``."""
    import pyarrow as pa

    assert dataset.table is not None
    schema = table_schema(dataset.name, dataset.table).append(pa.field("date", pa.date32()))
    paths = sorted(state.files)
    local = getattr(store, "root", None)
    if paths and local is not None:
        files = ", ".join(_literal(str(local / root / path)) for path in paths)
        return (f"SELECT * FROM read_parquet([{files}], hive_partitioning = true, "
                f"hive_types = {{'date': DATE}})")
    arrow_name = f"__{dataset.name}_files"
    if paths:
        import pyarrow.dataset as ds

        from .s3 import arrow_filesystem

        filesystem, bucket = arrow_filesystem(store)
        data: Any = ds.dataset(
            [f"{bucket}/{root}/{path}" for path in paths], schema=schema,
            filesystem=filesystem, format="parquet",
            partitioning=ds.partitioning(pa.schema([("date", pa.date32())]), flavor="hive"),
            partition_base_dir=f"{bucket}/{root}")
    else:
        # Typed NULLs, not an empty Arrow table: registering one would import pandas.
        columns = ", ".join(f"CAST(NULL AS {_sql_type(pa, f.type)}) AS {_quote(f.name)}"
                            for f in schema)
        return f"SELECT {columns} WHERE false"
    connection.register(arrow_name, data)
    return f"SELECT * FROM {_quote(arrow_name)}"


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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
