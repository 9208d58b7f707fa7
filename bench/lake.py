"""What the tables scenarios share: synthetic snapshots written straight into the stored
layout, ``tables sync`` and ``query`` by the command, the watch-style sync in-process,
and the scenario's figures as report rows."""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .harness import gridcollect_command, run_child

PREFIX = "sourcing"


class SnapshotFiles:
    """Gzip snapshot bodies written under ``root`` at their keys; counts and sizes them."""

    def __init__(self, root: Path, dataset: str, level: int = 9) -> None:
        from gridcollect import datasets

        self.root = root
        self.dataset = dataset
        self.template = datasets.get(dataset).key_template
        self.level = level
        self.bytes = 0
        self.count = 0
        self._folder: Path | None = None

    def write(self, at: datetime, body: bytes) -> None:
        """Store ``body`` under the key the dataset's template gives ``at``."""
        path = self.root / (f"{PREFIX}/" + self.template.format(t=at, suffix=""))
        if path.parent != self._folder:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folder = path.parent
        packed = gzip.compress(body, compresslevel=self.level, mtime=0)
        path.write_bytes(packed)
        self.bytes += len(packed)
        self.count += 1

    def table_mb(self) -> float:
        """Size of the dataset's table files (revisions and ``_latest``), in MB."""
        tables = self.tables()
        return sum(p.stat().st_size for p in tables.rglob("*.parquet")) / 1e6

    def tables(self) -> Path:
        return self.root / PREFIX / "tables" / self.dataset


def gridcollect(*args: str, timeout: float = 7200) -> Any:
    """Run the command to completion; a failure raises with the end of its stderr."""
    run = run_child([*gridcollect_command(), *args], timeout=timeout)
    if run.code != 0:
        raise RuntimeError(f"gridcollect {args[0]} failed ({run.code}): {run.stderr[-2000:]}")
    return run


def sync(root: Path, dataset: str) -> tuple[Any, dict[str, Any]]:
    """``tables sync`` of ``dataset`` by the command: the run and its dataset report."""
    run = gridcollect("tables", "sync", dataset, "--output-dir", str(root),
                      "--log-level", "WARNING")
    return run, json.loads(run.stdout.strip().splitlines()[-1])["datasets"][0]


def warm_query(root: Path, sql: str, output: Path, timeout: float = 600) -> tuple[float, float]:
    """``gridcollect query`` into a CSV file: once cold (file cache and imports), then the
    median wall time of three warm runs, and their peak RSS in MB."""
    query = [*gridcollect_command(), "query", sql, "--output-dir", str(root),
             "--format", "csv", "--output", str(output)]
    run_child(query, timeout=timeout)
    runs = [run_child(query, timeout=timeout) for _ in range(3)]
    assert all(r.code == 0 for r in runs), runs[0].stderr[-2000:]
    return sorted(r.wall for r in runs)[1], max(r.max_rss_mb for r in runs)


def watch_style(root: Path, dataset: str, write: Callable[[int], None], midnight: datetime,
                slots: range, lag: timedelta = timedelta(0)) -> dict[str, float]:
    """What ``watch --tables`` pays per snapshot: ``write(slot)`` stores one new snapshot,
    then a sync of the day folders around its time (slot start + ``lag``), the manifest
    kept in memory. Median, mean and max ms per sync (a sync that compacts today's
    partition is the max)."""
    from gridcollect import datasets
    from gridcollect.stores.local import LocalStore
    from gridcollect.tables.sync import TableSync, recent_keys

    chosen = datasets.get(dataset)
    store = LocalStore(root)
    clock = {"now": midnight + timedelta(minutes=5 * slots.start)}
    table = TableSync(chosen, store, PREFIX, now=lambda: clock["now"])
    table.run(recent_keys(chosen, store, PREFIX, clock["now"]))  # loads the manifest
    times = []
    for slot in slots:
        write(slot)
        clock["now"] = midnight + timedelta(minutes=5 * slot) + lag
        started = time.perf_counter()
        report = table.run(recent_keys(chosen, store, PREFIX, clock["now"]))
        times.append(time.perf_counter() - started)
        assert report.read == 1, report
    return {"median_ms": sorted(times)[len(times) // 2] * 1000,
            "mean_ms": sum(times) / len(times) * 1000, "max_ms": max(times) * 1000}


def sync_rows(found: dict[str, Any], row: Any, label: str) -> tuple[Any, list[Any]]:
    """A one-value row maker for ``label``, and the bulk sync's rows (throughput, CPU and
    peak RSS), which every tables scenario reports."""

    def one(metric: str, unit: str, value: float, target: str = "", check: Any = None) -> Any:
        return row(label, "embedded", metric, unit, [value], target, check)

    return one, [
        row(label, "embedded", "sync throughput (bulk)", "snapshots/s", [found["sync_per_s"]],
            params={"bulk_snapshots": found["bulk_snapshots"]}),
        one("sync CPU per snapshot (bulk)", "ms", found["sync_cpu_ms_per_snapshot"]),
        one("sync peak RSS (bulk)", "MB", found["sync_peak_rss_mb"]),
    ]


def bulk_sync(found: dict[str, Any], root: Path, dataset: str) -> dict[str, Any]:
    """Sync by the command what was written since the last sync, noting the bulk figures
    in ``found``; the sync's report."""
    run, report = sync(root, dataset)
    found["bulk_snapshots"] = report["read"]
    found["sync_per_s"] = report["read"] / run.wall
    found["sync_cpu_ms_per_snapshot"] = run.cpu / report["read"] * 1000
    found["sync_peak_rss_mb"] = run.max_rss_mb
    return report


def size_rows(found: dict[str, Any], one: Any) -> list[Any]:
    """The table's size against the gzip JSON snapshots'."""
    return [
        one("table size / gzip JSON size", "%", found["table_mb"] / found["gzip_json_mb"] * 100),
        one("table size on disk (revisions and _latest files)", "MB", found["table_mb"]),
        one("gzip JSON snapshots", "MB", found["gzip_json_mb"]),
    ]


def csv_rows(path: Path) -> list[tuple[Any, ...]]:
    """A query's CSV answer (header skipped) as :func:`normal` rows."""
    import csv

    with path.open() as handle:
        return [normal(row) for row in list(csv.reader(handle))[1:]]


def file_rows(path: Path, sql: str, dataset: str) -> list[tuple[Any, ...]]:
    """``sql`` (written against the ``dataset`` view) answered by DuckDB on an exported
    file, as :func:`normal` rows."""
    import duckdb

    sql = sql.replace(f"FROM {dataset}", f"FROM '{path}'")
    return [normal(row) for row in duckdb.sql(sql).fetchall()]


def normal(row: Any) -> tuple[Any, ...]:
    """A result row as comparable values: numbers as floats, dates and times as ISO text."""
    out: list[Any] = []
    for value in row:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        try:
            out.append(float(text))
        except ValueError:
            try:
                out.append(datetime.fromisoformat(text).isoformat())
            except ValueError:
                out.append(text)
    return tuple(out)


def same(one: list[tuple[Any, ...]], other: list[tuple[Any, ...]]) -> bool:
    """Equal answers; averages may differ in their last bits with the order of summing."""
    return len(one) == len(other) and all(
        len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
                                 if isinstance(x, float) and isinstance(y, float) else x == y
                                 for x, y in zip(a, b, strict=True))
        for a, b in zip(one, other, strict=True))
