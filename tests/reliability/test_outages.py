"""Outages: the source and each backend down at start, going down mid-run, slow, coming back.

Every case runs the real command against real servers on loopback and then reads what
the backends hold: whatever failed, nothing is lost, nothing is stored twice, the exit
code and the summary say what happened.
"""

from __future__ import annotations

import json
import time

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.digest import sha256_of
from gridcollect.replay import ReplayServer, Reply

from ..e2e.cli import run_cli
from .faults import when_asked
from .runs import BODY, DIGEST, KEY, LOAD
from .state import (
    FinalState,
    assert_consistent,
    local_state,
    notifications_in_file,
    notifications_on_kafka,
    objects_in_s3,
    objects_on_disk,
    outbox_pending,
    registry_in_redis,
    registry_in_sqlite,
)

PATH = "/RealTimeTotalLoad"
RETRY_NOW = {"Retry-After": "0"}  # retried at once, so bounded retries cost no test time


@pytest.fixture
def miso():
    with ReplayServer({PATH: Reply(body=BODY)}) as server:
        yield server


def collect(miso, tmp_path, *extra):
    return run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path), *extra)


def assert_one_clear_line(result, *needles):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def assert_nothing_kept(state: FinalState) -> None:
    assert state.objects == {} and state.notifications == [] and state.outbox_pending == 0
    assert all(value["state"] != "registered" for value in state.registry.values())


@pytest.mark.scenario("MISO refuses connections",
                      outcome="exit 1 after --max-retries retries, the error says 'connection "
                              "failed'; nothing stored, claimed or queued")
def test_an_unreachable_source_fails_the_slot_after_bounded_retries(tmp_path):
    """Connection refused: retried max-retries times, then one failed slot and no trace."""
    with ReplayServer() as gone:
        url = gone.url
    result = run_cli(*LOAD, "--api-base-url", url, "--output-dir", str(tmp_path),
                     "--max-retries", "1")
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert "connection failed" in error["error"] and "gave up after 2 attempts" in error["error"]
    state = local_state(tmp_path)
    assert_nothing_kept(state)
    assert state.registry == {}


@pytest.mark.scenario("MISO answers 503 to every attempt",
                      outcome="exactly --max-retries + 1 requests, then exit 1 with 'HTTP 503 "
                              "(gave up after N attempts)'; nothing stored")
def test_a_source_failing_every_attempt_is_asked_exactly_max_retries_plus_one_times(
    miso, tmp_path
):
    """Retries are bounded: 3 retries means 4 requests, then the slot fails."""
    miso.set(PATH, Reply(status=503, headers=RETRY_NOW))
    result = collect(miso, tmp_path, "--max-retries", "3")
    assert result.code == 1
    assert "HTTP 503 (gave up after 4 attempts)" in result.summary["errors"][0]["error"]
    assert len(miso.requests) == 4
    assert_nothing_kept(local_state(tmp_path))


@pytest.mark.scenario("MISO times out, then answers 503, then recovers",
                      outcome="retried with backoff; exit 0, the snapshot stored once")
def test_a_slow_then_failing_source_that_recovers_within_the_retries_is_stored_once(
    miso, tmp_path
):
    """A reply slower than --timeout and a 503 are retried; the third answer is stored."""
    miso.set(PATH, Reply(body=BODY, delay_seconds=2.0), Reply(status=503, headers=RETRY_NOW),
             Reply(body=BODY))
    result = collect(miso, tmp_path, "--timeout", "0.3", "--max-retries", "2")
    assert result.code == 0, result.stderr
    assert result.summary["collected"] == 1 and len(miso.requests) == 3
    assert_consistent(local_state(tmp_path), TOTAL_LOAD, {DIGEST})


@pytest.mark.servers
@pytest.mark.scenario("Redis stops mid-run (after start-up, before the claim), then returns",
                      outcome="exit 3, one line naming host:port; nothing stored; the re-run "
                              "after Redis returns stores and announces the snapshot once")
def test_redis_going_down_mid_run_stops_the_run_and_the_rerun_stores_once(
    miso, tmp_path, start_redis_server
):
    """A registry outage mid-run stops the run before anything is written."""
    redis = start_redis_server()
    miso.set_publisher(PATH, when_asked(redis.stop, Reply(body=BODY)))
    args = ["--redis-url", redis.url]
    result = collect(miso, tmp_path, *args)
    assert result.code == 3
    assert_one_clear_line(result, f"{redis.host}:{redis.port}")
    assert objects_on_disk(tmp_path) == {} and outbox_pending(tmp_path / ".gridcollect") == 0

    redis.start()
    again = collect(miso, tmp_path, *args)
    assert again.code == 0 and again.summary["collected"] == 1, again.stderr
    state_dir = tmp_path / ".gridcollect"
    state = FinalState(objects_on_disk(tmp_path), registry_in_redis(redis.client()),
                       notifications_in_file(state_dir), outbox_pending(state_dir))
    assert_consistent(state, TOTAL_LOAD, {DIGEST})


@pytest.mark.servers
@pytest.mark.scenario("Redis is slow (every client paused for 1.5 s)",
                      outcome="the run waits within its command timeout; exit 0, stored once")
def test_a_slow_redis_is_waited_for(miso, tmp_path, redis_db):
    """Commands stalled by CLIENT PAUSE finish late but succeed."""
    redis_db.client().execute_command("CLIENT", "PAUSE", "1500", "ALL")
    started = time.monotonic()
    result = collect(miso, tmp_path, "--redis-url", redis_db.url)
    assert result.code == 0 and result.summary["collected"] == 1, result.stderr
    assert time.monotonic() - started >= 1.4
    assert registry_in_redis(redis_db.client())[f"hash:dev:{TOTAL_LOAD.dgroup}:{DIGEST}"][
        "state"] == "registered"


@pytest.mark.servers
@pytest.mark.scenario("S3 endpoint refuses connections at start",
                      outcome="exit 3 after botocore's bounded retries, one line naming the "
                              "bucket and endpoint; MISO is never asked")
def test_an_unreachable_s3_endpoint_stops_the_run_before_fetching(miso, tmp_path, s3_bucket):
    """Nothing listening at the S3 endpoint: one clear line, no request to the source."""
    with ReplayServer() as gone:
        endpoint = gone.url
    result = collect(miso, tmp_path, "--s3-bucket", s3_bucket, "--s3-endpoint-url", endpoint)
    assert result.code == 3
    assert_one_clear_line(result, s3_bucket, endpoint)
    assert miso.requests == []


@pytest.mark.servers
@pytest.mark.scenario("S3 is slow (each request held for a second)",
                      outcome="the run waits within botocore's timeouts; exit 0, stored once, "
                              "no request retried")
def test_a_slow_s3_is_waited_for(miso, tmp_path, s3_server, s3_bucket, s3_throttling_proxy):
    """Slow answers are not failures: one PUT, one object."""
    proxy = s3_throttling_proxy(["slow"] * 10)
    started = time.monotonic()
    result = collect(miso, tmp_path, "--s3-bucket", s3_bucket,
                     "--s3-endpoint-url", proxy.endpoint_url)
    assert result.code == 0 and result.summary["collected"] == 1, result.stderr
    assert time.monotonic() - started >= 2 * proxy.SLOW_SECONDS
    assert [outcome for method, _path, outcome in proxy.seen if method == "PUT"] == [200]
    assert list(objects_in_s3(s3_server.client(), s3_bucket)) == [KEY]


@pytest.mark.servers
@pytest.mark.scenario("S3 drops every connection mid-run, then returns",
                      outcome="the PUT is retried (5 attempts), the slot fails with exit 1 naming "
                              "the object, its claim is released; the re-run stores it once")
def test_s3_going_down_mid_run_fails_the_slot_and_the_rerun_stores_once(
    miso, tmp_path, s3_server, s3_bucket, s3_throttling_proxy
):
    """An S3 outage during the write loses nothing: no object, no entry, no announcement."""
    proxy = s3_throttling_proxy([])
    miso.set_publisher(PATH, when_asked(lambda: proxy.failures.extend(["reset"] * 10),
                                        Reply(body=BODY)))
    args = ["--s3-bucket", s3_bucket, "--s3-endpoint-url", proxy.endpoint_url]
    result = collect(miso, tmp_path, *args)
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert f"S3 write of s3://{s3_bucket}/{KEY} failed" in error["error"]
    assert [outcome for method, _path, outcome in proxy.seen if method == "PUT"] == ["reset"] * 5
    state_dir = tmp_path / ".gridcollect"
    assert objects_in_s3(s3_server.client(), s3_bucket) == {}
    assert registry_in_sqlite(state_dir) == {}, "the failed write's claim is released"
    assert outbox_pending(state_dir) == 0

    proxy.failures.clear()
    again = collect(miso, tmp_path, *args)
    assert again.code == 0 and again.summary["collected"] == 1, again.stderr
    state = FinalState(objects_in_s3(s3_server.client(), s3_bucket), registry_in_sqlite(state_dir),
                       notifications_in_file(state_dir), outbox_pending(state_dir))
    assert_consistent(state, TOTAL_LOAD, {DIGEST})


@pytest.mark.servers
@pytest.mark.scenario("Kafka stops mid-run, then returns before the next run",
                      outcome="exit 0 with notifications_pending 1; the next run delivers the "
                              "backlog before its own notification; each URN once on the topic")
def test_kafka_going_down_mid_run_keeps_the_notification_for_the_next_run(
    miso, tmp_path, start_kafka_broker
):
    """Objects are stored while Kafka is away; their announcements follow when it is back."""
    broker = start_kafka_broker()
    topic = "gridcollect-midrun"
    miso.set_publisher(PATH, when_asked(broker.stop, Reply(body=BODY)))
    args = ["--kafka-connection-string", f"kafka://{broker.bootstrap}/{topic}",
            "--kafka-timeout", "1"]
    first = collect(miso, tmp_path, *args)
    assert first.code == 0, first.stderr
    assert first.summary["collected"] == 1 and first.summary["notifications_pending"] == 1
    assert "notifications kept in the outbox" in first.stderr

    broker.start()
    other = json.loads(BODY)
    other["LoadInfo"]["RefId"] = "02-Oct-2026 - Interval 16:50 EST"
    miso.set(PATH, Reply(body=other))
    # Back up, the broker may take a moment to serve a topic again: the next run gets a
    # normal timeout (the first one's second was to give up fast on a stopped broker).
    second = collect(miso, tmp_path, *args[:-1], "10")
    assert second.code == 0 and second.summary["notifications_pending"] == 0, second.stderr
    [second_key] = second.summary["stored"]
    # Once as the run starts (the backlog), once as it ends (its own object).
    assert second.stderr.count("delivered 1 notification(s) via kafka") == 2

    state_dir = tmp_path / ".gridcollect"
    state = FinalState(objects_on_disk(tmp_path), registry_in_sqlite(state_dir),
                       notifications_on_kafka(broker.bootstrap, topic, 2),
                       outbox_pending(state_dir))
    assert_consistent(state, TOTAL_LOAD, {DIGEST, sha256_of(other)})
    assert state.announced() == {KEY: 1, second_key: 1}
