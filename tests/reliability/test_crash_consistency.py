"""Crash consistency: SIGKILL at each pipeline stage, then a normal re-run, leaves a clean state.

Each case kills a real ``gridcollect`` process at one stage (tests/reliability/crash_harness.py),
re-runs the same command against the same source, and checks every invariant of
``state.assert_consistent`` on what the backends hold: the embedded ones (local files,
SQLite, JSON lines) and the production ones (S3, Redis, Kafka).
"""

from __future__ import annotations

import json
import signal

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.digest import sha256_of
from gridcollect.replay import ReplayServer, Reply

from ..e2e.cli import run_cli
from .runs import BODY, DIGEST, KEY, LOAD, run_crashing
from .state import assert_consistent, local_state, production_state

# stage -> (what the scenario is, what the re-run must end with, announcements of the object)
STAGES = {
    "after-fetch": ("killed after the fetch, before the claim",
                    "nothing was written; the re-run stores and announces the snapshot once", 1),
    "mid-store": ("killed halfway through writing the object",
                  "no partial object ever appears; the re-run supersedes the dead worker's "
                  "claim and stores the snapshot once", 1),
    "after-store": ("killed after the object is stored, before the outbox",
                    "the re-run supersedes the claim, adopts the stored object (no copy), "
                    "registers and announces it once", 1),
    "after-enqueue": ("killed after the outbox write, before the registry",
                      "the re-run delivers the waiting notification, adopts the object and "
                      "announces it again: one object, two messages with one URN", 2),
    "after-register": ("killed after registering, before delivering the notification",
                       "the re-run delivers the waiting notification, then skips the snapshot "
                       "as a duplicate", 1),
    "after-deliver": ("killed after delivery, before the outbox was cleared",
                      "the re-run delivers the notification again (at-least-once: one URN "
                      "twice) and skips the snapshot as a duplicate", 2),
}


# stage -> what the killed run left: (objects, registry value states, notifications waiting
# in the outbox, notifications delivered). Proves each kill landed where it was meant to.
LEFT_BEHIND = {
    "after-fetch": (0, [], 0, 0),
    "mid-store": (0, ["claimed"], 0, 0),
    "after-store": (1, ["claimed"], 0, 0),
    "after-enqueue": (1, ["claimed"], 1, 0),
    "after-register": (1, ["registered"], 1, 0),
    "after-deliver": (1, ["registered"], 1, 1),
}


def left_behind(state):
    states = sorted(value["state"] for value in state.registry.values())
    return len(state.objects), states, state.outbox_pending, len(state.notifications)


def stage_params(backends: str) -> list[object]:
    return [
        pytest.param(stage, announced, id=stage, marks=pytest.mark.scenario(
            f"SIGKILL, {backends}: {what}", outcome=outcome))
        for stage, (what, outcome, announced) in STAGES.items()
    ]


@pytest.fixture
def miso():
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=BODY)}) as server:
        yield server


@pytest.mark.parametrize(("stage", "announced"), stage_params("local files + SQLite + JSON lines"))
def test_a_killed_local_run_rerun_leaves_each_snapshot_once_and_announced(
    tmp_path, miso, stage, announced
):
    """After SIGKILL at the stage and a re-run, local state holds every invariant."""
    args = [*LOAD, "--output-dir", str(tmp_path), "--api-base-url", miso.url]
    crashed = run_crashing(stage, *args)
    assert crashed.code == -signal.SIGKILL, crashed.stderr
    crashed_state = local_state(tmp_path)
    assert left_behind(crashed_state) == LEFT_BEHIND[stage]
    # Only a kill mid-write leaves a temp file: half the object, never under the real key.
    assert len(crashed_state.leftovers) == (stage == "mid-store")

    rerun = run_cli(*args)
    assert rerun.code == 0, rerun.stderr
    assert rerun.summary["failed"] == 0 and rerun.summary["notifications_pending"] == 0

    state = local_state(tmp_path)
    assert_consistent(state, TOTAL_LOAD, {DIGEST})
    assert state.announced()[KEY] == announced
    assert len(miso.requests) == 2


@pytest.mark.servers
@pytest.mark.parametrize(("stage", "announced"), stage_params("S3 + Redis + Kafka"))
def test_a_killed_production_run_rerun_leaves_each_snapshot_once_and_announced(
    tmp_path, miso, s3_server, s3_bucket, redis_db, kafka_broker, kafka_topic, stage, announced
):
    """The same matrix against moto S3, redis-server and a Tansu Kafka broker."""
    args = [*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
            "--s3-bucket", s3_bucket, "--s3-endpoint-url", s3_server.endpoint_url,
            "--redis-url", redis_db.url, "--kafka-timeout", "5",
            "--kafka-connection-string", f"kafka://{kafka_broker.bootstrap}/{kafka_topic}"]
    crashed = run_crashing(stage, *args)
    assert crashed.code == -signal.SIGKILL, crashed.stderr
    read = dict(s3=s3_server.client(), bucket=s3_bucket, redis=redis_db.client(),
                kafka_bootstrap=kafka_broker.bootstrap, topic=kafka_topic,
                state_dir=tmp_path / ".gridcollect")
    expected_then = LEFT_BEHIND[stage]
    assert left_behind(production_state(**read, expect_messages=expected_then[3])) == expected_then

    rerun = run_cli(*args)
    assert rerun.code == 0, rerun.stderr
    assert rerun.summary["failed"] == 0 and rerun.summary["notifications_pending"] == 0

    state = production_state(**read, expect_messages=announced)
    assert_consistent(state, TOTAL_LOAD, {DIGEST})
    assert state.announced()[KEY] == announced


MOVED_ON = ("SIGKILL after the object is stored, before the outbox, and the source publishes "
            "a new snapshot before the re-run")
MOVED_ON_OUTCOME = ("the re-run recovers the abandoned claim: the stored object is registered "
                    "and announced (marked recovered), and the new snapshot is stored too")


def new_body() -> bytes:
    payload = json.loads(BODY)
    payload["LoadInfo"]["FiveMinTotalLoad"][-1]["Load"]["Value"] = "83999"
    return json.dumps(payload).encode()


@pytest.mark.scenario(f"{MOVED_ON} (local files + SQLite + JSON lines)", outcome=MOVED_ON_OUTCOME)
def test_an_object_orphaned_by_a_crash_is_recovered_even_after_the_source_moved_on(
    tmp_path, miso
):
    """The stored-but-unregistered object is adopted although nobody fetches it again."""
    args = [*LOAD, "--output-dir", str(tmp_path), "--api-base-url", miso.url]
    assert run_crashing("after-store", *args).code == -signal.SIGKILL
    miso.set("/RealTimeTotalLoad", Reply(body=new_body()))
    rerun = run_cli(*args)
    assert rerun.code == 0, rerun.stderr
    assert rerun.summary["recovered"] == 1 and rerun.summary["collected"] == 1
    state = local_state(tmp_path)
    assert_consistent(state, TOTAL_LOAD, {DIGEST, sha256_of(json.loads(new_body()))})
    assert state.announced()[KEY] == 1


@pytest.mark.servers
@pytest.mark.scenario(f"{MOVED_ON} (S3 + Redis + Kafka)", outcome=MOVED_ON_OUTCOME)
def test_an_object_orphaned_in_s3_is_recovered_even_after_the_source_moved_on(
    tmp_path, miso, s3_server, s3_bucket, redis_db, kafka_broker, kafka_topic
):
    """Recovery works from the shared Redis index of open claims."""
    args = [*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
            "--s3-bucket", s3_bucket, "--s3-endpoint-url", s3_server.endpoint_url,
            "--redis-url", redis_db.url, "--kafka-timeout", "5",
            "--kafka-connection-string", f"kafka://{kafka_broker.bootstrap}/{kafka_topic}"]
    assert run_crashing("after-store", *args).code == -signal.SIGKILL
    miso.set("/RealTimeTotalLoad", Reply(body=new_body()))
    rerun = run_cli(*args)
    assert rerun.code == 0, rerun.stderr
    assert rerun.summary["recovered"] == 1 and rerun.summary["collected"] == 1
    read = dict(s3=s3_server.client(), bucket=s3_bucket, redis=redis_db.client(),
                kafka_bootstrap=kafka_broker.bootstrap, topic=kafka_topic,
                state_dir=tmp_path / ".gridcollect")
    state = production_state(**read, expect_messages=2)
    assert_consistent(state, TOTAL_LOAD, {DIGEST, sha256_of(json.loads(new_body()))})
    assert state.announced()[KEY] == 1
