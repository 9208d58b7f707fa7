"""The collect commands against real Redis, S3 (moto) and Kafka (Tansu) servers."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time

import pytest

from gridcollect.digest import sha256_of
from gridcollect.replay import ReplayServer, Reply

from ..support.servers import consume_messages
from .cli import WIRE, run_cli
from .test_collect_commands import COMMANDS

pytestmark = pytest.mark.servers

DGROUPS = {"csat": "miso_csat_supply_demand", "load": "miso_realtime_total_load",
           "reserve": "miso_binding_constraints_reserve"}
RETENTION_DAYS = {"csat": 365, "load": 365, "reserve": 7}


@pytest.fixture
def miso():
    with ReplayServer() as server:
        for endpoint, _args in COMMANDS.values():
            server.set(f"/{endpoint}", Reply(body=(WIRE / f"{endpoint}.json").read_bytes()))
        yield server


def backend_args(tmp_path, s3_server, bucket, redis, kafka=None, topic=None):
    args = ["--output-dir", str(tmp_path), "--s3-bucket", bucket,
            "--s3-endpoint-url", s3_server.endpoint_url, "--redis-url", redis.url,
            "--kafka-timeout", "5"]
    if kafka is not None:
        args += ["--kafka-connection-string", f"kafka://{kafka.bootstrap}/{topic}"]
    return args


def payload_of(name):
    endpoint, _args = COMMANDS[name]
    return json.loads((WIRE / f"{endpoint}.json").read_bytes())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_collect_lands_in_s3_registers_in_redis_and_announces_on_kafka(
    tmp_path, miso, s3_server, s3_bucket, redis_db, kafka_broker, kafka_topic, name
):
    """Object in the bucket, registry key with the dataset's TTL, one message keyed by URN."""
    _endpoint, args = COMMANDS[name]
    extra = backend_args(tmp_path, s3_server, s3_bucket, redis_db, kafka_broker, kafka_topic)
    result = run_cli(*args, "--api-base-url", miso.url, *extra)
    assert result.code == 0, result.stderr
    [key] = result.summary["stored"]
    assert result.summary["notifications_pending"] == 0
    assert not list(tmp_path.rglob("*.json.gz")), "nothing lands on disk when S3 is used"

    obj = s3_server.client().get_object(Bucket=s3_bucket, Key=key)
    sha = sha256_of(payload_of(name))
    assert obj["Metadata"]["sha256"] == sha and obj["ContentEncoding"] == "gzip"
    envelope = json.loads(gzip.decompress(obj["Body"].read()))
    assert payload_of(name) in (envelope, envelope.get("data"), envelope.get("api_response"))

    redis = redis_db.client()
    registry_key = f"hash:dev:{DGROUPS[name]}:{sha}"
    entry = json.loads(redis.get(registry_key))
    assert entry["location"] == f"s3://{s3_bucket}/{key}" and entry["size"] > 0
    ttl_days = redis.pttl(registry_key) / 86_400_000
    assert RETENTION_DAYS[name] - 0.01 < ttl_days <= RETENTION_DAYS[name]

    [(msg_key, value)] = consume_messages(kafka_broker.bootstrap, kafka_topic, count=1,
                                          settle=0.5)
    message = json.loads(value)
    assert msg_key.decode() == message["urn"] == f"urn:gridcollect:dev:{key}"
    assert message["location"] == f"s3://{s3_bucket}/{key}" and message["etag"]
    assert message["metadata"]["content_hash"] == f"sha256:{sha}"
    assert message["metadata"]["source_url"].startswith(miso.url)

    again = run_cli(*args, "--api-base-url", miso.url, *extra)
    assert again.code == 0 and again.summary["skipped_duplicate"] == 1
    assert len(consume_messages(kafka_broker.bootstrap, kafka_topic, count=2, timeout=2)) == 1


@pytest.mark.scenario("Two workers fetch the same new snapshot at once (shared Redis and S3)",
                      outcome="exactly one object: one worker reports it collected, the other "
                              "a duplicate")
def test_two_workers_fetching_one_new_snapshot_store_it_once(
    tmp_path, s3_server, s3_bucket, redis_db
):
    """Two concurrent processes, one shared Redis: exactly one object is stored."""
    body = (WIRE / "RealTimeTotalLoad.json").read_bytes()
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=body, delay_seconds=0.5)}) as miso:
        _endpoint, args = COMMANDS["load"]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "gridcollect", *args, "--api-base-url", miso.url,
                 *backend_args(tmp_path / f"w{i}", s3_server, s3_bucket, redis_db)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            for i in range(2)
        ]
        outputs = [proc.communicate(timeout=60) for proc in procs]
        assert len(miso.requests) == 2
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sorted(s["collected"] for s in summaries) == [0, 1]
    assert sorted(s["skipped_duplicate"] for s in summaries) == [0, 1]
    listing = s3_server.client().list_objects_v2(Bucket=s3_bucket)
    assert listing["KeyCount"] == 1


@pytest.mark.scenario("Redis is down when the run starts",
                      outcome="exit 3 within seconds, one line naming host:port; MISO is never "
                              "asked")
def test_redis_down_at_start_fails_fast_naming_host_and_port(
    tmp_path, miso, s3_server, s3_bucket, start_redis_server
):
    """Unreachable Redis: one line naming host:port, non-zero exit, nothing fetched."""
    redis = start_redis_server()
    redis.stop()
    _endpoint, args = COMMANDS["load"]
    started = time.monotonic()
    result = run_cli(*args, "--api-base-url", miso.url,
                     *backend_args(tmp_path, s3_server, s3_bucket, redis))
    assert result.code == 3 and time.monotonic() - started < 20
    assert f"{redis.host}:{redis.port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert miso.requests == []


@pytest.mark.scenario("The S3 bucket does not exist",
                      outcome="exit 3, one line naming the bucket; MISO is never asked")
def test_missing_bucket_is_one_clear_error(tmp_path, miso, s3_server, redis_db):
    """A bucket that does not exist stops the run before fetching, naming the bucket."""
    _endpoint, args = COMMANDS["load"]
    result = run_cli(*args, "--api-base-url", miso.url,
                     *backend_args(tmp_path, s3_server, "no-such-bucket-here", redis_db))
    assert result.code == 3 and "no-such-bucket-here" in result.stderr
    assert "Traceback" not in result.stderr and miso.requests == []


@pytest.mark.scenario("S3 answers 503 SlowDown twice",
                      outcome="retried with backoff; exit 0, the object stored once")
def test_s3_throttling_is_retried_until_the_object_is_stored(
    tmp_path, miso, s3_server, s3_bucket, s3_throttling_proxy, redis_db
):
    """SlowDown and 5xx answers are retried with backoff; the object is then stored."""
    proxy = s3_throttling_proxy([503, 503])
    _endpoint, args = COMMANDS["load"]
    result = run_cli(*args, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                     "--s3-bucket", s3_bucket, "--s3-endpoint-url", proxy.endpoint_url,
                     "--redis-url", redis_db.url)
    assert result.code == 0, result.stderr
    [key] = result.summary["stored"]
    assert s3_server.client().head_object(Bucket=s3_bucket, Key=key)["ContentLength"] > 0
    assert len(proxy.seen) >= 3


@pytest.mark.scenario("Kafka is down for the whole run, then returns",
                      outcome="exit 0 with notifications_pending 1; `outbox flush` delivers it "
                              "exactly once; a second flush delivers nothing")
def test_kafka_down_keeps_notifications_then_flush_delivers_them_once(
    tmp_path, miso, s3_server, s3_bucket, redis_db, start_kafka_broker
):
    """Storage succeeds while Kafka is down; the outbox delivers exactly once when it is back."""
    broker = start_kafka_broker()
    broker.stop()
    topic = "gridcollect-outage"
    extra = backend_args(tmp_path, s3_server, s3_bucket, redis_db, broker, topic)
    _endpoint, args = COMMANDS["load"]
    result = run_cli(*args, "--api-base-url", miso.url, *extra)
    assert result.code == 0, result.stderr
    assert result.summary["collected"] == 1 and result.summary["notifications_pending"] == 1

    broker.start()
    flushed = run_cli("outbox", "flush", *extra)
    assert flushed.code == 0, flushed.stderr
    assert json.loads(flushed.stdout.strip().splitlines()[-1]) == {
        "delivered": 1, "notifications_pending": 0}
    again = run_cli("outbox", "flush", *extra)
    assert json.loads(again.stdout.strip().splitlines()[-1])["delivered"] == 0
    messages = consume_messages(broker.bootstrap, topic, count=1, settle=1.0)
    assert len(messages) == 1
    assert json.loads(messages[0][1])["urn"].endswith(result.summary["stored"][0])


@pytest.mark.scenario("Redis refuses a wrong password",
                      outcome="exit 3, one line; neither the right nor the wrong password "
                              "appears")
def test_passwords_never_reach_logs_or_the_summary(
    tmp_path, miso, s3_server, s3_bucket, start_redis_server, kafka_broker
):
    """Redis and Kafka passwords stay out of DEBUG logs, errors and the summary."""
    redis = start_redis_server(password="r3dis-Secret-pw")
    kafka_password = "k4fka-Secret-pw"
    _endpoint, args = COMMANDS["load"]
    result = run_cli(
        *args, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
        "--s3-bucket", s3_bucket, "--s3-endpoint-url", s3_server.endpoint_url,
        "--redis-url", redis.url, "--log-level", "DEBUG", "--kafka-timeout", "2",
        "--kafka-connection-string",
        f"kafka://alice:{kafka_password}@{kafka_broker.bootstrap}/t?security_protocol=SASL_PLAINTEXT"
        "&sasl_mechanism=PLAIN",
    )
    assert result.code == 0, result.stderr
    assert result.summary["notifications_pending"] == 1
    for secret in ("r3dis-Secret-pw", kafka_password):
        assert secret not in result.stderr and secret not in result.stdout
    wrong = run_cli(*args, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                    "--redis-url", redis.url.replace("r3dis-Secret-pw", "wr0ng-Secret-pw"))
    assert wrong.code == 3 and "wr0ng-Secret-pw" not in wrong.stderr
