"""The embedded local-file store."""

import os
import subprocess
import sys

import pytest

from gridcollect.errors import KeyConflict, StoreError
from gridcollect.stores.local import LocalStore


def test_put_then_get_round_trips_and_names_a_file_url(tmp_path):
    """What is put can be read back; the location is a file:// URL of the object."""
    store = LocalStore(tmp_path)
    stored = store.put("p/a/b.json.gz", b"body", sha256="x", overwrite=False)
    assert store.get("p/a/b.json.gz") == b"body"
    assert stored.size == 4
    assert stored.location == "file://" + str((tmp_path / "p/a/b.json.gz").resolve())


def test_create_only_put_refuses_an_existing_key(tmp_path):
    """Without overwrite an existing object is never replaced."""
    store = LocalStore(tmp_path)
    store.put("k.json.gz", b"first", sha256="x", overwrite=False)
    with pytest.raises(KeyConflict):
        store.put("k.json.gz", b"second", sha256="y", overwrite=False)
    assert store.get("k.json.gz") == b"first"


def test_overwrite_replaces_atomically_and_leaves_no_temp_files(tmp_path):
    """Overwrite swaps the file in one rename; no temporary file stays behind."""
    store = LocalStore(tmp_path)
    store.put("d/k.json.gz", b"first", sha256="x", overwrite=False)
    store.put("d/k.json.gz", b"second", sha256="x", overwrite=True)
    assert store.get("d/k.json.gz") == b"second"
    assert os.listdir(tmp_path / "d") == ["k.json.gz"]


def test_missing_key_reads_as_none(tmp_path):
    """Absent objects are None, not errors."""
    assert LocalStore(tmp_path).get("nope.json.gz") is None


def test_keys_cannot_escape_the_root(tmp_path):
    """A key with .. is refused even if a caller skipped the template checks."""
    with pytest.raises(StoreError, match="escapes"):
        LocalStore(tmp_path / "root").put("../x.json.gz", b"b", sha256="x", overwrite=False)


def test_unwritable_root_is_a_store_error(tmp_path):
    """An OS failure becomes a StoreError naming the path."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot write"):
        LocalStore(blocker).put("k.json.gz", b"b", sha256="x", overwrite=False)


def test_temp_files_of_a_dead_writer_are_swept_but_live_ones_kept(tmp_path):
    """A killed writer's half-written temp file is removed by the next write there."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / "d"
    folder.mkdir()
    orphan = folder / f".k.json.gz.{dead.pid}.abc123.tmp"
    orphan.write_bytes(b"half")
    live = folder / f".k.json.gz.{os.getpid()}.def456.tmp"
    live.write_bytes(b"in progress")
    LocalStore(tmp_path).put("d/other.json.gz", b"body", sha256="x", overwrite=False)
    assert not orphan.exists() and live.exists()
