"""The two large price datasets (``lmp_consolidated``, 1,268 tidy rows, and
``lmp_five_min_expost``, 2,628), from their recorded answers (~150 KB each): validation
time, a whole collect's time per snapshot, export rows/s, and the peak RSS of the
one-shot command and of the export.

Each snapshot is the recording with its interval moved on by five minutes per snapshot,
so every one is distinct and keyed apart, as a day of collection would be.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gridcollect import datasets
from gridcollect.export import export, parse_range
from gridcollect.replay import ReplayServer, Reply
from gridcollect.runs.collect import collect
from gridcollect.settings import BackendSettings, HttpSettings, Settings
from gridcollect.stores.local import LocalStore

from .harness import WIRE, gridcollect_command, run_child

FIRST = datetime(2026, 10, 2, 16, 50)  # the recordings' interval, EST
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _iso_interval(t: datetime) -> list[tuple[bytes, bytes]]:
    """The five-minute ex-post prices name their interval in ISO form."""
    return [(b"2026-10-02T16:50:00", t.strftime("%Y-%m-%dT%H:%M:%S").encode())]


def _ref_interval(t: datetime) -> list[tuple[bytes, bytes]]:
    """The consolidated table names it in its RefId and in each row's hour and minute."""
    ref = f"{t.day:02d}-{_MONTHS[t.month - 1]}-{t.year} - Interval {t:%H:%M} EST"
    return [(b"02-Oct-2026 - Interval 16:50 EST", ref.encode()),
            (b'"HourAndMin":"16:50"', f'"HourAndMin":"{t:%H:%M}"'.encode())]


@dataclass(frozen=True)
class Case:
    """One dataset and how to move its recording to another interval."""

    name: str
    fixture: str
    moved: Callable[[datetime], list[tuple[bytes, bytes]]]  # (recorded, moved) texts

    def body(self, index: int) -> bytes:
        """The recording, moved on by ``index`` five-minute intervals."""
        body = (WIRE / f"{self.fixture}.json").read_bytes()
        for recorded, moved in self.moved(FIRST + timedelta(minutes=5 * index)):
            body = body.replace(recorded, moved)
        return body


CASES = (Case("miso_lmp_consolidated", "MarketPricing/GetLmpConsolidatedTable", _ref_interval),
         Case("miso_lmp_five_min_expost", "MarketPricing/GetRealTimeFiveMinExPost/Current",
              _iso_interval))


def available() -> bool:
    """The recordings are read from the shared fixtures; without them, nothing to do."""
    return all((WIRE / f"{case.fixture}.json").is_file() for case in CASES)


def measure(case: Case, workdir: Path, *, snapshots: int) -> dict[str, Any]:
    """Collect ``snapshots`` distinct snapshots of ``case`` in-process, then export them."""
    dataset = datasets.get(case.name)
    bodies = [case.body(index) for index in range(snapshots)]

    started = time.perf_counter()
    for body in bodies:
        verdict = dataset.validator(json.loads(body))
        assert verdict.ok, verdict.reason
    validate_s = (time.perf_counter() - started) / snapshots

    backends = BackendSettings(output_dir=workdir)
    served = iter(bodies)
    with ReplayServer() as server:
        server.set_publisher(f"/{dataset.endpoint}", lambda: Reply(body=next(served)))
        settings = Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                            backends=backends)
        started = time.perf_counter()
        for index in range(snapshots):
            now = (FIRST + timedelta(minutes=5 * index + 6, hours=5)).replace(tzinfo=UTC)
            report = collect(dataset, settings, now=lambda at=now: at)
            assert report.collected == 1, report.errors
        collect_s = (time.perf_counter() - started) / snapshots

    from gridcollect.export.arrow import pyarrow

    pyarrow()  # imported before the clock starts: a one-off cost, not per row
    store, day = LocalStore(workdir), parse_range("2026-10-02", "2026-10-03")
    found: dict[str, Any] = {"validate_ms": validate_s * 1000, "collect_ms": collect_s * 1000}
    for revisions in (False, True):
        output = workdir / f"out_{revisions}.parquet"
        started = time.perf_counter()
        result = export(dataset, store, "sourcing", day, output=output, fmt="parquet",
                        all_revisions=revisions)
        seconds = time.perf_counter() - started
        key = "all" if revisions else "latest"
        found[f"export_{key}_rows_written"] = result.stats.rows
        # Rows read per second: each snapshot's rows are read whatever revisions are kept.
        found[f"export_{key}_rows_per_s"] = result.stats.rows_read / seconds
    return found | _child_peaks(case, workdir)


def _child_peaks(case: Case, workdir: Path) -> dict[str, Any]:
    """Peak RSS of the one-shot command collecting one snapshot, and of the export of all
    collected; the same for the 1 KB fuel mix, the baseline of both commands."""
    found: dict[str, Any] = {}
    fuel = (WIRE / "FuelMix.json").read_bytes()
    for label, name, body in (("", case.name, case.body(0)), ("baseline_", "miso_fuel_mix",
                                                               fuel)):
        dataset = datasets.get(name)
        fresh = workdir / f"child_{label}"
        with ReplayServer({f"/{dataset.endpoint}": Reply(body=body)}) as server:
            collected = run_child([*gridcollect_command(), "miso", dataset.command,
                                   "--api-base-url", server.url, "--output-dir", str(fresh),
                                   "--log-level", "ERROR"])
        assert collected.code == 0, collected.stderr[-2000:]
        root = workdir if not label else fresh
        exported = run_child([*gridcollect_command(), "export", dataset.name, "--from",
                              "2026-10-02", "--to", "2026-10-03", "--output-dir", str(root),
                              "--output", str(workdir / f"child_{label}.parquet"),
                              "--log-level", "ERROR"])
        assert exported.code == 0, exported.stderr[-2000:]
        found[f"{label}collect_peak_rss_mb"] = collected.max_rss_mb
        found[f"{label}export_peak_rss_mb"] = exported.max_rss_mb
    return found
