"""Listing stored keys: the local store hides temp files and state; S3 lists by prefix."""

import os

import pytest

from gridcollect.stores.local import LocalStore
from gridcollect.stores.s3 import S3Store


def put(store, key):
    store.put(key, b"x", sha256="x", overwrite=False)


def test_local_keys_are_sorted_and_skip_temp_files_and_the_state_dir(tmp_path):
    """A writer's .*.tmp leftovers and the .gridcollect state directory are never listed."""
    store = LocalStore(tmp_path)
    for key in ("p/b/2.json.gz", "p/a/1.json.gz", "p/b/10.json.gz", "q/other.json.gz"):
        put(store, key)
    (tmp_path / "p/b/.2.json.gz.123.abc.tmp").write_bytes(b"partial")
    os.makedirs(tmp_path / ".gridcollect")
    (tmp_path / ".gridcollect/registry.sqlite3").write_bytes(b"")
    assert list(store.keys("p/")) == ["p/a/1.json.gz", "p/b/10.json.gz", "p/b/2.json.gz"]
    assert list(store.keys("")) == [
        "p/a/1.json.gz", "p/b/10.json.gz", "p/b/2.json.gz", "q/other.json.gz"]


def test_local_keys_match_a_partial_last_segment_and_tolerate_missing_folders(tmp_path):
    """A prefix need not end at a folder; an absent folder lists nothing."""
    store = LocalStore(tmp_path)
    for key in ("d/x_1.json.gz", "d/y_1.json.gz"):
        put(store, key)
    assert list(store.keys("d/x")) == ["d/x_1.json.gz"]
    assert list(store.keys("nothing/here/")) == []


@pytest.mark.servers
def test_s3_keys_list_by_prefix_in_key_order(s3_server, s3_bucket):
    """S3 lists every key under the prefix and nothing outside it."""
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    for key in ("p/b/2.json.gz", "p/a/1.json.gz", "pq/3.json.gz"):
        put(store, key)
    assert list(store.keys("p/")) == ["p/a/1.json.gz", "p/b/2.json.gz"]
