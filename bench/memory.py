"""Memory: peak RSS of one collect run given a very large payload, and of one refusing a
payload over the size cap (announced by Content-Length, or not: chunked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .backends import Backends
from .harness import BenchServer, gridcollect_command, run_child


def _collect(server: BenchServer, backends: Backends, workdir: Path, *extra: str) -> Any:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return run_child(
        [*gridcollect_command(), "miso", "realtime-total-load", "--start-date", now,
         "--end-date", now, "--api-base-url", server.url, "--log-level", "ERROR",
         "--max-retries", "0", *extra, *backends.cli_args(backends.settings(workdir))],
        env=backends.child_env(), timeout=300,
    )


def large(backends: Backends, workdir: Path, *, size: int) -> dict[str, Any]:
    """Collect one payload of ``size`` bytes; peak RSS against the payload's size."""
    with BenchServer("--mode", "big", "--size", str(size)) as server:
        run = _collect(server, backends, workdir)
    if run.code != 0:
        raise RuntimeError(f"large collect failed ({run.code}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["collected"] == 1, report
    payload_mb = size / 1e6
    return {"payload_mb": payload_mb, "peak_rss_mb": run.max_rss_mb,
            "rss_over_payload": run.max_rss_mb * 1.048576 / payload_mb, "wall_s": run.wall,
            "cpu_s": run.cpu}


def refused(backends: Backends, workdir: Path, *, size: int, framing: str) -> dict[str, Any]:
    """A payload of ``size`` bytes against a cap of half that: refused, memory kept low."""
    cap = size // 2
    with BenchServer("--mode", "big", "--size", str(size), "--framing", framing) as server:
        run = _collect(server, backends, workdir, "--max-response-bytes", str(cap))
    report = json.loads(run.stdout.strip().splitlines()[-1])
    [error] = report["errors"]
    assert run.code == 1 and "cap" in error["error"], (run.code, error)
    return {"payload_mb": size / 1e6, "cap_mb": cap / 1e6, "framing": framing,
            "peak_rss_mb": run.max_rss_mb, "wall_s": run.wall}
