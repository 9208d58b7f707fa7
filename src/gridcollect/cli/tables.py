"""The ``tables sync`` and ``query`` commands: parse options, then call :mod:`gridcollect.tables`.

pyarrow and duckdb are imported only inside the commands, so ``gridcollect --help``
stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..secrets import redact
from .exits import run_reporting_errors
from .options import store_from, store_options

QUERY_FORMATS = ("table", "csv", "json", "parquet")


@click.group("tables", short_help="Parquet tables of the stored snapshots (sync).")
def tables_group() -> None:
    """Parquet tables of the stored snapshots, kept next to them (see docs/tables.md)."""


@tables_group.command("sync")
@click.argument("datasets", nargs=-1, metavar="[DATASET]...")
@click.option("--no-compact", is_flag=True, help="Do not merge small files this time.")
@store_options
def sync_command(datasets: tuple[str, ...], no_compact: bool, **options: Any) -> None:
    """Tabulate every stored snapshot not tabulated yet (default: every dataset).

    Writes <prefix>/tables/<dataset>/date=YYYY-MM-DD/*.parquet in the same store (a
    market day on MISO's EST clock) and records in _manifest/ which snapshots each file
    holds: a second sync reads nothing, and a sync cut short is finished by the next.
    """

    def action() -> int:
        from ..tables.sync import TableSync
        from .dataset_args import chosen_datasets

        chosen = [d for d in chosen_datasets(datasets) if d.table is not None]
        store, prefix = store_from(options)
        reports = [TableSync(d, store, prefix).run(compact=not no_compact) for d in chosen]
        unreadable = [key for r in reports for key in r.unreadable]
        click.echo(redact(json.dumps({
            "datasets": [r.as_dict() for r in reports],
            "read": sum(r.read for r in reports), "rows": sum(r.rows for r in reports),
            "unreadable": unreadable})))
        return 1 if unreadable else 0

    run_reporting_errors(action)


@click.command("query")
@click.argument("sql")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS),
              help="table (a terminal's default), csv, json (one object per line) or "
                   "parquet.  [default: from --output's suffix, else table on a terminal "
                   "and csv otherwise]")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result to this file instead of stdout.")
@click.option("--max-rows", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Rows a table on the terminal shows.")
@store_options
def query_command(sql: str, fmt: str | None, output: Path | None, max_rows: int,
                  **options: Any) -> None:
    """Run SQL (DuckDB) over the tables that `tables sync` keeps.

    Each dataset is a view of its latest revisions (e.g. miso_realtime_total_load) and
    <dataset>_revisions holds every revision, e.g.

    gridcollect query "SELECT max(mw) FROM miso_realtime_total_load WHERE series = 'load_5min'"
    """

    def action() -> int:
        from ..datasets import all_datasets
        from ..errors import ConfigurationError
        from ..tables.query import connect, duckdb

        fmt_ = fmt or _format_for(output)
        if fmt_ == "parquet" and output is None:
            raise ConfigurationError("--format parquet needs --output FILE")
        store, prefix = store_from(options)
        connection = connect(store, prefix, all_datasets())
        try:
            relation = connection.sql(sql)
            if relation is not None:  # None: a statement without a result
                _emit(relation, fmt_, output, max_rows)
        except duckdb().Error as exc:
            raise ConfigurationError(f"query failed: {' '.join(str(exc).split())}") from None
        return 0

    run_reporting_errors(action)


def _format_for(output: Path | None) -> str:
    if output is not None:
        suffix = output.suffix.lstrip(".").lower()
        if suffix in ("csv", "json", "parquet"):
            return suffix
        if suffix in ("jsonl", "ndjson"):
            return "json"
        return "csv"
    return "table" if sys.stdout.isatty() else "csv"


def _emit(relation: Any, fmt: str, output: Path | None, max_rows: int) -> None:
    import pyarrow as pa

    if fmt == "table":
        _write_text(_boxed(relation, max_rows), output)
        return
    from ..tables.query import arrow_table

    arrow = arrow_table(relation)
    if fmt == "parquet":
        from ..export.arrow import write

        assert output is not None
        write(arrow.to_batches(), arrow.schema, output, "parquet")  # atomic, zstd
        return
    if fmt == "csv":
        import csv as text_csv
        import io

        import pyarrow.csv as csv

        header = io.StringIO()
        text_csv.writer(header, lineterminator="\n").writerow(arrow.column_names)
        sink = pa.BufferOutputStream()
        csv.write_csv(arrow, sink, csv.WriteOptions(include_header=False,
                                                    quoting_style="needed"))
        _write_bytes(header.getvalue().encode() + sink.getvalue().to_pybytes(), output)
        return
    lines = [json.dumps(row, default=_json_value) for row in arrow.to_pylist()]
    _write_text("\n".join(lines) + ("\n" if lines else ""), output)


def _boxed(relation: Any, max_rows: int) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        relation.show(max_rows=max_rows, max_width=10_000)
    return buffer.getvalue()


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _write_text(text: str, output: Path | None) -> None:
    _write_bytes(text.encode("utf-8"), output)


def _write_bytes(body: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    temporary.write_bytes(body)
    temporary.replace(output)


__all__ = ["query_command", "tables_group"]
