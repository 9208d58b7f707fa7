"""Tables on a synthetic week of ``lmp_five_min_expost`` (2,628 nodes a snapshot): sync
throughput, the cost of a new snapshot on the week's table, two queries against the
snapshot-reading export, size and memory.

Each snapshot is the recording (one interval's prices at every node) moved to its
five-minute slot, written straight into the stored layout under the dataset's key
template, with prices that vary by slot and node: a system-wide energy price following
the day, each node's congestion scaled and jittered, its loss component as recorded, and
the LMP their sum (so the energy-component rule holds as it does on the wire).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import lake
from .harness import WIRE

RECORDING = WIRE / "MarketPricing" / "GetRealTimeFiveMinExPost" / "Current.json"
DATASET = "miso_lmp_five_min_expost"
FIRST_DAY = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday; market days on EST
HUB = "INDIANA.HUB"
HUB_SQL = ("SELECT CAST(interval_start_est AS DATE) AS market_day, max(lmp) AS max_lmp, "
           "arg_max(interval_start_est, lmp) AS at_est FROM miso_lmp_five_min_expost "
           f"WHERE node = '{HUB}' GROUP BY market_day ORDER BY market_day")
NODE_SQL = ("SELECT node, CAST(interval_start_est AS DATE) AS market_day, "
            "avg(lmp) AS avg_lmp FROM miso_lmp_five_min_expost "
            "GROUP BY node, market_day ORDER BY node, market_day")
QUERIES = {"hub": HUB_SQL, "node": NODE_SQL}


def available() -> bool:
    """The recording is read from the shared fixtures; without it, nothing to do."""
    return RECORDING.is_file()


class Generator(lake.SnapshotFiles):
    """Snapshots of the recording, moved in time and varied."""

    def __init__(self, root: Path, seed: int = 1, per_day: int = 288) -> None:
        super().__init__(root, DATASET, level=6)
        self.per_day = per_day  # snapshots a market day (288; fewer for a smoke run)
        recorded = json.loads(RECORDING.read_text())
        column = {name: i for i, name in enumerate(recorded["headers"])}
        self.nodes = [(row[column["CPNODE"]].encode(), float(row[column["MLC"]]),
                       float(row[column["MCC"]])) for row in recorded["data"]]
        self.seed = seed

    def day(self, day: int, slots: range | None = None) -> None:
        """The five-minute snapshots ``slots`` (default: all) of market day ``day``."""
        for slot in slots if slots is not None else range(self.per_day):
            self.snapshot(day, slot)

    def snapshot(self, day: int, slot: int) -> None:
        noise = random.Random(self.seed * 1_000_000 + day * 1000 + slot)  # any order
        at = FIRST_DAY + timedelta(days=day, hours=5, minutes=5 * slot)  # slot start, UTC
        hour = slot / 12
        energy = round(28 + 9 * math.sin(math.pi * (hour - 8) / 12) + 2 * math.sin(day)
                       + noise.gauss(0, 1.5), 2)
        congestion = 1 + 0.6 * math.sin(math.pi * (hour - 6) / 12) + noise.gauss(0, 0.1)
        label = (at - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S").encode()
        rows = []
        # Assembled as bytes: 2,628 rows a snapshot, 5.3 M a week.
        for node, mlc, mcc in self.nodes:
            mcc = round(mcc * congestion + noise.gauss(0, 0.05), 2)
            rows.append(b'["%s","%s","%.2f","%.2f","%.2f"]'
                        % (label, node, energy + mlc + mcc, mlc, mcc))
        stamp = (at + timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        body = (b'{"data":{"headers":["INTERVAL","CPNODE","LMP","MLC","MCC"],"data":['
                + b",".join(rows) + b']},"collection_metadata":{"dataset":"' + DATASET.encode()
                + b'","collected_at":"' + stamp + b'"}}')
        self.write(at, body)



def measure(workdir: Path, days: int, *, per_day: int = 288, watch: int = 8) -> dict[str, Any]:
    """Every figure over ``days`` market days of ``per_day`` snapshots (a week: 7 x 288 =
    2,016; at least 3 days); ``watch`` watch-style syncs of one snapshot each on the
    one-day table and on the full one."""
    assert days >= 3 and per_day > watch + 1
    root = workdir / "lmp"
    generator = Generator(root, per_day=per_day)
    found: dict[str, Any] = {"days": days, "per_day": per_day}
    started = time.perf_counter()
    generator.day(0)
    run, report = lake.sync(root, DATASET)
    found["first_day_sync_per_s"] = report["read"] / run.wall
    found["watch_small"] = _watch_style(root, generator, 1, range(watch))
    generator.day(1, range(watch, per_day))
    for day in range(2, days - 1):
        generator.day(day)
    last = per_day - watch - 1
    generator.day(days - 1, range(last))
    found["generate_s"] = time.perf_counter() - started
    lake.bulk_sync(found, root, DATASET)
    found["watch_large"] = _watch_style(root, generator, days - 1, range(last, per_day - 1))
    generator.day(days - 1, range(per_day - 1, per_day))
    run, report = lake.sync(root, DATASET)  # one new snapshot, by the command
    assert report["read"] == 1, report
    assert generator.count == days * per_day
    found["command_one_large_s"] = run.wall
    found["command_one_large_peak_rss_mb"] = run.max_rss_mb
    found["snapshots"] = generator.count
    found["table_rows"] = report["table_rows"]
    tables = generator.tables()
    found["table_mb"] = generator.table_mb()
    found["gzip_json_mb"] = generator.bytes / 1e6

    answers = {}
    for name, sql in QUERIES.items():
        output = workdir / f"lmp-{name}.csv"
        found[f"{name}_query_warm_s"], found[f"{name}_query_peak_rss_mb"] = lake.warm_query(
            root, sql, output)
        answers[name] = lake.csv_rows(output)

    # The snapshot-reading export of the week (each interval has one revision, so all
    # revisions are the latest ones; --all-revisions streams), then DuckDB on its file.
    first = FIRST_DAY.date().isoformat()
    end = (FIRST_DAY + timedelta(days=days)).date().isoformat()  # UTC days, inclusive
    aside = workdir / "lmp-tables-aside"
    shutil.move(tables, aside)
    try:
        started = time.perf_counter()
        run = lake.gridcollect("export", DATASET, "--from", first, "--to", end, "--all-revisions",
                           "--output-dir", str(root), "--output", str(workdir / "week.parquet"),
                           "--log-level", "WARNING")
        found["export_s"] = time.perf_counter() - started
        found["export_peak_rss_mb"] = run.max_rss_mb
    finally:
        shutil.move(aside, tables)
    for name, sql in QUERIES.items():
        started = time.perf_counter()
        same = lake.file_rows(workdir / "week.parquet", sql, DATASET)
        found[f"{name}_export_then_query_s"] = found["export_s"] + time.perf_counter() - started
        found[f"{name}_same_answer"] = lake.same(same, answers[name])
        found[f"{name}_export_over_query"] = (found[f"{name}_export_then_query_s"]
                                              / found[f"{name}_query_warm_s"])
    found["answer_rows"] = {name: len(rows) for name, rows in answers.items()}
    return found


def _watch_style(root: Path, generator: Generator, day: int, slots: range) -> dict[str, float]:
    """What ``watch --tables`` pays per snapshot (see :func:`bench.lake.watch_style`), each
    sync six minutes after its slot starts, as the collection would be."""
    midnight = FIRST_DAY + timedelta(days=day, hours=5)
    return lake.watch_style(root, DATASET, lambda slot: generator.day(day, range(slot, slot + 1)),
                            midnight, slots, lag=timedelta(minutes=6))


def rows(found: dict[str, Any], row: Any) -> list[Any]:
    """The scenario's figures as report rows (``row`` is :class:`bench.report.Row`)."""
    label = (f"tables: {found['days']} days of lmp_five_min_expost "
             f"({found['snapshots']} snapshots)")

    one, result = lake.sync_rows(found, row, label)
    small, large = found["watch_small"], found["watch_large"]
    result += [
        one("watch-style sync of one new snapshot, 1-day table (median)", "ms",
            small["median_ms"]),
        one("watch-style sync of one new snapshot, full table (median)", "ms",
            large["median_ms"]),
        one("watch-style sync of one new snapshot, full table (max)", "ms", large["max_ms"]),
        one("sync of one new snapshot by the command, full table", "s",
            found["command_one_large_s"]),
        *lake.size_rows(found, one),
        one("export from snapshots (--all-revisions) peak RSS", "MB",
            found["export_peak_rss_mb"]),
    ]
    for name, what in (("hub", f"daily max LMP at {HUB}"), ("node", "average LMP per node "
                                                                     "per day")):
        result += [
            one(f"{what} via gridcollect query, warm (whole command)", "s",
                found[f"{name}_query_warm_s"]),
            one(f"{what}: query peak RSS", "MB", found[f"{name}_query_peak_rss_mb"]),
            one(f"{what} via export from snapshots + DuckDB on the file", "s",
                found[f"{name}_export_then_query_s"]),
            one(f"{what}: snapshot export / query", "x", found[f"{name}_export_over_query"]),
            one(f"{what}: same answer both ways", "bool", float(found[f"{name}_same_answer"]),
                "= 1", lambda v: v == 1),
        ]
    return result
