"""The activity file behind ``gridcollect status``: recording, reading, and the command."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from gridcollect.activity import ActivityLog, format_age, read_activity, record_run
from gridcollect.cli import cli
from gridcollect.model import RunReport
from gridcollect.stores.local import LocalStore

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LOAD = "miso_realtime_total_load"


def test_counts_add_up_and_the_latest_key_is_kept(tmp_path):
    """Counts accumulate; the last stored key stays until a newer one, errors likewise."""
    with ActivityLog(tmp_path) as log:
        log.record(LOAD, stored=1, key="a.json.gz", location="file:///a.json.gz", at=NOON)
        log.record(LOAD, duplicates=1, at=NOON + timedelta(minutes=1))
        log.record(LOAD, failures=1, error="HTTP 500", at=NOON + timedelta(minutes=2))
        log.record(LOAD, stored=1, key="b.json.gz", at=NOON + timedelta(minutes=5))
    activity = read_activity(tmp_path)[LOAD]
    assert (activity.stored, activity.duplicates, activity.failures) == (2, 1, 1)
    assert activity.last_key == "b.json.gz"
    assert activity.last_location is None  # b's location was not given: never a's
    assert activity.last_stored_at == NOON + timedelta(minutes=5)
    assert activity.last_error == "HTTP 500"
    assert activity.age(NOON + timedelta(minutes=6)) == 60


def test_a_collect_run_is_recorded(tmp_path):
    """record_run adds a collect run's report, naming its last object's location."""
    report = RunReport(dataset=LOAD, collected=2, skipped_duplicate=1, failed=1,
                       stored=["k1.json.gz", "k2.json.gz"],
                       errors=[{"candidate": "x", "error": "validation failed"}])
    record_run(tmp_path / "state", report, store=LocalStore(tmp_path / "data"), at=NOON)
    activity = read_activity(tmp_path / "state")[LOAD]
    assert (activity.stored, activity.duplicates, activity.failures) == (2, 1, 1)
    assert activity.last_key == "k2.json.gz"
    assert activity.last_location == (tmp_path / "data" / "k2.json.gz").as_uri()
    assert activity.last_error == "validation failed"


def test_nothing_recorded_reads_as_empty(tmp_path):
    """A state directory without an activity file has no activity, and is not created."""
    assert read_activity(tmp_path / "missing") == {}
    assert not (tmp_path / "missing").exists()


def test_writers_on_several_threads_all_count(tmp_path):
    """Threads with their own connections add up without losing a count."""

    def work() -> None:
        with ActivityLog(tmp_path) as log:
            for _ in range(25):
                log.record(LOAD, duplicates=1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert read_activity(tmp_path)[LOAD].duplicates == 100


def test_an_unwritable_state_dir_never_fails_a_run(tmp_path, caplog):
    """Activity is advisory: a state dir that cannot be created is logged, not raised."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    ActivityLog(blocker / "state").record(LOAD, stored=1, key="k")
    assert "cannot record activity" in caplog.text


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "never"), (0, "0s"), (59.9, "59s"), (60, "1m 0s"), (3599, "59m 59s"),
    (3600, "1h 0m"), (86399, "23h 59m"), (90000, "1d 1h"),
])
def test_ages_read_naturally(seconds, text):
    """Ages are shown in the two largest units."""
    assert format_age(seconds) == text


def test_status_prints_a_table_and_json(tmp_path):
    """status lists every dataset; recorded ones with age, counts and last location."""
    as_of = datetime.now(UTC) - timedelta(minutes=7)
    with ActivityLog(tmp_path / ".gridcollect") as log:
        log.record(LOAD, stored=3, duplicates=2, key="sourcing/x.json.gz",
                   location="file:///data/sourcing/x.json.gz", as_of=as_of)
        log.record(LOAD, failures=1, error="HTTP 500 (gave up)")
    runner = CliRunner()
    table = runner.invoke(cli, ["status", "--output-dir", str(tmp_path)])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["DATASET", "AGE", "STORED", "DUPLICATES", "FAILURES",
                                "NEWEST", "AS-OF", "DATA", "AGE", "LAST", "STORED"]
    [row] = [line for line in lines if line.startswith(LOAD)][:1]
    assert row.split()[2:] == ["3", "2", "1", as_of.strftime("%Y-%m-%dT%H:%MZ"), "7m",
                               row.split()[7], "file:///data/sourcing/x.json.gz"]
    assert row.split()[7].endswith("s")  # "7m 0s": the data's age, not the store's
    [csat] = [line for line in lines if line.startswith("miso_csat_supply_demand")]
    assert csat.split() == ["miso_csat_supply_demand", "never", "0", "0", "0", "-", "-", "-"]
    assert f"{LOAD}: last failure" in table.output and "HTTP 500 (gave up)" in table.output

    as_json = runner.invoke(cli, ["status", "--output-dir", str(tmp_path), "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = {row["dataset"]: row for row in json.loads(as_json.output)["datasets"]}
    assert (rows[LOAD]["stored"], rows[LOAD]["duplicates"], rows[LOAD]["failures"]) == (3, 2, 1)
    assert rows[LOAD]["last_key"] == "sourcing/x.json.gz"
    assert rows[LOAD]["age_seconds"] < 60
    assert rows[LOAD]["newest_as_of"] == as_of.isoformat()
    assert 7 * 60 <= rows[LOAD]["as_of_age_seconds"] < 8 * 60
    assert rows["miso_csat_supply_demand"]["last_stored_at"] is None


def test_the_newest_as_of_instant_is_kept(tmp_path):
    """A snapshot stored later but describing an earlier instant (a revision of an old
    one) does not move the newest as-of instant back."""
    with ActivityLog(tmp_path) as log:
        log.record(LOAD, stored=1, key="b", as_of=NOON + timedelta(minutes=5))
        log.record(LOAD, stored=1, key="a_2", as_of=NOON)
        log.record(LOAD, duplicates=1)
    activity = read_activity(tmp_path)[LOAD]
    assert activity.newest_as_of == NOON + timedelta(minutes=5)
    assert activity.as_of_age(NOON + timedelta(minutes=6)) == 60


def test_an_activity_file_of_an_older_version_is_read_and_upgraded(tmp_path):
    """A file without the as-of column reads (as unknown) and gains it on the next write."""
    import sqlite3

    old = sqlite3.connect(tmp_path / "activity.sqlite3")
    old.execute("""CREATE TABLE activity (dataset TEXT PRIMARY KEY,
        stored INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0, last_key TEXT, last_location TEXT,
        last_stored_at TEXT, last_poll_at TEXT, last_error TEXT, last_error_at TEXT)""")
    old.execute("INSERT INTO activity (dataset, stored) VALUES (?, 4)", (LOAD,))
    old.commit()
    old.close()
    assert read_activity(tmp_path)[LOAD].newest_as_of is None
    with ActivityLog(tmp_path) as log:
        log.record(LOAD, stored=1, key="k", as_of=NOON)
    activity = read_activity(tmp_path)[LOAD]
    assert (activity.stored, activity.newest_as_of) == (5, NOON)
