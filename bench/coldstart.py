"""Cold start: what a cron-style run pays before and for its one snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .backends import Backends
from .harness import BenchServer, gridcollect_command, run_child


def help_run() -> dict[str, Any]:
    run = run_child([*gridcollect_command(), "--help"])
    assert run.code == 0, run.stderr
    return {"wall_s": run.wall, "peak_rss_mb": run.max_rss_mb}


def single_collect(backends: Backends, workdir: Path) -> dict[str, Any]:
    """One snapshot, now, into fresh state."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    with BenchServer("--mode", "identical") as server:
        run = run_child(
            [*gridcollect_command(), "miso", "realtime-total-load", "--start-date", now,
             "--end-date", now, "--api-base-url", server.url, "--log-level", "ERROR",
             *backends.cli_args(backends.settings(workdir))],
            env=backends.child_env(),
        )
    if run.code != 0:
        raise RuntimeError(f"single collect failed ({run.code}): {run.stderr[-2000:]}")
    return {"wall_s": run.wall, "cpu_s": run.cpu, "peak_rss_mb": run.max_rss_mb}
