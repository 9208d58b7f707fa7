"""``python -m bench``: measure what users feel, print a table, write JSON results.

Runs from the repository root. ``--smoke`` is a few-second pass over every scenario
(what the test suite runs); ``--backends real`` adds redis-server, moto's S3 server and
a Tansu Kafka broker, started on 127.0.0.1 and stopped at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import backends as backend_kinds
from . import burst, coldstart, memory, polling, prices, tables_lmp
from . import tables as tables_bench
from .backends import Backends
from .harness import ROOT
from .report import Row, table, write

SCENARIOS = ("window", "watch", "burst", "cold", "memory", "prices", "tables")
FLOOR_LABEL = "floor: gzip + SHA-256 + write + fsync (file and directory)"
FILE_ONLY_FLOOR_LABEL = "floor without the directory fsync (as measured before)"


@dataclass(frozen=True)
class Profile:
    """How big each scenario is."""

    repeats: int
    watch: polling.WatchPlan
    burst_snapshots: int
    burst_slow_snapshots: int  # both 100 ms runs, so their fixed costs weigh alike
    concurrency_fast: int
    processes: int  # worker processes of the concurrent 0 ms burst
    concurrency_slow: int
    large_bytes: int
    price_snapshots: int = 48  # four hours of five-minute snapshots
    tables_days: int = 365  # market days of synthetic 5-minute load (288 snapshots each)
    lmp_days: int = 7  # market days of synthetic lmp_five_min_expost (2,628 nodes each)
    lmp_per_day: int = 288  # its snapshots a day
    lmp_watch: int = 8  # its watch-style syncs of one snapshot, on a small and a full table


FULL = Profile(repeats=3, watch=polling.WatchPlan(cadence=1.5, slots=30, delay=0.2,
                                                   jitter=0.08, offset=0.27),
               burst_snapshots=400, burst_slow_snapshots=100, concurrency_fast=4,
               processes=2, concurrency_slow=32, large_bytes=50_000_000)
SMOKE = Profile(repeats=1, watch=polling.WatchPlan(cadence=0.5, slots=4, delay=0.2,
                                                    jitter=0.08, offset=0.27),
                burst_snapshots=40, burst_slow_snapshots=8, concurrency_fast=4,
                processes=2, concurrency_slow=8, large_bytes=6_000_000, price_snapshots=2,
                tables_days=4, lmp_days=3, lmp_per_day=3, lmp_watch=1)


def repeat(times: int, measure: Callable[[Path, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """``measure(workdir, run)`` ``times`` times, each in a fresh directory."""
    found = []
    for run in range(times):
        with tempfile.TemporaryDirectory(prefix="gridcollect-bench-") as workdir:
            found.append(measure(Path(workdir), run))
    return found


def column(runs: list[dict[str, Any]], name: str, scale: float = 1.0) -> list[float]:
    return [run[name] * scale for run in runs if run[name] is not None]


def polling_rows(profile: Profile, b: Backends, only: set[str]) -> list[Row]:
    rows: list[Row] = []
    if "window" in only:
        runs = repeat(profile.repeats, lambda d, _: polling.window(b, d))
        rows += [
            Row("day window (289 slots)", b.name, "requests per distinct snapshot", "x",
                column(runs, "requests_per_distinct"), "= 1.0 (legacy 289)",
                lambda v: v == 1.0),
            Row("day window (289 slots)", b.name, "objects stored", "n",
                column(runs, "stored"), "= 1 (legacy 289)", lambda v: v == 1),
        ]
    if "watch" in only:
        plan = profile.watch
        runs = repeat(profile.repeats, lambda d, run: polling.watch(plan, b, d, seed=run))
        params = {"cadence_s": plan.cadence, "slots": plan.slots,
                  "publication_delay": f"{plan.delay:.0%}-{plan.delay + plan.jitter:.0%}",
                  "offset": f"{plan.offset:.0%}"}
        label = (f"watch, {plan.slots} slots of {plan.cadence:g}s, publication at "
                 f"{plan.delay:.0%}-{plan.delay + plan.jitter:.0%}, --offset {plan.offset:.0%}")
        rows += [
            Row(label, b.name, "requests per distinct snapshot", "x",
                column(runs, "requests_per_distinct"), "<= 1.3", lambda v: v <= 1.3, params),
            Row(label, b.name, "capture rate", "%", column(runs, "capture_rate", 100),
                "100%", lambda v: v == 100, params),
            Row(label, b.name, "objects not under their as-of instant", "n",
                column(runs, "mislabelled"), "= 0", lambda v: v == 0, params),
            Row(label, b.name, "lag p50, publication to registered", "% of cadence",
                [v / plan.cadence * 100 for v in column(runs, "lag_p50_s")], "", None, params),
            # A publication later than --offset waits for a re-poll, which MISO's request
            # floor (a fifth of a five-minute cadence) keeps at least that far away.
            Row(label, b.name, "lag p95, publication to registered", "% of cadence",
                column(runs, "lag_p95_of_cadence", 100), "< 25% (floor 20%)",
                lambda v: v < 25, params),
        ]
    return rows


def burst_rows(profile: Profile, b: Backends) -> list[Row]:
    rows: list[Row] = []
    n, slow_n = profile.burst_snapshots, profile.burst_slow_snapshots
    if b.name != "embedded":
        n = max(n // 4, slow_n)  # a quarter says as much, in a quarter of the time
    fast = (0.0, profile.concurrency_fast, profile.processes)
    rates: dict[tuple[float, int, int], list[float]] = {}
    floors: list[float] = []
    file_only_floors: list[float] = []
    for latency, concurrency, processes, count in (
            (0.0, 1, 1, n), (*fast, n), (0.1, 1, 1, slow_n),
            (0.1, profile.concurrency_slow, 1, slow_n)):
        def measure(d: Path, _run: int, lt: float = latency, c: int = concurrency,
                    p: int = processes, k: int = count) -> dict[str, Any]:
            if (lt, c, p) == fast:
                # The floor right before its pipeline run: this disk's fsync time drifts.
                floors.append(burst.floor(d, snapshots=k)["per_s"])
                file_only_floors.append(
                    burst.floor(d, snapshots=k, directory_fsync=False)["per_s"])
            return burst.pipeline(b, d, snapshots=k, latency=lt, concurrency=c, processes=p)

        runs = repeat(profile.repeats, measure)
        label = (f"burst of {count}, {latency * 1000:.0f} ms latency, concurrency {concurrency}"
                 + (f" in {processes} processes" if processes > 1 else ""))
        rates[(latency, concurrency, processes)] = column(runs, "per_s")
        rows += [Row(label, b.name, "throughput", "snapshots/s", column(runs, "per_s")),
                 Row(label, b.name, "CPU per snapshot", "ms",
                     column(runs, "cpu_ms_per_snapshot")),
                 Row(label, b.name, "MISO stand-in's CPU per request", "ms",
                     column(runs, "server_cpu_ms_per_request"))]
    rows += [Row(FLOOR_LABEL, b.name, "throughput (measured before each run above)",
                 "snapshots/s", floors),
             Row(FILE_ONLY_FLOOR_LABEL, b.name, "throughput (for comparison)",
                 "snapshots/s", file_only_floors)]
    target, check = ("<= 4x", (lambda v: v <= 4)) if b.name == "embedded" else ("", None)
    rows += [Row("burst, 0 ms latency", b.name, "floor / pipeline time per snapshot", "x",
                 [floor / rate for floor, rate in zip(floors, rates[fast], strict=True)],
                 target, check),
             Row("burst, 0 ms latency", b.name,
                 "file-fsync-only floor / pipeline time per snapshot", "x",
                 [floor / rate for floor, rate in zip(file_only_floors, rates[fast],
                                                      strict=True)])]
    one_at_a_time = sorted(rates[(0.1, 1, 1)])[len(rates[(0.1, 1, 1)]) // 2]
    rows.append(Row("burst, 100 ms latency", b.name,
                    f"speed-up of concurrency {profile.concurrency_slow} over one at a time",
                    "x", [rate / one_at_a_time
                          for rate in rates[(0.1, profile.concurrency_slow, 1)]],
                    ">= 10x", lambda v: v >= 10))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, every scenario")
    parser.add_argument("--backends", choices=("embedded", "real", "both"), default="embedded")
    parser.add_argument("--repeat", type=int, help="runs per scenario (default 3; smoke 1)")
    parser.add_argument("--only", action="append", choices=SCENARIOS,
                        help="run only this scenario (repeatable)")
    parser.add_argument("--tables-days", type=int,
                        help="market days of the tables scenario's total load "
                             "(default 365; smoke 4; 0 skips it)")
    parser.add_argument("--tables-lmp-days", type=int,
                        help="market days of the tables scenario's lmp_five_min_expost "
                             "(default 7, a week; smoke 3 of 3 snapshots; 0 skips it)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench/results/latest.json")
    args = parser.parse_args()
    profile = SMOKE if args.smoke else FULL
    if args.repeat:
        profile = Profile(**{**profile.__dict__, "repeats": max(1, args.repeat)})
    only = set(args.only or SCENARIOS)
    kinds = ["embedded", "real"] if args.backends == "both" else [args.backends]
    started = time.monotonic()
    rows: list[Row] = []
    with ExitStack() as stack:
        for kind in kinds:
            b = backend_kinds.start(kind, stack)
            rows += polling_rows(profile, b, only)
            if "burst" in only:
                rows += burst_rows(profile, b)
            if "cold" in only:
                runs = repeat(profile.repeats, lambda d, _, b=b: coldstart.single_collect(b, d))
                rows += [Row("cold start: one snapshot", b.name, "wall time", "s",
                             column(runs, "wall_s")),
                         Row("cold start: one snapshot", b.name, "peak RSS", "MB",
                             column(runs, "peak_rss_mb"))]
        if "cold" in only:
            runs = repeat(profile.repeats, lambda d, _: coldstart.help_run())
            rows += [Row("cold start: gridcollect --help", "-", "wall time", "s",
                         column(runs, "wall_s"), "< 0.3 s", lambda v: v < 0.3),
                     Row("cold start: gridcollect --help", "-", "peak RSS", "MB",
                         column(runs, "peak_rss_mb"))]
        if "memory" in only:
            rows += memory_rows(profile, Backends("embedded"))
        if "prices" in only and prices.available():
            rows += price_rows(profile)
        if "tables" in only:
            rows += table_rows(profile, args.tables_days, args.tables_lmp_days)
    print(table(rows))
    write(args.output, rows, mode="smoke" if args.smoke else "full", repeats=profile.repeats)
    print(f"\nwrote {args.output} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


def memory_rows(profile: Profile, b: Backends) -> list[Row]:
    size = profile.large_bytes
    mb = f"{size / 1e6:.0f} MB"
    runs = repeat(profile.repeats, lambda d, _: memory.large(b, d, size=size))
    rows = [Row(f"memory: collect a {mb} payload", b.name, "peak RSS", "MB",
                column(runs, "peak_rss_mb")),
            Row(f"memory: collect a {mb} payload", b.name, "peak RSS / payload", "x",
                column(runs, "rss_over_payload"), "< 3x", lambda v: v < 3),
            Row(f"memory: collect a {mb} payload", b.name, "wall time", "s",
                column(runs, "wall_s"))]
    for framing in ("length", "chunked"):
        runs = repeat(profile.repeats, lambda d, _, f=framing: memory.refused(
            b, d, size=size, framing=f))
        how = "Content-Length" if framing == "length" else "chunked, no length"
        rows.append(Row(f"memory: refuse {mb} over a {size / 2e6:.0f} MB cap ({how})", b.name,
                        "peak RSS", "MB", column(runs, "peak_rss_mb")))
    return rows


def table_rows(profile: Profile, days: int | None, lmp_days: int | None) -> list[Row]:
    """Synthetic total load (a year), then synthetic five-minute LMP (a week)."""
    rows: list[Row] = []
    days = profile.tables_days if days is None else days
    lmp_days = profile.lmp_days if lmp_days is None else lmp_days
    if days:
        with tempfile.TemporaryDirectory(prefix="gridcollect-bench-") as workdir:
            found = tables_bench.measure(Path(workdir), days)
        rows += tables_bench.rows(found, Row)
    if lmp_days and tables_lmp.available():
        with tempfile.TemporaryDirectory(prefix="gridcollect-bench-") as workdir:
            found = tables_lmp.measure(Path(workdir), lmp_days, per_day=profile.lmp_per_day,
                                       watch=profile.lmp_watch)
        rows += tables_lmp.rows(found, Row)
    return rows


def price_rows(profile: Profile) -> list[Row]:
    """The two large price datasets from their recordings (embedded backends)."""
    rows: list[Row] = []
    n = profile.price_snapshots
    for case in prices.CASES:
        runs = repeat(profile.repeats, lambda d, _, c=case: prices.measure(c, d, snapshots=n))
        label = f"prices: {case.name}, {n} snapshots"
        rows += [
            Row(label, "embedded", "validation per snapshot (JSON parse + validate)", "ms",
                column(runs, "validate_ms")),
            Row(label, "embedded", "collect per snapshot (fetch, validate, hash, store, notify)",
                "ms", column(runs, "collect_ms")),
            Row(label, "embedded", "export, latest revisions: rows read per second", "rows/s",
                column(runs, "export_latest_rows_per_s")),
            Row(label, "embedded", "export, latest revisions: rows written", "n",
                column(runs, "export_latest_rows_written")),
            Row(label, "embedded", "export, all revisions: rows per second", "rows/s",
                column(runs, "export_all_rows_per_s")),
            Row(label, "embedded", "peak RSS, one-shot collect", "MB",
                column(runs, "collect_peak_rss_mb"), "< 78 MB", lambda v: v < 78),
            Row(label, "embedded", "peak RSS, one-shot collect over the 1 KB fuel mix's", "MB",
                [r["collect_peak_rss_mb"] - r["baseline_collect_peak_rss_mb"] for r in runs]),
            Row(label, "embedded", "peak RSS, export of every snapshot", "MB",
                column(runs, "export_peak_rss_mb")),
            Row(label, "embedded", "peak RSS, export over the 1 KB fuel mix's", "MB",
                [r["export_peak_rss_mb"] - r["baseline_export_peak_rss_mb"] for r in runs]),
        ]
    return rows


if __name__ == "__main__":
    sys.exit(main())
