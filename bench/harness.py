"""Processes the benchmark starts and how it measures them: the MISO stand-in, child
commands (wall time, CPU and peak memory from ``wait4``), and summary statistics."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT.parent / "shared" / "fixtures" / "miso" / "wire"  # the recorded MISO answers
START_SECONDS = 20.0
STOP_SECONDS = 5.0


class BenchServer:
    """``python -m bench.server`` in a child process, stopped (then killed) on exit."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BenchServer:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", *self.args], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
        )
        assert self._process.stdout is not None
        # The server prints READY once listening, or dies; either way within the limit.
        ready, _, _ = select.select([self._process.stdout], [], [], START_SECONDS)
        line = self._process.stdout.readline() if ready else ""
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (Linux ``/proc``)."""
        assert self._process is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def requests(self) -> int:
        with urllib.request.urlopen(f"{self.url}/_bench/stats", timeout=10) as answer:
            return int(json.load(answer)["requests"])

    def published(self) -> list[dict[str, object]]:
        """What a ``timed`` stand-in published: digest, as-of instant, publication time."""
        with urllib.request.urlopen(f"{self.url}/_bench/published", timeout=10) as answer:
            return list(json.load(answer)["publications"])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class ChildRun:
    """One finished child command."""

    code: int
    wall: float
    cpu: float
    max_rss_mb: float
    stdout: str
    stderr: str


def gridcollect_command() -> list[str]:
    """The installed console script (what users run), else ``python -m gridcollect``."""
    script = shutil.which("gridcollect")
    return [script] if script else [sys.executable, "-m", "gridcollect"]


def run_child(
    argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120.0
) -> ChildRun:
    """Run ``argv`` to completion, with its own CPU time and peak RSS (see
    :mod:`bench.rusage`)."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        measured = Path(scratch) / "rusage.json"
        completed = subprocess.run(
            [sys.executable, "-S", "-m", "bench.rusage", str(measured), "--", *argv],
            stdin=subprocess.DEVNULL, capture_output=True, env=env, cwd=ROOT,
            timeout=timeout, check=False,
        )
        usage = json.loads(measured.read_text())
    return ChildRun(code=completed.returncode, wall=usage["wall_s"], cpu=usage["cpu_s"],
                    max_rss_mb=usage["max_rss_mb"],
                    stdout=completed.stdout.decode(errors="replace"),
                    stderr=completed.stderr.decode(errors="replace"))


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]

