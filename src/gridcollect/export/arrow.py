"""Rows into Arrow record batches, and batches into a Parquet or CSV file.

pyarrow is imported here only, so commands that never export do not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError
from ..model import Column
from .files import replaced

FORMATS = ("parquet", "csv")
ROW_GROUP_ROWS = 65_536


def pyarrow(command: str = "export") -> Any:
    """The pyarrow module, or a usage error saying that ``command`` needs it and how to
    install it."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ConfigurationError(
            f"{command} needs pyarrow: pip install 'gridcollect[analysis]'"
        ) from None
    return pa


def schema_of(columns: Iterable[Column], metadata: Mapping[str, str]) -> Any:
    """The Arrow schema; each field carries its unit and meaning as field metadata."""
    pa = pyarrow()
    kinds = {
        "time": pa.timestamp("s", tz="UTC"),
        "market_time": pa.timestamp("s"),
        "number": pa.float64(),
        "text": pa.string(),
        "flag": pa.bool_(),
    }
    fields = []
    for column in columns:
        if column.kind not in kinds:
            raise ConfigurationError(f"column {column.name} has unknown kind {column.kind!r}")
        notes = {"unit": column.unit, "doc": column.doc}
        fields.append(pa.field(column.name, kinds[column.kind], metadata=notes))
    return pa.schema(fields, metadata=dict(metadata))


def batches(rows: Iterable[tuple[Any, ...]], schema: Any, size: int = ROW_GROUP_ROWS
            ) -> Iterator[Any]:
    """Record batches of at most ``size`` rows: only one batch is held at a time."""
    pa = pyarrow()
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        arrays = [pa.array(values, type=field.type)
                  for values, field in zip(zip(*chunk, strict=True), schema, strict=True)]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def write(batches: Iterable[Any], schema: Any, output: Path, fmt: str) -> None:
    """Write every batch to ``output`` (one Parquet row group each), atomically: a failed
    export leaves no partial file, and a reader never sees one."""
    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    pyarrow()
    try:
        with replaced(output) as temporary, _writer(temporary, schema, fmt) as writer:
            for batch in _reading(batches):
                writer.write_batch(batch)
    except _ReadFailed as failed:
        raise failed.original from None


class _ReadFailed(Exception):
    """An error of reading the rows, kept apart from errors of writing the file."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def _reading(items: Iterable[Any]) -> Iterator[Any]:
    """``items``, with any failure to produce one raised as :class:`_ReadFailed`, so a
    failed read is never reported as a failed write."""
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise _ReadFailed(exc) from exc
        yield item


def _writer(path: Path, schema: Any, fmt: str) -> Any:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetWriter(path, schema, compression="zstd")
    import pyarrow.csv as csv

    return csv.CSVWriter(path, schema)
