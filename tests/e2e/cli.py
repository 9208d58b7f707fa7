"""Run the real ``gridcollect`` command in a subprocess and read what it printed."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
WIRE = REPO.parent / "shared" / "fixtures" / "miso" / "wire"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    """``python -m gridcollect ARGS`` with a clean environment plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("GRIDCOLLECT_", "REDIS_", "S3_", "KAFKA_", "MISO_"))}
    completed = subprocess.run(
        [sys.executable, "-m", "gridcollect", *args], capture_output=True, text=True,
        env={**base, **(env or {})}, timeout=timeout, check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def read_object(root: Path, key: str) -> Any:
    return json.loads(gzip.decompress((root / key).read_bytes()))


def stored_files(root: Path) -> list[str]:
    """Every object under the local store, relative to it (state files excluded)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.json.gz"))
