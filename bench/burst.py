"""Burst throughput: N distinct snapshots through the whole pipeline at once, against
the physical floor of gzip + SHA-256 + one durable write of the same bytes to a new file
(the file fsync'd, then its directory: a new file's name is durable only then)."""

from __future__ import annotations

import gzip
import hashlib
import os
import resource
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from gridcollect.datasets import get
from gridcollect.model import Slot
from gridcollect.runs.burst import Job, collect_many
from gridcollect.settings import HttpSettings, Settings
from gridcollect.stores.local import fsync_directory

from .backends import Backends
from .content import BASE, DATASET, UniqueBodies
from .harness import BenchServer


def _cpu() -> float:
    """CPU of this process and of its finished children (a burst's worker processes)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def pipeline(
    backends: Backends, workdir: Path, *, snapshots: int, latency: float, concurrency: int,
    processes: int = 1,
) -> dict[str, Any]:
    """``snapshots`` distinct snapshots (the server never repeats itself), each its own slot."""
    dataset = get(DATASET)
    jobs = [Job(dataset, Slot(BASE + timedelta(minutes=5 * i))) for i in range(snapshots)]
    with BenchServer("--mode", "unique", "--latency", str(latency)) as server:
        settings = Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                            backends=backends.settings(workdir))
        cpu, server_cpu, started = _cpu(), server.cpu_seconds(), time.perf_counter()
        reports = collect_many(jobs, settings, concurrency=concurrency, processes=processes)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu
        server_cpu = server.cpu_seconds() - server_cpu
    [report] = reports
    if report.collected != snapshots or report.notifications_pending:
        raise RuntimeError(f"burst stored {report.collected}/{snapshots}: {report.errors[:3]}")
    return {"snapshots": snapshots, "latency_ms": latency * 1000, "concurrency": concurrency,
            "processes": processes,
            "per_s": snapshots / wall, "cpu_ms_per_snapshot": cpu / snapshots * 1000,
            "server_cpu_ms_per_request": server_cpu / snapshots * 1000, "wall_s": wall}


def floor(workdir: Path, *, snapshots: int, directory_fsync: bool = True) -> dict[str, Any]:
    """The same bytes, only hashed, compressed and written durably to new files, one
    after another. Without ``directory_fsync`` (the floor of earlier runs, kept for
    comparison), the new names are not yet durable."""
    bodies = UniqueBodies()
    payloads = [bodies.body(i) for i in range(snapshots)]
    directory = workdir / ("floor" if directory_fsync else "floor-file-only")
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
        if directory_fsync:
            fsync_directory(directory)
    wall = time.perf_counter() - started
    return {"snapshots": snapshots, "per_s": snapshots / wall, "bytes": len(payloads[0])}

