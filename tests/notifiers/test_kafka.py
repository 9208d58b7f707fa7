"""The Kafka publisher, against a real (Tansu) broker."""

import json
import subprocess
import sys
import time

import pytest

from gridcollect.errors import NotifierUnavailable
from gridcollect.notifiers import Notification
from gridcollect.notifiers.kafka import KafkaConfig, KafkaPublisher, parse_connection_string
from tests.support.servers import consume_messages

SECRET = "kafka-s3cret-pw"


def notification(n: int) -> Notification:
    return Notification(
        dataset="miso_demo",
        environment="test",
        urn=f"urn:gridcollect:test:miso_demo:{n:04d}",
        location=f"s3://bucket/sourcing/miso_demo/{n:04d}.json.gz",
        version=None,
        etag=f"etag{n}",
        metadata={"sha256": f"{n:064x}"},
    )


def config_for(bootstrap: str, topic: str) -> KafkaConfig:
    return parse_connection_string(f"kafka://{bootstrap}/{topic}", default_topic="x", environ={})


def test_published_notifications_are_keyed_by_urn_with_json_values(kafka_broker, kafka_topic):
    """Each notification becomes one message: key = urn, value = its JSON."""
    sent = [notification(n) for n in range(5)]
    publisher = KafkaPublisher(config_for(kafka_broker.bootstrap, kafka_topic))
    try:
        publisher.publish(sent)
    finally:
        publisher.close()
    received = consume_messages(kafka_broker.bootstrap, kafka_topic, count=5, settle=0.5)
    assert sorted(received) == sorted((n.urn.encode(), n.to_json()) for n in sent)
    assert sorted(Notification.from_json(v).urn for _k, v in received) == [n.urn for n in sent]
    assert json.loads(received[0][1])["dataset"] == "miso_demo"


def test_publishing_nothing_sends_nothing(kafka_broker, kafka_topic):
    """An empty batch returns at once without creating the topic."""
    publisher = KafkaPublisher(config_for(kafka_broker.bootstrap, kafka_topic))
    publisher.publish([])
    publisher.close()
    assert consume_messages(kafka_broker.bootstrap, kafka_topic, count=1, timeout=1) == []


def test_one_publisher_serves_several_batches(kafka_broker, kafka_topic):
    """A publisher is reused across publish calls; every batch is delivered once."""
    publisher = KafkaPublisher(config_for(kafka_broker.bootstrap, kafka_topic))
    publisher.publish([notification(1)])
    publisher.publish([notification(2), notification(3)])
    publisher.close()
    received = consume_messages(kafka_broker.bootstrap, kafka_topic, count=3, settle=0.5)
    assert sorted(key for key, _value in received) == [
        notification(n).urn.encode() for n in (1, 2, 3)
    ]


def test_connecting_ahead_then_publishing_delivers_once(kafka_broker, kafka_topic):
    """connect() only starts the producer early; the batch still goes out exactly once."""
    publisher = KafkaPublisher(config_for(kafka_broker.bootstrap, kafka_topic))
    publisher.connect()
    publisher.connect()  # twice is once
    publisher.publish([notification(7)])
    publisher.close()
    received = consume_messages(kafka_broker.bootstrap, kafka_topic, count=2, timeout=3)
    assert [key for key, _value in received] == [notification(7).urn.encode()]


def test_connecting_to_a_broker_that_is_down_leaves_the_failure_to_publish(start_kafka_broker):
    """connect() never raises; publish names the outage as usual."""
    broker = start_kafka_broker()
    broker.stop()
    publisher = KafkaPublisher(config_for(broker.bootstrap, "t"), delivery_timeout_seconds=1)
    publisher.connect()
    with pytest.raises(NotifierUnavailable, match="1 of 1 notifications not delivered"):
        publisher.publish([notification(1)])
    publisher.close()


def test_broker_down_raises_notifier_unavailable_within_the_timeout(start_kafka_broker):
    """With the broker gone, publish fails after about delivery_timeout_seconds, secret-free."""
    broker = start_kafka_broker()
    broker.stop()
    config = parse_connection_string(
        f"kafka://alice:{SECRET}@{broker.bootstrap}/t?security_protocol=SASL_PLAINTEXT",
        default_topic="x",
        environ={},
    )
    publisher = KafkaPublisher(config, delivery_timeout_seconds=2)
    started = time.monotonic()
    with pytest.raises(NotifierUnavailable) as caught:
        publisher.publish([notification(1), notification(2)])
    elapsed = time.monotonic() - started
    publisher.close()
    message = str(caught.value)
    assert 1.5 < elapsed < 6
    assert "2 of 2 notifications not delivered" in message
    assert broker.bootstrap in message
    assert SECRET not in message and "alice:***@" in message
    assert "\n" not in message


def test_refused_login_is_named_without_the_password(start_kafka_broker):
    """SASL credentials reach the broker; its refusal is reported, the password is not."""
    broker = start_kafka_broker(authentication=True)
    config = parse_connection_string(
        f"kafka://alice:{SECRET}@{broker.bootstrap}/t"
        "?security_protocol=SASL_PLAINTEXT&sasl_mechanism=SCRAM-SHA-512",
        default_topic="x",
        environ={},
    )
    publisher = KafkaPublisher(config, delivery_timeout_seconds=2)
    with pytest.raises(NotifierUnavailable) as caught:
        publisher.publish([notification(1)])
    publisher.close()
    message = str(caught.value)
    assert "SASL authentication" in message
    assert SECRET not in message and "\n" not in message


def test_publisher_recovers_when_the_broker_returns(start_kafka_broker):
    """After a failed publish, the same publisher delivers once the broker is back."""
    broker = start_kafka_broker()
    publisher = KafkaPublisher(config_for(broker.bootstrap, "recovery"), delivery_timeout_seconds=2)
    publisher.publish([notification(1)])
    broker.stop()
    with pytest.raises(NotifierUnavailable):
        publisher.publish([notification(2)])
    broker.start()  # in-memory storage: the restarted broker starts empty
    publisher.publish([notification(3)])
    publisher.close()
    received = consume_messages(broker.bootstrap, "recovery", count=1, settle=0.5)
    assert notification(3).urn.encode() in [key for key, _value in received]


def test_describe_is_masked(kafka_broker):
    """describe() shows where notifications go, never the password."""
    config = parse_connection_string(
        f"alice:{SECRET}@{kafka_broker.bootstrap}", default_topic="objects", environ={}
    )
    publisher = KafkaPublisher(config, delivery_timeout_seconds=1)
    assert SECRET not in publisher.describe()
    assert publisher.describe() == f"kafka {config.masked()}"
    assert "objects" in publisher.describe()


def test_importing_the_module_does_not_import_confluent_kafka():
    """confluent_kafka is loaded by the publisher, not by importing the module or parsing."""
    code = (
        "import sys; from gridcollect.notifiers import kafka; "
        "kafka.parse_connection_string('b:9092', default_topic='t', environ={}); "
        "print('confluent_kafka' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "False"
