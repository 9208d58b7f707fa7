"""The collect command these tests run, the snapshot it fetches, and the crash harness run."""

from __future__ import annotations

import json
import subprocess
import sys

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.digest import sha256_of

from ..e2e.cli import LOAD, REPO, SLOT, Result, clean_env, expected_key
from ..e2e.cli import LOAD_BODY as BODY

DIGEST = sha256_of(json.loads(BODY))
KEY = expected_key(TOTAL_LOAD, BODY)
__all__ = ["BODY", "DIGEST", "KEY", "LOAD", "SLOT", "clean_env", "run_crashing"]


def run_crashing(stage: str, *args: str, timeout: float = 60) -> Result:
    """The command, killed with SIGKILL at ``stage`` (see crash_harness)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.reliability.crash_harness", stage, "--", *args],
        cwd=REPO, capture_output=True, text=True, env=clean_env(), timeout=timeout, check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
