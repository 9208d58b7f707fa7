"""The registry file in the state directory: kept small, and never silently replaced."""

from __future__ import annotations

import sqlite3
import time

from gridcollect.replay import ReplayServer, Reply

from .cli import WIRE, run_cli

LOAD = ["miso", "realtime-total-load", "--start-date", "2025-12-05T12:00:00",
        "--end-date", "2025-12-05T12:00:00"]


def collect(tmp_path):
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=(WIRE / "RealTimeTotalLoad.json")
                                                   .read_bytes())}) as miso:
        return run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path)), miso


def test_an_empty_registry_file_stops_the_run_naming_the_file(tmp_path):
    """A zero-byte registry.sqlite3 is refused (exit 3, one line), not taken as new."""
    registry = tmp_path / ".gridcollect" / "registry.sqlite3"
    registry.parent.mkdir()
    registry.touch()
    result, miso = collect(tmp_path)
    assert result.code == 3, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(registry) in line and "holds no registry" in line
    assert miso.requests == []
    assert registry.stat().st_size == 0


def test_a_new_state_directory_gets_a_new_registry(tmp_path):
    """Nothing there yet: the registry is created and the snapshot stored."""
    result, _miso = collect(tmp_path)
    assert result.code == 0 and result.summary["collected"] == 1, result.stderr
    assert (tmp_path / ".gridcollect" / "registry.sqlite3").stat().st_size > 0


def test_a_run_purges_expired_registry_rows(tmp_path):
    """Rows past their retention are deleted by an ordinary run."""
    first, _miso = collect(tmp_path)
    assert first.code == 0, first.stderr
    path = tmp_path / ".gridcollect" / "registry.sqlite3"
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO digests (name, state, key, expires_at) VALUES (?, 'registered', 'k', ?)",
            [(f"hash:dev:miso_realtime_total_load:{n:064x}", time.time() - 60)
             for n in range(50)],
        )
    db.close()
    other = tmp_path / "other"
    again = run_cli(*LOAD, "--api-base-url", "http://127.0.0.1:9", "--max-retries", "0",
                    "--output-dir", str(other), "--state-dir", str(path.parent))
    assert again.code == 1, again.stderr  # the source is gone: but the registry was used
    db = sqlite3.connect(path)
    (left,) = db.execute("SELECT COUNT(*) FROM digests WHERE expires_at <= ?",
                         (time.time(),)).fetchone()
    db.close()
    assert left == 0
