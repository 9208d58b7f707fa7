"""The commands: demo -> tables sync -> query, as the README shows; collect and watch
with --tables."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from ..e2e.cli import run_cli
from .support import files_on_disk

PEAK = ("SELECT CAST(interval_start_est AS DATE) AS market_day, max(mw) AS peak_mw "
        "FROM miso_realtime_total_load WHERE series = 'load_5min' GROUP BY market_day "
        "ORDER BY market_day")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's store, synced once."""
    root = tmp_path_factory.mktemp("demo") / "gridcollect-demo"
    result = run_cli("demo", "--output-dir", str(root))
    assert result.code == 0, result.stderr
    synced = run_cli("tables", "sync", "--output-dir", str(root))
    assert synced.code == 0, synced.stderr
    stored = [p for p in root.rglob("*.json.gz") if ".gridcollect" not in p.parts]
    assert synced.summary["read"] == len(stored) and synced.summary["unreadable"] == []
    return root


def test_demo_then_sync_then_query_answers_the_daily_peak(demo):
    """The README's three commands: the peak of the demo's day, as CSV off a terminal."""
    result = run_cli("query", PEAK, "--output-dir", str(demo))
    assert result.code == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["market_day", "peak_mw"], ["2026-10-02", "86857"]]


def test_a_second_sync_reads_nothing(demo):
    """The command is idempotent: nothing read, nothing written."""
    result = run_cli("tables", "sync", "--output-dir", str(demo))
    assert result.code == 0, result.stderr
    assert all((d["read"], d["files_written"]) == (0, 0) for d in result.summary["datasets"])


def test_both_views_of_every_dataset_are_registered(demo):
    """Latest and _revisions views for each dataset; latest has one row per identity."""
    sql = ("SELECT (SELECT count(*) FROM miso_csat_supply_demand), "
           "(SELECT count(DISTINCT (region, interval_start)) FROM "
           "miso_csat_supply_demand_revisions), "
           "(SELECT count(*) FROM miso_realtime_total_load_revisions), "
           "(SELECT count(*) FROM miso_binding_constraints_reserve)")
    result = run_cli("query", sql, "--format", "json", "--output-dir", str(demo))
    assert result.code == 0, result.stderr
    latest, identities, revisions, constraints = json.loads(result.stdout).values()
    assert latest == identities > 0
    assert revisions == 500 and constraints > 0


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_results_go_to_a_file_in_each_format(demo, tmp_path, fmt):
    """--output writes CSV, JSON lines or Parquet, chosen by --format or the suffix."""
    output = tmp_path / f"peak.{fmt}"
    result = run_cli("query", PEAK, "--output", str(output), "--output-dir", str(demo))
    assert result.code == 0, result.stderr
    if fmt == "parquet":
        rows = pq.read_table(output).to_pylist()
        assert rows[0]["peak_mw"] == 86857.0
    elif fmt == "json":
        assert json.loads(output.read_text().splitlines()[0])["peak_mw"] == 86857.0
    else:
        assert output.read_text().splitlines()[1] == "2026-10-02,86857"


def test_a_table_on_request(demo):
    """--format table draws DuckDB's box table."""
    result = run_cli("query", PEAK, "--format", "table", "--output-dir", str(demo))
    assert result.code == 0, result.stderr
    assert "market_day" in result.stdout and "86857.0" in result.stdout
    assert "┌" in result.stdout


@pytest.mark.parametrize("args", [["SELEC 1"], ["SELECT * FROM nowhere"],
                                  ["SELECT 1", "--format", "parquet"]])
def test_a_bad_query_is_one_line_and_exit_2(demo, args):
    """Usage errors: no traceback, one line on stderr, exit 2."""
    result = run_cli("query", *args, "--output-dir", str(demo))
    assert result.code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_an_empty_store_has_empty_views(tmp_path):
    """Before any sync the views exist and are empty."""
    result = run_cli("query", "SELECT count(*) AS n FROM miso_realtime_total_load",
                     "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "0"]


def test_collect_with_tables_syncs_what_it_stored(tmp_path):
    """collect --tables: the snapshot just stored is in the table when the command ends."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    routes = {"/RealTimeTotalLoad": Reply(body=sample("RealTimeTotalLoad", "wire", now))}
    with ReplayServer(routes) as server:
        result = run_cli("collect", "realtime-total-load", "--tables", "--api-base-url",
                         server.url, "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    [synced] = result.summary["tables"]
    assert (synced["dataset"], synced["read"]) == ("miso_realtime_total_load", 1)
    assert synced["rows"] > 0 and files_on_disk(tmp_path, "miso_realtime_total_load")


def test_watch_with_tables_keeps_the_table_up_to_date(tmp_path):
    """watch --tables syncs in the background; after SIGTERM nothing is left to sync."""
    from datetime import UTC, datetime, timedelta

    base = datetime.now(UTC)
    served = iter(range(1000))
    with ReplayServer() as server:
        server.set_publisher("/RealTimeTotalLoad", lambda: Reply(body=sample(
            "RealTimeTotalLoad", "wire", base + timedelta(minutes=5 * next(served)))))
        process = subprocess.Popen(
            [sys.executable, "-m", "gridcollect", "watch", "realtime-total-load",
             "--cadence", "realtime-total-load=1", "--tables", "--api-base-url", server.url,
             "--output-dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            time.sleep(4)
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, stderr.decode()[-2000:]
    stored = list(tmp_path.rglob("*.json.gz"))
    assert len(stored) >= 2
    result = run_cli("tables", "sync", "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    [report] = [d for d in result.summary["datasets"]
                if d["dataset"] == "miso_realtime_total_load"]
    assert report["read"] == 0  # the watch had synced every snapshot it stored
    count = run_cli("query", "SELECT count(DISTINCT snapshot_key) AS n FROM "
                    "miso_realtime_total_load_revisions", "--output-dir", str(tmp_path))
    assert count.stdout.splitlines()[1] == str(len(stored))


def test_an_unreadable_snapshot_is_named_and_exits_1(tmp_path):
    """A damaged object: exit 1 and its key in the summary; the rest is in the table."""
    root = tmp_path / "lake"
    assert run_cli("demo", "--output-dir", str(root)).code == 0
    junk = "sourcing/miso_realtime_total_load/2026/10/02/realtime_total_load_x.json.gz"
    (root / junk).write_bytes(b"junk")
    result = run_cli("tables", "sync", "realtime-total-load", "--output-dir", str(root))
    assert result.code == 1
    assert result.summary["unreadable"] == [junk] and result.summary["rows"] == 500
    again = run_cli("tables", "sync", "realtime-total-load", "--output-dir", str(root))
    assert (again.code, again.summary["read"]) == (0, 0)
