"""Requests per distinct snapshot and freshness: what MISO and downstream jobs feel.

- ``window``: a past day's window through the collect command (the system we replace
  made 289 requests and stored 289 copies of one snapshot).
- ``watch``: ``gridcollect watch`` against a time-scaled source that publishes each
  slot's snapshot ``delay + jitter`` into the slot; the operator sets ``--offset`` to a
  late but typical publication delay, as they would from the lag metrics. Lag runs from
  the publication time the stand-in records to the registration time; each stored key
  is checked against the as-of instant of its content.
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

from gridcollect import datasets, keys
from gridcollect.backends import open_backends
from gridcollect.digest import registry_key, sha256_in

from .backends import Backends
from .content import DATASET
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
        published = server.published()
    if child.returncode != 0:
        raise RuntimeError(f"watch failed ({child.returncode}): {stderr.decode()[-2000:]}")
    registered = _registered(settings)
    return _freshness(published, registered, requests, started, stopped, c) | {
        "offset_s": plan.offset * c, "cadence_s": c,
    }


def _registered(settings: Any) -> dict[str, tuple[float, str]]:
    """Digest -> when it was registered (Unix seconds) and its key, read back through
    the registry."""
    prefix = registry_key("dev", DATASET, "")
    with open_backends(settings) as opened:
        registry: Any = opened.backends.registry
        return {sha256_in(name):
                (datetime.fromisoformat(entry.registered_at).timestamp(), entry.key)
                for name, entry in registry.entries(prefix)}


def _freshness(
    published: list[dict[str, Any]], registered: dict[str, tuple[float, str]],
    requests: int, started: float, stopped: float, c: float,
) -> dict[str, Any]:
    """Publications the stand-in made while the watch ran (and early enough to be caught
    before the stop), which of them were stored, how long after their publication, and
    whether each stored key is its content's as-of instant."""
    due = [p for p in published if started < p["published_at"] < stopped - 0.5 * c]
    lags = [registered[p["digest"]][0] - p["published_at"]
            for p in due if p["digest"] in registered]
    as_of = {p["digest"]: datetime.fromisoformat(p["as_of"]) for p in published}
    template = datasets.get(DATASET).key_template
    mislabelled = sum(
        1 for digest, (_, key) in registered.items()
        if digest not in as_of
        or not key.endswith(keys.render(template, as_of[digest], {}).removesuffix(".json.gz")
                            + ".json.gz"))
    distinct = len(registered)
    return {
        "requests": requests,
        "distinct_stored": distinct,
        "requests_per_distinct": requests / max(distinct, 1),
        "publications": len(due),
        "mislabelled": mislabelled,
        "capture_rate": len(lags) / max(len(due), 1),
        "lag_p50_s": percentile(lags, 0.5) if lags else None,
        "lag_p95_s": percentile(lags, 0.95) if lags else None,
        "lag_max_s": max(lags) if lags else None,
        "lag_p95_of_cadence": percentile(lags, 0.95) / c if lags else None,
    }
