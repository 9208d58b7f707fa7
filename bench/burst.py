"""Burst throughput: N distinct snapshots through the whole pipeline at once, against
the physical floor of gzip + SHA-256 + one durable (fsync'd) write of the same bytes."""

from __future__ import annotations

import gzip
import hashlib
import os
import resource
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from gridcollect.burst import Job, collect_many
from gridcollect.datasets import get
from gridcollect.model import Slot
from gridcollect.settings import HttpSettings, Settings

from .backends import Backends
from .content import BASE, DATASET, UniqueBodies
from .harness import BenchServer


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pipeline(
    backends: Backends, workdir: Path, *, snapshots: int, latency: float, concurrency: int
) -> dict[str, Any]:
    """``snapshots`` distinct snapshots (the server never repeats itself), each its own slot."""
    dataset = get(DATASET)
    jobs = [Job(dataset, Slot(BASE + timedelta(minutes=5 * i))) for i in range(snapshots)]
    with BenchServer("--mode", "unique", "--latency", str(latency)) as server:
        settings = Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                            backends=backends.settings(workdir))
        cpu, server_cpu, started = _cpu(), server.cpu_seconds(), time.perf_counter()
        reports = collect_many(jobs, settings, concurrency=concurrency)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        server_cpu = server.cpu_seconds() - server_cpu
    [report] = reports
    if report.collected != snapshots or report.notifications_pending:
        raise RuntimeError(f"burst stored {report.collected}/{snapshots}: {report.errors[:3]}")
    return {"snapshots": snapshots, "latency_ms": latency * 1000, "concurrency": concurrency,
            "per_s": snapshots / wall, "cpu_ms_per_snapshot": cpu / snapshots * 1000,
            "server_cpu_ms_per_request": server_cpu / snapshots * 1000, "wall_s": wall}


def floor(workdir: Path, *, snapshots: int) -> dict[str, Any]:
    """The same bytes, only hashed, compressed and written durably, one after another."""
    bodies = UniqueBodies()
    payloads = [bodies.body(i) for i in range(snapshots)]
    directory = workdir / "floor"
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, body in enumerate(payloads):
        hashlib.sha256(body).hexdigest()
        compressed = gzip.compress(body, mtime=0)
        fd = os.open(directory / f"{i}.json.gz", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, compressed)
            os.fsync(fd)
        finally:
            os.close(fd)
    wall = time.perf_counter() - started
    return {"snapshots": snapshots, "per_s": snapshots / wall, "bytes": len(payloads[0])}
