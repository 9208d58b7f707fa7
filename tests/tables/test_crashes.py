"""SIGKILL during a sync or a compaction: the tables stay readable, and the next sync
completes them with no row lost or duplicated."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from gridcollect.stores.local import LocalStore
from gridcollect.tables.layout import FAULT_VARIABLE, table_root
from gridcollect.tables.manifest import Manifest

from ..e2e.cli import run_cli
from .support import START, files_on_disk, fill, revisions, snapshot_rows, without_extras

NAME = "miso_realtime_total_load"
COUNTS = ("SELECT count(*) AS n, count(DISTINCT (snapshot_key, snapshot_row)) AS distinct_rows "
          "FROM miso_realtime_total_load_revisions")


def counts(root) -> tuple[int, int]:
    result = run_cli("query", COUNTS, "--output-dir", str(root))
    assert result.code == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    return int(row["n"]), int(row["distinct_rows"])


@pytest.mark.parametrize("point", ["sync:after-files", "sync:after-commit",
                                   "compact:after-file", "compact:after-commit"])
def test_a_killed_sync_loses_and_duplicates_nothing(point, tmp_path):
    """Killed at ``point``: readable at once, complete after the next sync."""
    fill(tmp_path, NAME, slots=2)
    first = run_cli("tables", "sync", "--no-compact", "--output-dir", str(tmp_path))
    assert first.code == 0, first.stderr
    before = counts(tmp_path)
    # More snapshots of the same (past) days: a sync writes new files there, then
    # compacts each day's two files into one.
    fill(tmp_path, NAME, START + timedelta(minutes=30), slots=2)

    killed = run_cli("tables", "sync", NAME, "--output-dir", str(tmp_path),
                     env={FAULT_VARIABLE: point})
    assert killed.code == -9, killed.stderr

    rows, distinct = counts(tmp_path)
    assert rows == distinct >= before[0]  # readable; no row twice
    expected = snapshot_rows(tmp_path, NAME)
    if point == "sync:after-files":
        assert rows == before[0]  # the uncommitted files are not seen
    else:
        assert rows == len(expected)

    again = run_cli("tables", "sync", NAME, "--output-dir", str(tmp_path))
    assert again.code == 0, again.stderr
    key = lambda r: (r["snapshot_key"], r["interval_start"], r["series"])  # noqa: E731
    assert sorted(without_extras(revisions(tmp_path, NAME)), key=key) == sorted(expected, key=key)
    assert counts(tmp_path) == (len(expected), len(expected))
    state = Manifest(LocalStore(tmp_path), table_root("sourcing", NAME)).load()
    assert files_on_disk(tmp_path, NAME) == set(state.files)  # no leftover file
    assert again.summary["datasets"][0]["read"] == (2 if point == "sync:after-files" else 0)
