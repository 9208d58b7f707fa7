"""Tables: sync throughput, incremental cost, query speed against the snapshot-reading
export, size and memory, on synthetic five-minute total load derived from the recording.

The synthetic store is written straight into the stored layout (gzip JSON envelopes under
the dataset's key template), one snapshot per five minutes: each one is the recorded
response with its ``RefId`` moved to the snapshot's time, the five-minute rows of its
market day so far, and values that follow the day and the season with some noise.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import lake
from .harness import WIRE

RECORDING = WIRE / "RealTimeTotalLoad.json"
DATASET = "miso_realtime_total_load"
EST = timezone(timedelta(hours=-5))
FIRST_DAY = datetime(2025, 1, 1, tzinfo=UTC)
WATCH_SNAPSHOTS = 24  # syncs of one snapshot each, as watch --tables makes them
PEAK_SQL = ("SELECT CAST(interval_start_est AS DATE) AS market_day, max(mw) AS peak_mw, "
            "arg_max(interval_start_est, mw) AS peak_at_est FROM miso_realtime_total_load "
            "WHERE series = 'load_5min' GROUP BY market_day ORDER BY market_day")


class Generator(lake.SnapshotFiles):
    """Snapshots of the recording, moved in time and varied."""

    def __init__(self, root: Path, seed: int = 1) -> None:
        super().__init__(root, DATASET)
        self.recording = json.loads(RECORDING.read_text())["LoadInfo"]
        loads = [float(row["Load"]["Value"]) for row in self.recording["FiveMinTotalLoad"]]
        # A day's shape: the recorded five-minute loads, extended by the hourly cleared MW.
        hourly = [float(row["ClearedMWHourly"]["Value"]) for row in self.recording["ClearedMW"]]
        self.shape = [loads[i] if i < len(loads) else hourly[i // 12] for i in range(288)]
        self.seed = seed
        self.random = random.Random(seed)

    def day(self, day: int, slots: range = range(288)) -> None:
        """The five-minute snapshots ``slots`` of market day ``day`` (0 = FIRST_DAY)."""
        midnight = FIRST_DAY + timedelta(days=day, hours=5)  # 00:00 EST in UTC
        season = 1.0 + 0.15 * math.cos(2 * math.pi * (day - 200) / 365)
        self.random = random.Random(self.seed * 100_000 + day)  # a day's values, any order
        noise = [self.random.gauss(1.0, 0.01) for _ in range(288)]
        values = [round(self.shape[i] * season * noise[i]) for i in range(288)]
        for slot in slots:
            self.snapshot(midnight + timedelta(minutes=5 * slot), slot, values, season)

    def snapshot(self, at: datetime, slot: int, values: list[int], season: float) -> None:
        # Assembled as bytes: a year is 105,000 of these, and dicts through orjson cost
        # more than the gzip.
        est = at.astimezone(EST)
        five = b",".join(
            b'{"Load":{"Time":"%02d:%02d","Value":"%d"}}' % (i // 12, i % 12 * 5, values[i])
            for i in range(slot + 1))
        cleared = b",".join(b'{"ClearedMWHourly":{"Hour":"%d","Value":"%d"}}'
                            % (h + 1, round(values[h * 12] * 1.01)) for h in range(24))
        forecast = b",".join(b'{"Forecast":{"HourEnding":"%d","LoadForecast":"%d"}}' % (
            h + 1, round(self.shape[h * 12] * season * self.random.gauss(1.0, 0.02)))
            for h in range(24))
        ref = est.strftime("%d-%b-%Y - Interval %H:%M EST").encode()
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        body = (b'{"data":{"LoadInfo":{"RefId":"' + ref + b'","ClearedMW":[' + cleared
                + b'],"MediumTermLoadForecast":[' + forecast + b'],"FiveMinTotalLoad":['
                + five + b']}},"collection_metadata":{"collected_at":"' + stamp
                + b'","source":"miso","data_type":"realtime_total_load"}}')
        self.write(at, body)



def measure(workdir: Path, days: int) -> dict[str, Any]:
    """Every figure of the tables scenario over ``days`` market days (at least 4)."""
    root = workdir / "lake"
    generator = Generator(root)
    found: dict[str, Any] = {"days": days}
    small = max(1, min(7, days // 3))
    started = time.perf_counter()
    for day in range(small):
        generator.day(day)
    lake.sync(root, DATASET)
    # One more day on a small table, then the bulk, then one more day on the large table.
    generator.day(small)
    run, report = lake.sync(root, DATASET)
    found["incremental_small_ms_per_snapshot"] = run.wall / report["read"] * 1000
    found["watch_small_ms_per_sync"] = _watch_style(root, generator, small + 1)
    generator.day(small + 1, range(WATCH_SNAPSHOTS, 288))
    for day in range(small + 2, days - 1):
        generator.day(day)
    found["generate_s"] = time.perf_counter() - started
    bulk_before = generator.count
    lake.bulk_sync(found, root, DATASET)
    generator.day(days - 1)
    run, report = lake.sync(root, DATASET)
    found["incremental_large_ms_per_snapshot"] = run.wall / report["read"] * 1000
    found["incremental_large_table_rows"] = report["table_rows"]
    found["watch_large_ms_per_sync"] = _watch_style(root, generator, days)
    found["snapshots"] = generator.count
    assert generator.count == bulk_before + 288 + WATCH_SNAPSHOTS
    tables = generator.tables()
    found["table_mb"] = generator.table_mb()
    found["gzip_json_mb"] = generator.bytes / 1e6
    found["table_rows"] = report["table_rows"]

    found["query_warm_s"], found["query_peak_rss_mb"] = lake.warm_query(
        root, PEAK_SQL, workdir / "peaks.csv", timeout=120)
    found["query_engine_s"] = _in_process_query(root)
    peaks = [row[:2] for row in lake.csv_rows(workdir / "peaks.csv")]

    last = (FIRST_DAY + timedelta(days=days - 1)).date().isoformat()
    first = FIRST_DAY.date().isoformat()
    aside = workdir / "tables-aside"
    shutil.move(tables, aside)  # today's export: the snapshots, read one by one
    try:
        started = time.perf_counter()
        run = lake.gridcollect("export", DATASET, "--from", first, "--to", last, "--output-dir",
                           str(root), "--output", str(workdir / "year.parquet"))
        found["export_peak_rss_mb"] = run.max_rss_mb
        snapshot_peaks = [row[:2] for row in lake.file_rows(workdir / "year.parquet",
                                                            PEAK_SQL, DATASET)]
        found["export_then_query_s"] = time.perf_counter() - started
    finally:
        shutil.move(aside, tables)
    # The query also sees the watch-style day after the exported range.
    found["same_answer"] = lake.same(snapshot_peaks, [p for p in peaks if p[0][:10] <= last])
    found["export_over_query"] = found["export_then_query_s"] / found["query_warm_s"]
    run = lake.gridcollect("export", DATASET, "--from", first, "--to", last, "--output-dir",
                       str(root), "--output", str(workdir / "year-tables.parquet"))
    found["export_from_tables_s"] = run.wall
    return found


def _watch_style(root: Path, generator: Generator, day: int) -> float:
    """What ``watch --tables`` pays per snapshot (see :func:`bench.lake.watch_style`) on
    the first ``WATCH_SNAPSHOTS`` slots of ``day``: median ms per sync."""
    midnight = FIRST_DAY + timedelta(days=day, hours=5)
    return lake.watch_style(root, DATASET, lambda slot: generator.day(day, range(slot, slot + 1)),
                            midnight, range(WATCH_SNAPSHOTS))["median_ms"]


def _in_process_query(root: Path) -> float:
    """The query alone, on a connection with the views already registered (warm)."""
    from gridcollect import datasets
    from gridcollect.stores.local import LocalStore
    from gridcollect.tables.query import connect

    connection = connect(LocalStore(root), "sourcing", [datasets.get(DATASET)])
    connection.sql(PEAK_SQL).fetchall()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        connection.sql(PEAK_SQL).fetchall()
        times.append(time.perf_counter() - started)
    return sorted(times)[1]


def rows(found: dict[str, Any], row: Any) -> list[Any]:
    """The scenario's figures as report rows (``row`` is :class:`bench.report.Row`)."""
    days = found["days"]
    label = f"tables: {days} days of 5-min total load ({found['snapshots']} snapshots)"

    one, (throughput, cpu, rss) = lake.sync_rows(found, row, label)
    return [
        throughput,
        cpu,
        one("sync of one more day, small table (per snapshot, whole command)", "ms",
            found["incremental_small_ms_per_snapshot"]),
        one("sync of one more day, full table (per snapshot, whole command)", "ms",
            found["incremental_large_ms_per_snapshot"]),
        one("watch-style sync of one new snapshot, small table", "ms",
            found["watch_small_ms_per_sync"]),
        one("watch-style sync of one new snapshot, full table", "ms",
            found["watch_large_ms_per_sync"]),
        rss,
        one("daily peak via gridcollect query, warm (whole command)", "s",
            found["query_warm_s"], "< 1 s", lambda v: v < 1),
        one("daily peak, DuckDB time alone (views registered)", "s",
            found["query_engine_s"]),
        one("query peak RSS", "MB", found["query_peak_rss_mb"]),
        one("daily peak via export from snapshots + DuckDB on the file", "s",
            found["export_then_query_s"]),
        one("snapshot export / query", "x", found["export_over_query"]),
        one("export of the range from the tables", "s", found["export_from_tables_s"]),
        one("export from snapshots peak RSS", "MB", found["export_peak_rss_mb"]),
        *lake.size_rows(found, one),
        one("same daily peaks both ways", "bool", float(found["same_answer"]), "= 1",
            lambda v: v == 1),
    ]
