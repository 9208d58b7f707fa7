"""``gridcollect watch`` with no dataset named: every dataset of the catalogue, each served
its recorded MISO answer, is collected and stays healthy for several cycles."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from gridcollect import datasets
from gridcollect.replay import Reply

from ..datasets.miso.examples import WIRE
from ..support.processes import free_port
from .cli import run_cli
from .test_watch_cli import miso, scrape, stop, watch

__all__ = ["miso"]


def _replay(body: bytes) -> Callable[[], Reply]:
    return lambda: Reply(body=body)


def test_watch_with_no_argument_keeps_every_recorded_dataset_healthy(miso, tmp_path: Path):
    """Every dataset has a recording; watching them all (two-second cadences) stores each
    once, /healthz stays ok over several cycles and status lists each without failures."""
    catalogue = datasets.all_datasets()
    for dataset in catalogue:
        recording = WIRE / f"{dataset.endpoint}.json"
        assert recording.is_file(), f"no recording for {dataset.name}"
        miso.set_publisher(f"/{dataset.endpoint}", _replay(recording.read_bytes()))
    port, out, log = free_port(), tmp_path / "out", tmp_path / "watch.log"
    cadences = [arg for d in catalogue for arg in ("--cadence", f"{d.name}=2")]
    with watch("--output-dir", str(out), "--api-base-url", miso.url, *cadences,
               "--metrics-port", str(port), log=log) as process:
        healthy = []
        for _ in range(4):  # several cadences, each checked
            time.sleep(2.5)
            health = scrape(port, "/healthz")
            healthy.append((health.status_code, health.text))
        stop(process, log)

    assert healthy == [(200, "ok\n")] * 4, log.read_text()[-3000:]
    status = run_cli("status", "--output-dir", str(out), "--json")
    assert status.code == 0, status.stderr
    rows = {row["dataset"]: row for row in json.loads(status.stdout)["datasets"]}
    assert set(rows) == {d.name for d in catalogue}
    for dataset in catalogue:
        assert (rows[dataset.name]["stored"], rows[dataset.name]["failures"]) == (1, 0), \
            dataset.name
