"""The collect command these tests run, the snapshot it fetches, and the crash harness run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from gridcollect import keys
from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.digest import sha256_of

from ..e2e.cli import REPO, WIRE, Result

SLOT = "2025-12-05T12:00:00"
LOAD = ["miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT]
BODY = (WIRE / "RealTimeTotalLoad.json").read_bytes()
DIGEST = sha256_of(json.loads(BODY))
# Where the snapshot belongs: the key template at the as-of instant its payload states.
KEY = keys.join("sourcing", keys.render(
    TOTAL_LOAD.key_template, TOTAL_LOAD.as_of(json.loads(BODY)), {}))


def clean_env() -> dict[str, str]:
    """This environment without settings that would steer the command (as run_cli does)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("GRIDCOLLECT_", "REDIS_", "S3_", "KAFKA_", "MISO_"))}


def run_crashing(stage: str, *args: str, timeout: float = 60) -> Result:
    """The command, killed with SIGKILL at ``stage`` (see crash_harness)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tests.reliability.crash_harness", stage, "--", *args],
        cwd=REPO, capture_output=True, text=True, env=clean_env(), timeout=timeout, check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)
