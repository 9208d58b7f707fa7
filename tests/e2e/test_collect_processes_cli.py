"""``gridcollect collect --processes N``: one burst over several worker processes."""

import os
import signal
import subprocess
import sys
import time

import pytest

from gridcollect.replay import Reply
from gridcollect.samples import sample

from .cli import run_cli, stored_files
from .test_collect_many_cli import EVERY_DATASET, EVERY_SNAPSHOT, NOW, miso

REGIONS = ("--param", "miso_csat_supply_demand.region=SOUTH",
           "--param", "miso_csat_supply_demand.region=NORTH")


def test_two_processes_collect_every_dataset_and_region(tmp_path):
    """The same summary as threads give; the workers are forked (no thread is running)."""
    with miso() as server:
        result = run_cli("collect", *REGIONS, "--processes", "2", "--concurrency", "4",
                         "--log-level", "DEBUG", "--api-base-url", server.url,
                         "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    summary = result.summary
    assert (summary["collected"], summary["failed"], summary["notifications_pending"]) == (
        EVERY_SNAPSHOT, 0, 0)
    assert [d["dataset"] for d in summary["datasets"]] == EVERY_DATASET
    assert len(stored_files(tmp_path)) == EVERY_SNAPSHOT
    assert "burst: 2 worker processes (fork)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("processes", ["0", "17"])
def test_processes_out_of_range_are_a_usage_error(tmp_path, processes):
    """1 to 16 processes."""
    result = run_cli("collect", "--processes", processes, "--output-dir", str(tmp_path))
    assert result.code == 2 and "--processes" in result.stderr
    assert stored_files(tmp_path) == []


def test_ctrl_c_stops_every_process_without_tracebacks(tmp_path):
    """SIGINT to the process group: the command says "interrupted" once and exits 130."""
    with miso() as server:
        for endpoint in ("RealTimeTotalLoad", "BindingConstraints/Reserve", "CsatSupplyDemand"):
            server.set(f"/{endpoint}", Reply(body=sample(endpoint, "wire", NOW, seed=1),
                                             delay_seconds=1.0))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GRIDCOLLECT_", "REDIS_", "S3_", "KAFKA_", "MISO_"))}
        command = subprocess.Popen(
            [sys.executable, "-m", "gridcollect", "collect", *REGIONS, "--processes", "2",
             "--api-base-url", server.url, "--output-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not server.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server.requests, "no request arrived"
            os.killpg(command.pid, signal.SIGINT)  # as a terminal's Ctrl-C does
            _stdout, stderr = command.communicate(timeout=30)
        finally:
            if command.poll() is None:
                os.killpg(command.pid, signal.SIGKILL)
                command.communicate()
    assert command.returncode == 130, stderr
    assert stderr.strip().endswith("interrupted") and stderr.count("interrupted") == 1
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
