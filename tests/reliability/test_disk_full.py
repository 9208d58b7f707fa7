"""Disk full: on the local store, on the state directory, under the notifications file.

Each case mounts a tiny tmpfs (see conftest.tiny_disk), fills it at a chosen moment,
and checks that the failure is named, nothing half-written survives, and everything is
stored and announced once space returns.
"""

from __future__ import annotations

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.notifiers import Notification
from gridcollect.notifiers.jsonl import JsonLinesPublisher
from gridcollect.notifiers.outbox import Outbox
from gridcollect.replay import ReplayServer, Reply

from ..e2e.cli import run_cli
from .faults import when_asked
from .runs import BODY, DIGEST, LOAD
from .state import assert_consistent, local_state, notifications_in_file

PATH = "/RealTimeTotalLoad"


@pytest.fixture
def miso():
    with ReplayServer({PATH: Reply(body=BODY)}) as server:
        yield server


def collect(miso, output_dir, state_dir):
    return run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(output_dir),
                   "--state-dir", str(state_dir))


@pytest.mark.scenario("The local store's disk is full",
                      outcome="exit 1, the error names the path and 'No space left on device'; "
                              "no object or temp file, the claim released; stored once when "
                              "space returns")
def test_a_full_store_disk_fails_the_slot_cleanly_and_the_rerun_stores_once(
    miso, tmp_path, tiny_disk
):
    """ENOSPC while writing the object leaves nothing behind but the failure."""
    disk = tiny_disk("store")
    disk.fill()
    state_dir = tmp_path / "state"
    result = collect(miso, disk.path, state_dir)
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert "store failed: cannot write" in error["error"]
    assert "No space left on device" in error["error"]
    state = local_state(disk.path, state_dir)
    assert state.objects == {} and state.leftovers == [] and state.outbox_pending == 0
    assert state.registry == {}, "the claim of the failed write is released"

    disk.free()
    again = collect(miso, disk.path, state_dir)
    assert again.code == 0 and again.summary["collected"] == 1, again.stderr
    assert_consistent(local_state(disk.path, state_dir), TOTAL_LOAD, {DIGEST})


@pytest.mark.scenario("The state directory's disk is full at start",
                      outcome="exit 3, one line naming the registry file; MISO is never asked")
def test_a_full_state_disk_stops_the_run_before_fetching(miso, tmp_path, tiny_disk):
    """The registry cannot be created: one clear line, no request, nothing stored."""
    disk = tiny_disk("state")
    disk.fill()
    result = collect(miso, tmp_path / "data", disk.path)
    assert result.code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and str(disk.path / "registry.sqlite3") in line
    assert "full" in line
    assert miso.requests == [] and not (tmp_path / "data").exists()


@pytest.mark.scenario("The state directory's disk fills up mid-run, then space returns",
                      outcome="exit 3, one line naming the registry; nothing stored; the re-run "
                              "stores and announces the snapshot once")
def test_a_state_disk_filling_mid_run_stops_the_run_and_the_rerun_stores_once(
    miso, tmp_path, tiny_disk
):
    """The claim cannot be written: the run stops before storing anything."""
    disk = tiny_disk("state")
    miso.set_publisher(PATH, when_asked(disk.fill, Reply(body=BODY)))
    output_dir = tmp_path / "data"
    result = collect(miso, output_dir, disk.path)
    assert result.code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: registry ") and "full" in line
    assert local_state(output_dir, disk.path).objects == {}

    disk.free()
    again = collect(miso, output_dir, disk.path)
    assert again.code == 0 and again.summary["collected"] == 1, again.stderr
    assert_consistent(local_state(output_dir, disk.path), TOTAL_LOAD, {DIGEST})


def notification(n: int) -> Notification:
    return Notification(dataset="d", environment="dev", urn=f"urn:gridcollect:dev:k{n}",
                        location=f"file:///k{n}", version=None, etag=None,
                        metadata={"padding": "x" * 300})


@pytest.mark.scenario("The notifications file's disk fills up in the middle of an append",
                      outcome="delivery fails and the outbox keeps the batch; no torn line is "
                              "left in the file; once space returns every line is whole and "
                              "every notification is there")
def test_a_full_disk_never_leaves_a_torn_line_in_the_notifications_file(tmp_path, tiny_disk):
    """A partial append is undone, so readers of the JSON-lines file never see half a line."""
    disk = tiny_disk("state")
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    publisher = JsonLinesPublisher(disk.path / "notifications.jsonl")
    outbox.enqueue(notification(0))
    assert outbox.flush(publisher) == 1
    disk.fill()
    for n in range(1, 30):  # larger than what is left of the file's last page
        outbox.enqueue(notification(n))
    assert outbox.flush(publisher) == 0 and outbox.pending() == 29
    text = (disk.path / "notifications.jsonl").read_bytes()
    assert text.endswith(b"\n") and len(notifications_in_file(disk.path)) == 1

    disk.free()
    assert outbox.flush(publisher) == 29 and outbox.pending() == 0
    urns = [n["urn"] for n in notifications_in_file(disk.path)]
    assert urns == [notification(n).urn for n in range(30)]
