"""Stored snapshots into tidy rows: list, read, unwrap, tabulate, keep the wanted revisions.

Nothing here knows a dataset: each one's :class:`~gridcollect.model.Table` says how its
payload becomes rows. Snapshots are read one at a time. With every revision kept, rows
stream straight through. For the latest revision only, one entry per output row is kept
(its identity, the winning snapshot's order and the row's small values), so memory grows
with the rows written, never with the number of snapshots read; one pass also reads each
object once, which matters on S3 where a second pass would pay every GET again.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from operator import itemgetter
from typing import Any, Protocol

from ..errors import ConfigurationError
from ..model import Column, Dataset, Table, TableContext
from ..stores import Store
from .window import Range, key_prefixes

log = logging.getLogger(__name__)

SNAPSHOT_COLUMNS = (
    Column("snapshot_ref", "time", "UTC",
           "The snapshot's own as-of time (its RefId, or what stands for one)."),
    Column("snapshot_key", "text", "", "Key of the stored snapshot the row comes from."),
)
MAX_EXAMPLES = 5
SNAPSHOT_SUFFIX = ".json.gz"
# What a damaged or unexpected object raises on the way from bytes to rows.
UNREADABLE = (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError,
               IndexError)

Values = tuple[Any, ...]


class ExportProgress(Protocol):
    """Told as listing moves from one prefix to the next, and after each snapshot."""

    def listing(self, prefix: str, index: int, total: int) -> None: ...

    def snapshot(self, key: str, rows: int) -> None: ...


@dataclass(slots=True)
class ReadStats:
    """What reading found: counts for the summary line, and what could not be used."""

    snapshots: int = 0
    rows_read: int = 0
    rows: int = 0
    unreadable: list[str] = field(default_factory=list)
    skipped_values: int = 0
    skipped_examples: list[str] = field(default_factory=list)


def table_of(dataset: Dataset) -> Table:
    """The dataset's table, or a usage error when it declares none."""
    if dataset.table is None:
        raise ConfigurationError(f"{dataset.name} declares no export table")
    return dataset.table


def columns_of(table: Table) -> tuple[Column, ...]:
    """Every column of the export: the dataset's, then the snapshot's."""
    return (*table.columns, *SNAPSHOT_COLUMNS)


def read_rows(
    dataset: Dataset,
    store: Store,
    prefix: str,
    wanted: Range,
    *,
    all_revisions: bool,
    stats: ReadStats,
    progress: ExportProgress | None = None,
) -> Iterator[Values]:
    """Rows (values in :func:`columns_of` order) of intervals starting in ``wanted``.

    Latest revisions come sorted by the table's identity; with ``all_revisions`` rows
    come snapshot by snapshot, in key order.
    """
    table = table_of(dataset)
    snapshots = _snapshots(dataset, table, store, prefix, wanted, stats, progress)
    if all_revisions:
        for _order, rows in snapshots:
            stats.rows += len(rows)
            yield from rows
        return
    names = [column.name for column in table.columns]
    positions = [names.index(name) for name in table.identity]
    winners: dict[Values, tuple[Values, Values]] = {}
    for order, rows in snapshots:
        for row in rows:
            identity = tuple(row[i] for i in positions)
            held = winners.get(identity)
            # Equal order: a later row of the same snapshot replaces an earlier one.
            if held is None or held[0] <= order:
                winners[identity] = (order, row)
    for identity in sorted(winners):
        stats.rows += 1
        yield winners.pop(identity)[1]


def _snapshots(
    dataset: Dataset,
    table: Table,
    store: Store,
    prefix: str,
    wanted: Range,
    stats: ReadStats,
    progress: ExportProgress | None,
) -> Iterator[tuple[Values, list[Values]]]:
    """``(order, rows)`` per snapshot that has rows in range; order ranks revisions."""
    listings = key_prefixes(dataset, prefix, wanted)
    for index, listing in enumerate(listings, start=1):
        if progress is not None:
            progress.listing(listing, index, len(listings))
        for key in listed_snapshots(store, listing):
            found = _read(dataset, table, store, key, wanted, stats)
            if progress is not None:
                progress.snapshot(key, len(found[1]) if found else 0)
            if found is not None:
                yield found


def _read(
    dataset: Dataset, table: Table, store: Store, key: str, wanted: Range, stats: ReadStats
) -> tuple[Values, list[Values]] | None:
    """One snapshot's rows in range with their revision order; None when it has none."""
    body = store.get(key)
    if body is None:
        return None  # removed since it was listed
    pick = picker(table)
    try:
        rows, ref, skipped = decode(dataset, table, key, body, wanted)
        values = [(*pick(row), ref, key) for row in rows]
    except UNREADABLE as exc:
        log.warning("cannot read %s: %s", key, exc)
        stats.unreadable.append(key)
        return None
    stats.snapshots += 1
    stats.rows_read += len(values)
    _note_skipped(key, skipped, stats)
    return ((ref, natural_order(key)), values) if values else None


def decode(dataset: Dataset, table: Table, key: str, body: bytes, wanted: Range | None = None,
           loads: Callable[[bytes], Any] = json.loads
           ) -> tuple[list[Mapping[str, Any]], Any, list[str]]:
    """One stored snapshot's rows (those starting in ``wanted``, if given), its ref in UTC
    (None when it has no such rows) and the values it skipped; raises one of
    :data:`UNREADABLE` for a damaged or unexpected object."""
    context = TableContext(key=key, stored=None)
    context.stored = loads(gzip.decompress(body))
    payload = dataset.unwrap(context.stored)
    rows = list(table.rows(payload, context))
    if wanted is not None:
        rows = [row for row in rows if row["interval_start"] in wanted]
    # The ref is needed only to rank rows; a snapshot without any needs none.
    ref = table.ref(payload, context).astimezone(UTC) if rows else None
    return rows, ref, context.skipped


def picker(table: Table) -> Callable[[Mapping[str, Any]], Values]:
    """A function giving a row's values in :attr:`Table.columns` order, as one tuple
    (``itemgetter`` builds it in C: this runs for every row read)."""
    get = itemgetter(*(column.name for column in table.columns))
    if len(table.columns) == 1:
        return lambda row: (get(row),)
    return get


def listed_snapshots(store: Any, listing: str) -> Iterator[str]:
    """The snapshot keys under one listing prefix (not the tables' files, not markers)."""
    return (key for key in store.keys(listing) if key.endswith(SNAPSHOT_SUFFIX))


def snapshot_keys(dataset: Dataset, store: Any, prefix: str, wanted: Range) -> list[str]:
    """Every snapshot key in the folders where rows of ``wanted`` can be filed."""
    return [key for listing in key_prefixes(dataset, prefix, wanted)
            for key in listed_snapshots(store, listing)]


def _note_skipped(key: str, skipped: list[str], stats: ReadStats) -> None:
    stats.skipped_values += len(skipped)
    for why in skipped:
        log.debug("%s: %s", key, why)
        if len(stats.skipped_examples) < MAX_EXAMPLES:
            stats.skipped_examples.append(f"{key}: {why}")


def natural_order(key: str) -> Values:
    """``key`` with its numbers compared as numbers, so ``_10`` follows ``_2``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))
