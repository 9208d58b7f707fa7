"""The collect command against S3 answers to create-only writes: 409 and 412 without an object."""

from __future__ import annotations

import json

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as TOTAL_LOAD
from gridcollect.replay import ReplayServer, Reply

from .cli import LOAD, expected_key, run_cli
from .cli import LOAD_BODY as BODY

pytestmark = pytest.mark.servers

KEY = expected_key(TOTAL_LOAD, BODY)


@pytest.fixture
def miso():
    with ReplayServer({"/RealTimeTotalLoad": Reply(body=BODY)}) as server:
        yield server


def collect(miso, tmp_path, bucket, endpoint):
    return run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                   "--s3-bucket", bucket, "--s3-endpoint-url", endpoint)


def keys_in(s3_server, bucket) -> list[str]:
    listed = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", ()))


def announced(tmp_path) -> list[str]:
    lines = (tmp_path / ".gridcollect" / "notifications.jsonl").read_text().splitlines()
    return [json.loads(line)["location"] for line in lines]


@pytest.mark.scenario("S3 answers 409 ConditionalRequestConflict to the create-only PUT",
                      outcome="the same key is written again after a pause: stored once, "
                              "under its own key (no `_2`), counted and announced once")
def test_a_409_on_the_create_only_put_stores_the_snapshot_once_under_its_key(
    tmp_path, miso, s3_server, s3_bucket, s3_throttling_proxy
):
    """409 means a write is in flight, not another snapshot: no `_2` copy, one announcement."""
    proxy = s3_throttling_proxy([None, 409])  # the bucket check passes; the PUT conflicts
    result = collect(miso, tmp_path, s3_bucket, proxy.endpoint_url)
    assert result.code == 0, result.stderr
    assert result.summary["stored"] == [KEY] and result.summary["collected"] == 1
    assert [seen[2] for seen in proxy.seen if seen[0] == "PUT"] == [409, 200]
    assert keys_in(s3_server, s3_bucket) == [KEY]
    assert announced(tmp_path) == [f"s3://{s3_bucket}/{KEY}"]


@pytest.mark.scenario("S3 answers 412 to the create-only PUT but the key does not read back",
                      outcome="exit 1 naming the key as not readable yet; nothing stored under "
                              "another key; the re-run stores it once under its own key")
def test_a_taken_key_that_does_not_read_back_is_never_taken_for_another_snapshot(
    tmp_path, miso, s3_server, s3_bucket, s3_throttling_proxy
):
    """Exists but unreadable: the slot fails and is retried later, never written as `_2`."""
    proxy = s3_throttling_proxy([None, 412])
    result = collect(miso, tmp_path, s3_bucket, proxy.endpoint_url)
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert "cannot be read back yet" in error["error"] and KEY in error["error"]
    assert keys_in(s3_server, s3_bucket) == []

    again = collect(miso, tmp_path, s3_bucket, proxy.endpoint_url)
    assert again.code == 0 and again.summary["stored"] == [KEY], again.stderr
    assert keys_in(s3_server, s3_bucket) == [KEY]
    assert announced(tmp_path) == [f"s3://{s3_bucket}/{KEY}"]
