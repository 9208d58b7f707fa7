"""Where and how long the collect commands deliver notifications, through the real command."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from gridcollect.replay import ReplayServer, Reply

from ..support.processes import free_port  # bound, then released: nothing listens
from ..support.servers import consume_messages
from .cli import LOAD, run_cli, stored_files
from .cli import LOAD_BODY as BODY


@pytest.fixture
def miso():
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=BODY)}) as server:
        yield server


def outbox_destinations(state_dir) -> list[str]:
    with sqlite3.connect(state_dir / "outbox.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT destination FROM outbox")]


@pytest.mark.scenario("Kafka settings the client refuses (an unreadable CA file)",
                      outcome="exit 2 with one line naming ssl.ca.location, before anything "
                              "is fetched, stored or queued")
def test_a_kafka_setting_librdkafka_refuses_stops_the_run_before_anything_is_stored(
    tmp_path, miso
):
    """An unreadable CA file: exit 2 with one line, nothing fetched, stored or queued."""
    kafka = f"kafka://127.0.0.1:{free_port()}/t?security_protocol=SSL" \
            "&ssl_ca_location=/nonexistent/ca.pem"
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                     "--kafka-connection-string", kafka)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "ssl.ca.location" in lines[0]
    assert stored_files(tmp_path) == []
    assert miso.requests == [], "nothing may be fetched"
    assert not (tmp_path / ".gridcollect" / "outbox.sqlite3").exists()


@pytest.mark.scenario("Kafka unreachable (closed port) during a one-shot run",
                      outcome="exit 0 with notifications_pending 1 after about 5 s, not the "
                              "30 s watch waits")
def test_a_one_shot_run_gives_a_down_broker_a_few_seconds_then_leaves_it_to_the_outbox(
    tmp_path, miso
):
    """Broker down: the run ends in well under --kafka-timeout's old 30 s, pending 1."""
    kafka = f"kafka://127.0.0.1:{free_port()}/t"
    started = time.monotonic()
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                     "--kafka-connection-string", kafka)
    elapsed = time.monotonic() - started
    assert result.code == 0, result.stderr
    assert result.summary["collected"] == 1 and result.summary["notifications_pending"] == 1
    assert elapsed < 15, f"the run took {elapsed:.1f}s"


@pytest.mark.scenario("`outbox flush` without the Kafka options a notification was queued for",
                      outcome="exit 2, one line naming the pending Kafka destination; nothing "
                              "delivered, the notification still queued")
def test_outbox_flush_refuses_to_deliver_a_kafka_notification_anywhere_else(
    tmp_path, miso
):
    """Queued for Kafka, flushed without Kafka: exit 2 naming Kafka, nothing delivered."""
    dead, kafka_topic = f"127.0.0.1:{free_port()}", "gridcollect-elsewhere"
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                     "--kafka-connection-string", f"kafka://{dead}/{kafka_topic}",
                     "--kafka-timeout", "1")
    assert result.summary["notifications_pending"] == 1, result.stderr
    state_dir = tmp_path / ".gridcollect"

    refused = run_cli("outbox", "flush", "--output-dir", str(tmp_path))
    assert refused.code == 2, refused.stderr
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), refused.stderr
    assert f"kafka:{dead}/{kafka_topic}" in lines[0] and "nothing delivered" in lines[0]
    assert not (state_dir / "notifications.jsonl").exists()
    assert outbox_destinations(state_dir) == [f"kafka:{dead}/{kafka_topic}"]

    # The right destination, once reachable, gets it: the same brokers and topic.
    flushed = run_cli("outbox", "flush", "--output-dir", str(tmp_path),
                      "--kafka-connection-string", f"kafka://{dead}/{kafka_topic}",
                      "--kafka-timeout", "1")
    assert flushed.code == 1 and flushed.summary["notifications_pending"] == 1


@pytest.mark.servers
def test_outbox_flush_with_the_queued_destination_delivers_to_kafka(
    tmp_path, miso, kafka_broker, kafka_topic
):
    """A notification queued for a topic reaches exactly that topic when flushed for it."""
    kafka = f"kafka://{kafka_broker.bootstrap}/{kafka_topic}"
    kafka_broker.stop()
    try:
        result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                         "--kafka-connection-string", kafka, "--kafka-timeout", "1")
    finally:
        kafka_broker.start()
    assert result.summary["notifications_pending"] == 1, result.stderr
    flushed = run_cli("outbox", "flush", "--output-dir", str(tmp_path),
                      "--kafka-connection-string", kafka, "--kafka-timeout", "10")
    assert flushed.code == 0, flushed.stderr
    assert flushed.summary == {"delivered": 1, "notifications_pending": 0}
    [(_key, value)] = consume_messages(kafka_broker.bootstrap, kafka_topic, count=1, settle=0.5)
    assert json.loads(value)["urn"].endswith(result.summary["stored"][0])


def test_watch_refuses_a_kafka_setting_librdkafka_rejects_at_start(tmp_path):
    """watch exits 2 with one line instead of retrying a configuration that cannot work."""
    kafka = f"kafka://127.0.0.1:{free_port()}/t?security_protocol=SSL" \
            "&ssl_ca_location=/nonexistent/ca.pem"
    result = run_cli("watch", "realtime-total-load", "--output-dir", str(tmp_path),
                     "--api-base-url", "http://127.0.0.1:9", "--kafka-connection-string",
                     kafka, timeout=20)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ssl.ca.location" in lines[0], result.stderr
