"""Tables in S3: sync, query and read against a real S3 server (moto), as on disk."""

from __future__ import annotations

import csv
import io

import pytest

import gridcollect
from gridcollect.settings import BackendSettings

from ..e2e.cli import run_cli
from ..export.support import collect_samples
from .support import START

pytestmark = pytest.mark.servers


def test_sync_query_and_read_in_a_bucket(s3_server, s3_bucket, tmp_path):
    """The README's flow against S3: files and manifest in the bucket, the same answers."""
    from gridcollect import datasets

    backends = BackendSettings(output_dir=tmp_path / "state", s3_bucket=s3_bucket,
                               s3_endpoint_url=s3_server.endpoint_url)
    dataset = datasets.get("miso_realtime_total_load")
    keys = collect_samples(dataset, backends, START, 1)
    keys += collect_samples(dataset, backends, START.replace(hour=23), 1,
                            seed=lambda n: 7)
    store = ["--s3-bucket", s3_bucket, "--s3-endpoint-url", s3_server.endpoint_url]
    synced = run_cli("tables", "sync", "realtime-total-load", *store)
    assert synced.code == 0, synced.stderr
    assert synced.summary["read"] == len(keys) == 2
    again = run_cli("tables", "sync", "realtime-total-load", *store)
    assert again.summary["read"] == 0

    listed = s3_server.client().list_objects_v2(Bucket=s3_bucket, Prefix="sourcing/tables/")
    names = [item["Key"] for item in listed["Contents"]]
    parquet = [n for n in names if n.endswith(".parquet")]
    assert parquet and all("/date=2026-10-0" in n for n in parquet)
    assert any("/_manifest/log/" in n for n in names)
    head = s3_server.client().head_object(Bucket=s3_bucket, Key=parquet[0])
    assert head["ContentType"] == "application/vnd.apache.parquet"
    assert "ContentEncoding" not in head

    sql = ("SELECT (SELECT count(*) FROM miso_realtime_total_load_revisions) AS revisions, "
           "(SELECT count(*) FROM miso_realtime_total_load) AS latest")
    result = run_cli("query", sql, *store)
    assert result.code == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert int(row["revisions"]) > int(row["latest"]) > 0

    frame = gridcollect.read("miso_realtime_total_load", "2026-09-30", "2026-10-04",
                             s3_bucket=s3_bucket, s3_endpoint_url=s3_server.endpoint_url)
    assert len(frame) == int(row["latest"])
