"""Run the real ``gridcollect`` command in a subprocess and read what it printed."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridcollect import keys

if TYPE_CHECKING:
    from gridcollect.model import Dataset

REPO = Path(__file__).resolve().parents[2]
WIRE = REPO.parent / "shared" / "fixtures" / "miso" / "wire"
# One recorded slot of the total load: the command that collects it, and MISO's answer.
SLOT = "2025-12-05T12:00:00"
LOAD = ["miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT]
LOAD_BODY = (WIRE / "RealTimeTotalLoad.json").read_bytes()


def expected_key(dataset: Dataset, body: bytes, **params: str) -> str:
    """Where a snapshot of ``body`` belongs: the key template at the as-of instant its
    payload states, under the default prefix."""
    return keys.join("sourcing", keys.render(dataset.key_template,
                                             dataset.as_of(json.loads(body)), params))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads(self.stdout.strip().splitlines()[-1])


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without settings that would steer the command, plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("GRIDCOLLECT_", "REDIS_", "S3_", "KAFKA_", "MISO_"))}
    return {**base, **(env or {})}


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """``python -m gridcollect ARGS`` with a clean environment plus ``env``."""
    completed = subprocess.run(
        [sys.executable, "-m", "gridcollect", *args], capture_output=True, text=True,
        env=clean_env(env), timeout=timeout, check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


@contextlib.contextmanager
def start_cli(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """``python -m gridcollect ARGS`` started in the background; killed if still running
    when the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gridcollect", *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=clean_env(env),
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 30) -> str:
    """Read ``process``'s stderr until ``text`` appears; return all it read. (Raw reads:
    the text wrapper's own buffering would hide lines from ``select``.)"""
    assert process.stderr is not None
    fd, seen = process.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            seen += chunk
            if text.encode() in seen:
                return seen.decode(errors="replace")
            if not chunk:
                break
    raise AssertionError(f"no {text!r} on stderr within {timeout} s: {seen!r}")


def read_object(root: Path, key: str) -> Any:
    return json.loads(gzip.decompress((root / key).read_bytes()))


def stored_files(root: Path) -> list[str]:
    """Every object under the local store, relative to it (state files excluded)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.json.gz"))
