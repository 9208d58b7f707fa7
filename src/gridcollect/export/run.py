"""One export: a dataset's stored snapshots over a range, into one Parquet or CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..model import Dataset
from ..stores import Store
from ..validation import utc_iso
from .arrow import ROW_GROUP_ROWS, batches, schema_of, write
from .engine import ExportProgress, ReadStats, columns_of, read_rows, table_of
from .window import Range


@dataclass(slots=True)
class ExportReport:
    """What an export wrote and read; printed as the command's summary line."""

    dataset: str
    output: Path
    format: str
    wanted: Range
    all_revisions: bool
    stats: ReadStats
    source: str = "snapshots"

    @property
    def exit_code(self) -> int:
        """1 when a snapshot could not be read (the file holds everything else)."""
        return 1 if self.stats.unreadable else 0

    def as_dict(self) -> dict[str, Any]:
        stats = self.stats
        return {
            "dataset": self.dataset,
            "output": str(self.output),
            "format": self.format,
            "from": utc_iso(self.wanted.start),
            "until": utc_iso(self.wanted.stop),
            "revisions": "all" if self.all_revisions else "latest",
            "source": self.source,
            "snapshots": stats.snapshots,
            "rows_read": stats.rows_read,
            "rows": stats.rows,
            "unreadable": list(stats.unreadable),
            "skipped_values": stats.skipped_values,
            "skipped_examples": list(stats.skipped_examples),
        }


def default_output(dataset: Dataset, wanted: Range, fmt: str, all_revisions: bool) -> Path:
    """``<dataset>_<first day>_<last day>[_revisions].<format>`` in the working directory."""
    last = wanted.stop - timedelta(microseconds=1)
    revisions = "_revisions" if all_revisions else ""
    return Path(f"{dataset.name}_{wanted.start:%Y%m%d}_{last:%Y%m%d}{revisions}.{fmt}")


def export(
    dataset: Dataset,
    store: Store,
    prefix: str,
    wanted: Range,
    *,
    output: Path,
    fmt: str,
    all_revisions: bool = False,
    progress: ExportProgress | None = None,
    use_tables: bool = True,
) -> ExportReport:
    """Write the rows of ``dataset`` whose intervals start in ``wanted`` to ``output``:
    from the tables when they hold every snapshot in range, else from the snapshots."""
    schema = _schema(dataset, wanted, all_revisions)
    stats = ReadStats()
    if use_tables and hasattr(store, "delete"):
        from ..tables.exporting import table_rows

        found = table_rows(dataset, store, prefix, wanted,  # type: ignore[arg-type]
                           all_revisions=all_revisions, stats=stats, schema=schema)
        if found is not None:
            write(found.to_batches(max_chunksize=ROW_GROUP_ROWS), schema, output, fmt)
            return ExportReport(dataset.name, output, fmt, wanted, all_revisions, stats,
                                source="tables")
    rows = read_rows(dataset, store, prefix, wanted, all_revisions=all_revisions,
                     stats=stats, progress=progress)
    write(batches(rows, schema), schema, output, fmt)
    return ExportReport(dataset.name, output, fmt, wanted, all_revisions, stats)


def read_table(
    dataset: Dataset, store: Store, prefix: str, wanted: Range, *, stats: ReadStats
) -> Any:
    """The latest revisions as one in-memory Arrow table (for a day's plot)."""
    from .arrow import pyarrow

    schema = _schema(dataset, wanted, all_revisions=False)
    rows = read_rows(dataset, store, prefix, wanted, all_revisions=False, stats=stats)
    return pyarrow().Table.from_batches(list(batches(rows, schema)), schema=schema)


def _schema(dataset: Dataset, wanted: Range, all_revisions: bool) -> Any:
    metadata = {
        "gridcollect.dataset": dataset.name,
        "gridcollect.from": utc_iso(wanted.start),
        "gridcollect.until": utc_iso(wanted.stop),
        "gridcollect.revisions": "all" if all_revisions else "latest",
    }
    return schema_of(columns_of(table_of(dataset)), metadata)
