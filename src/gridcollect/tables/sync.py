"""``tables sync``: every stored snapshot not yet tabulated, into Parquet, exactly once.

A sync lists the store (so snapshots restored from a backup or written by another host
count too), skips what the manifest says was read, reads each new snapshot once, and
commits its rows in batches: one file per market day touched, published under its final
name (an atomic rename, or one S3 PUT), then one manifest commit naming the files and the
snapshots. A crash between the two leaves files no commit names: readers never see them
(they read the manifest) and the next sync deletes them and does the work again.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from ..export.engine import (
    UNREADABLE,
    decode,
    listed_snapshots,
    picker,
    snapshot_keys,
    table_of,
)
from ..model import Dataset, Table
from .layout import (
    TableStore,
    fault,
    file_name,
    latest_name,
    market_day,
    parse_file,
    snapshot_folder,
    table_root,
)
from .manifest import FileEntry, Manifest, State
from .parquet import (
    from_parquet,
    repeats_identity,
    sort_keys,
    table_schema,
    to_parquet,
    write,
    write_sorted,
)

log = logging.getLogger(__name__)

BATCH_ROWS = 200_000  # rows held before a commit: bounds memory, not the number of files
COMPACT_FILES = 16  # a partition with this many files is merged even while its day runs
MAX_ATTEMPTS = 5
Values = tuple[Any, ...]


@dataclass(slots=True)
class SyncReport:
    """What one sync of one dataset did; printed in the command's summary."""

    dataset: str
    listed: int = 0
    read: int = 0
    rows: int = 0
    files: int = 0
    commits: int = 0
    compacted: int = 0
    removed_orphans: int = 0
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    table_rows: int = 0
    table_files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "listed": self.listed, "read": self.read,
                "rows": self.rows, "files_written": self.files, "commits": self.commits,
                "partitions_compacted": self.compacted, "orphans_removed": self.removed_orphans,
                "unreadable": list(self.unreadable), "table_rows": self.table_rows,
                "table_files": self.table_files, "seconds": round(self.seconds, 3)}


@dataclass(slots=True)
class _Batch:
    rows: dict[str, dict[date, list[Values]]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    skipped: dict[str, list[Any]] = field(default_factory=dict)
    size: int = 0

    def keys(self) -> list[str]:
        return [*self.rows, *self.unreadable]


class TableSync:
    """Keeps one dataset's table up to date; holds the manifest state between syncs, so a
    long-running caller (``watch --tables``) reads only the commits made since."""

    def __init__(self, dataset: Dataset, store: TableStore, prefix: str, *,
                 batch_rows: int = BATCH_ROWS, compact_files: int = COMPACT_FILES,
                 now: Any = None) -> None:
        self.dataset = dataset
        self.table: Table = table_of(dataset)
        self.store = store
        self.prefix = prefix
        self.root = table_root(prefix, dataset.name)
        self.manifest = Manifest(store, self.root)
        self.schema = table_schema(dataset.name, self.table)
        self.pick = picker(self.table)
        self.batch_rows = batch_rows
        self.compact_files = compact_files
        self.now = now or (lambda: datetime.now(UTC))
        self.state: State | None = None

    def run(self, listing: Iterable[str] | None = None, *, compact: bool = True) -> SyncReport:
        """Tabulate every snapshot in ``listing`` (default: all of the dataset's) that the
        table does not hold yet, then compact. A full sync (no ``listing``) also deletes
        files no commit names; a sync of a few folders skips that walk of the whole table,
        so that its cost does not grow with history (readers ignore such files anyway)."""
        started = time.monotonic()
        report = SyncReport(self.dataset.name)
        state = self._load()
        full = listing is None
        if full:
            report.removed_orphans += self._remove_orphans(state)
        keys = listing if listing is not None else self.all_keys()
        batch = _Batch()
        for key in keys:
            report.listed += 1
            if key in state.read or key in batch.rows or key in batch.unreadable:
                continue
            self._read(key, batch, report)
            if batch.size >= self.batch_rows:
                state = self._commit(batch, report)
                batch = _Batch()
        if batch.keys():
            state = self._commit(batch, report)
        if compact:
            state = self._compact(report)
        self.manifest.checkpoint_if_due(state)
        if full:
            report.removed_orphans += self._remove_orphans(state)
        report.table_rows = state.rows
        report.table_files = len(state.files)
        report.seconds = time.monotonic() - started
        return report

    def all_keys(self) -> Iterable[str]:
        """Every stored snapshot of the dataset, by listing its folder."""
        folder = snapshot_folder(self.dataset, self.prefix)
        tables = table_root(self.prefix, "")
        for key in listed_snapshots(self.store, folder):
            if not key.startswith(tables):
                yield key

    def _load(self) -> State:
        self.state = self.manifest.load(self.state)
        return self.state

    def _read(self, key: str, batch: _Batch, report: SyncReport) -> None:
        body = self.store.get(key)
        if body is None:
            return  # removed since it was listed: nothing to record
        try:
            rows, ref, skipped = decode(self.dataset, self.table, key, body, loads=orjson.loads)
            by_day: dict[date, list[Values]] = defaultdict(list)
            days: dict[Any, date] = {}  # rows share a few interval starts: convert each once
            for position, row in enumerate(rows):
                start = row["interval_start"]
                day = days.get(start)
                if day is None:
                    day = days[start] = market_day(start)
                by_day[day].append((*self.pick(row), ref, key, position))
        except UNREADABLE as exc:
            log.warning("cannot read %s: %s", key, exc)
            batch.unreadable.append(key)
            report.unreadable.append(key)
            report.read += 1
            return
        if skipped:
            batch.skipped[key] = [len(skipped), skipped[0]]
        batch.rows[key] = dict(by_day)
        batch.size += len(rows)
        report.read += 1
        report.rows += len(rows)

    def _commit(self, batch: _Batch, report: SyncReport) -> State:
        """Write one file per market day of ``batch``, then commit them; on a concurrent
        commit, drop what the other writer already holds and try again."""
        for attempt in range(MAX_ATTEMPTS):
            # The commit is create-only, so a stale state only costs a retry.
            state = self.state if attempt == 0 and self.state is not None else self._load()
            fresh = {key: days for key, days in batch.rows.items() if key not in state.read}
            unreadable = [key for key in batch.unreadable if key not in state.read]
            if not fresh and not unreadable:
                return state
            per_day: dict[date, list[str]] = defaultdict(list)
            for key, days in fresh.items():
                for day in days:
                    per_day[day].append(key)
            written: list[FileEntry] = []
            for day in sorted(per_day):
                keys = per_day[day]
                path = file_name(day, state.seq + 1, secrets.token_hex(4))
                body, rows = to_parquet((row for key in keys for row in fresh[key][day]),
                                        self.schema, self.table)
                self._put(path, body)
                written.append(FileEntry(path, rows, keys))
            fault("sync:after-files")
            skipped = {key: batch.skipped[key] for key in fresh if key in batch.skipped}
            if self.manifest.commit(state, add=written, read=list(fresh), unreadable=unreadable,
                                    skipped=skipped):
                report.files += len(written)
                report.commits += 1
                fault("sync:after-commit")
                return state
            log.info("another sync committed first; retrying the commit of %d snapshots",
                     len(fresh))
            for entry in written:
                self.store.delete(f"{self.root}/{entry.path}")
        raise RuntimeError(f"{self.dataset.name}: could not commit after {MAX_ATTEMPTS} tries")

    def _compact(self, report: SyncReport) -> State:
        """Merge a partition's files into one once its market day is over (at most one
        day's worth of files then), or once it has ``compact_files`` files; a finished
        day also gets its latest-revisions file (see :func:`_latest_rows`)."""
        state = self.state if self.state is not None else self._load()
        today = market_day(self.now())
        latest = self._keeps_latest()
        conflicts = 0
        while conflicts < MAX_ATTEMPTS:
            current = state.current_latest()
            todo = [(day, paths) for day, paths in sorted(_partitions(state).items())
                    if len(paths) >= self.compact_files
                    or (day < today and (len(paths) > 1 or (latest and paths[0] not in current)))]
            if not todo:
                return state
            day, paths = todo[0]
            if self._merge(state, day, paths, latest=latest and day < today):
                report.compacted += 1  # the commit updated ``state`` in place
            else:
                conflicts += 1  # another writer committed first: look again
                state = self._load()
        return state

    def _keeps_latest(self) -> bool:
        """Latest files are per day: right only when a row's identity fixes its day."""
        try:
            import duckdb  # noqa: F401
        except ImportError:
            return False
        return "interval_start" in self.table.identity

    def _merge(self, state: State, day: date, paths: list[str], *, latest: bool) -> bool:
        import pyarrow as pa

        parts = []
        body: bytes | None = None
        for path in paths:
            body = self.store.get(f"{self.root}/{path}")
            if body is None:
                raise RuntimeError(f"{self.root}/{path} is in the manifest but not in the store")
            parts.append(from_parquet(body, self.schema))
        merged = pa.concat_tables(parts).sort_by(sort_keys(self.table))
        del parts  # the sorted copy is all that is needed now: a day can be ~1 M rows
        snapshots = sorted({key for old in paths for key in state.files[old].snapshots})
        added: list[FileEntry] = []
        removed: list[str] = []
        source = paths[0]
        if len(paths) > 1:
            source = file_name(day, state.seq + 1, secrets.token_hex(4))
            body = write(merged)
            self._put(source, body)
            added.append(FileEntry(source, merged.num_rows, snapshots))
            removed += paths
        if latest:
            # One revision per identity (ex-post prices: one snapshot per interval) makes
            # the day's rows their own latest, without DuckDB ranking a copy of them all.
            if repeats_identity(merged, self.table):
                rows = _latest_rows(merged, self.table)
                body = write_sorted(rows, self.table)
            else:
                rows = merged
            path = latest_name(day, state.seq + 1, secrets.token_hex(4))
            assert body is not None
            self._put(path, body)
            added.append(FileEntry(path, rows.num_rows, snapshots, source=source))
            removed += [p for p, e in state.files.items()
                        if e.source is not None and parse_file(p)[0] == day]  # type: ignore[index]
        fault("compact:after-file")
        if not self.manifest.commit(state, add=added, remove=removed):
            for entry in added:
                self.store.delete(f"{self.root}/{entry.path}")
            return False
        fault("compact:after-commit")
        for old in removed:
            self.store.delete(f"{self.root}/{old}")
        return True

    def _remove_orphans(self, state: State) -> int:
        """Delete data files no commit names: left by a crash before its commit, or by a
        compaction after it. Only files for commits already made count: a higher number
        may be another writer's work in progress."""
        removed = 0
        for key in self.store.keys(f"{self.root}/"):
            path = key[len(self.root) + 1:]
            parsed = parse_file(path)
            if parsed is None or path in state.files or parsed[1] > state.seq:
                continue
            self.store.delete(key)
            removed += 1
        return removed

    def _put(self, path: str, body: bytes) -> None:
        self.store.put(f"{self.root}/{path}", body, sha256="", overwrite=True,
                       content_type="application/vnd.apache.parquet", content_encoding=None)


def _latest_rows(revisions: Any, table: Table) -> Any:
    """The latest revision of each identity among ``revisions`` (an Arrow table)."""
    import duckdb

    from .query import arrow_table, latest_of

    connection = duckdb.connect()
    try:
        connection.register("__day", revisions)
        return arrow_table(connection.sql(latest_of("__day", table))).cast(revisions.schema)
    finally:
        connection.close()


def _partitions(state: State) -> dict[date, list[str]]:
    """Each market day's revisions files."""
    found: dict[date, list[str]] = defaultdict(list)
    for path in state.revision_files():
        parsed = parse_file(path)
        if parsed is not None:
            found[parsed[0]].append(path)
    return {day: sorted(paths) for day, paths in found.items()}


def recent_keys(dataset: Dataset, store: TableStore, prefix: str, now: datetime) -> list[str]:
    """Snapshots filed around ``now`` (the folders of yesterday, today and tomorrow, as
    export finds a day's snapshots): what a sync right after collecting needs to list,
    without listing the whole history."""
    from ..export.window import Range

    return snapshot_keys(dataset, store, prefix, Range(now - timedelta(hours=1),
                                                       now + timedelta(hours=1)))
