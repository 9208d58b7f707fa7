"""Requests per distinct snapshot and freshness: what MISO and downstream jobs feel.

- ``window``: a past day's window through the collect command (the system we replace
  made 289 requests and stored 289 copies of one snapshot).
- ``watch``: ``gridcollect watch`` against a time-scaled source that publishes each
  slot's snapshot ``delay + jitter`` into the slot; the operator sets ``--offset`` to a
  late but typical publication delay, as they would from the lag metrics.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gridcollect.backends import open_backends
from gridcollect.digest import registry_key, sha256_in

from .backends import Backends
from .content import DATASET, Schedule, digest_at
from .harness import ROOT, BenchServer, gridcollect_command, percentile, run_child


def window(backends: Backends, workdir: Path) -> dict[str, Any]:
    """A whole past day: one request, one object."""
    today = datetime.now(UTC).date()
    with BenchServer("--mode", "identical") as server:
        run = run_child(
            [*gridcollect_command(), "miso", "realtime-total-load",
             "--start-date", str(today - timedelta(days=1)), "--end-date", str(today),
             "--api-base-url", server.url, "--log-level", "ERROR",
             *backends.cli_args(backends.settings(workdir))],
            env=backends.child_env(),
        )
        requests = server.requests()
    if run.code != 0:
        raise RuntimeError(f"window run failed ({run.code}): {run.stderr[-2000:]}")
    report = json.loads(run.stdout.strip().splitlines()[-1])
    stored = len(report["stored"])
    return {"slots": 289, "requests": requests, "stored": stored,
            "requests_per_distinct": requests / max(stored, 1), "wall_s": run.wall}


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """A time-scaled watch: ``slots`` slots of ``cadence`` seconds."""

    cadence: float
    slots: int
    delay: float  # the earliest publication, as a fraction of the cadence
    jitter: float  # publications spread this much more, as a fraction of the cadence
    offset: float  # the operator's --offset, as a fraction of the cadence


def watch(plan: WatchPlan, backends: Backends, workdir: Path, seed: int) -> dict[str, Any]:
    """Run ``gridcollect watch`` for ``plan.slots`` slots, then stop it with SIGTERM."""
    c = plan.cadence
    schedule = Schedule(c, plan.delay * c, plan.jitter * c, seed)
    settings = backends.settings(workdir)
    args = ["--cadence", f"{DATASET}={c}", "--offset", f"{DATASET}={plan.offset * c}"]
    with BenchServer("--mode", "timed", "--cadence", str(c), "--delay", str(plan.delay * c),
                     "--jitter", str(plan.jitter * c), "--seed", str(seed)) as server:
        child = subprocess.Popen(
            [*gridcollect_command(), "watch", DATASET, *args, "--api-base-url", server.url,
             "--log-level", "ERROR", *backends.cli_args(settings)],
            cwd=ROOT, env=backends.child_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        started = time.time()
        try:
            time.sleep(plan.slots * c)
        finally:
            stopped = time.time()
            child.send_signal(signal.SIGTERM)
            try:
                _, stderr = child.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                _, stderr = child.communicate()
        requests = server.requests()
    if child.returncode != 0:
        raise RuntimeError(f"watch failed ({child.returncode}): {stderr.decode()[-2000:]}")
    registered = _registered(settings)
    return _freshness(schedule, registered, requests, started, stopped) | {
        "offset_s": plan.offset * c, "cadence_s": c,
    }


def _registered(settings: Any) -> dict[str, float]:
    """Digest -> when it was registered (Unix seconds), read back through the registry."""
    prefix = registry_key("dev", DATASET, "")
    with open_backends(settings) as opened:
        registry: Any = opened.backends.registry
        return {sha256_in(name): datetime.fromisoformat(entry.registered_at).timestamp()
                for name, entry in registry.entries(prefix)}


def _freshness(
    schedule: Schedule, registered: dict[str, float], requests: int, started: float,
    stopped: float,
) -> dict[str, Any]:
    """Publications made while the watch ran (and early enough to be caught before the
    stop), which of them were stored, and how long after publication."""
    c = schedule.cadence
    first, last = int(started // c) + 1, int(stopped // c)
    due = [k for k in range(first, last + 1) if schedule.published_at(k) + 0.5 * c < stopped]
    lags = [registered[digest_at(k)] - schedule.published_at(k)
            for k in due if digest_at(k) in registered]
    distinct = len(registered)
    return {
        "requests": requests,
        "distinct_stored": distinct,
        "requests_per_distinct": requests / max(distinct, 1),
        "publications": len(due),
        "capture_rate": len(lags) / max(len(due), 1),
        "lag_p50_s": percentile(lags, 0.5) if lags else None,
        "lag_p95_s": percentile(lags, 0.95) if lags else None,
        "lag_max_s": max(lags) if lags else None,
        "lag_p95_of_cadence": percentile(lags, 0.95) / c if lags else None,
    }
