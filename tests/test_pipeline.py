"""The shared pipeline, driven with a toy dataset, embedded backends and a real server."""

import dataclasses
import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from gridcollect.digest import registry_key, sha256_of
from gridcollect.errors import KeyConflict, StoreError
from gridcollect.http import Fetcher
from gridcollect.model import Slot
from gridcollect.notifiers.outbox import Outbox
from gridcollect.owner import owner_of
from gridcollect.pipeline import Backends, Pipeline
from gridcollect.registries import ABANDONED_AFTER_SECONDS, Claimed
from gridcollect.registries.sqlite import SqliteRegistry
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import HttpSettings, RunOptions
from gridcollect.stores.local import LocalStore

from .support.toy import NO_PLACEHOLDER, TOY

PATH = "/Toy/Feed"
SLOT = Slot(datetime(2025, 12, 5, 12, 0, tzinfo=UTC), {"zone": "EAST"})
KEY = "sourcing/toy_feed/2025/12/toy_20251205_120000_east.json.gz"


class FailingStore(LocalStore):
    """A local store whose writes fail while ``broken`` is set."""

    broken = False

    def put(self, key, body, *, sha256, overwrite):
        if self.broken:
            raise StoreError("disk on fire")
        return super().put(key, body, sha256=sha256, overwrite=overwrite)


@pytest.fixture
def server():
    with ReplayServer() as srv:
        srv.set(PATH, Reply(body={"value": 1}))
        yield srv


@pytest.fixture
def env(tmp_path, server):
    """Build pipelines over one set of embedded backends."""
    store = FailingStore(tmp_path / "data")
    registry = SqliteRegistry(tmp_path / "state/registry.sqlite3")
    outbox = Outbox(tmp_path / "state/outbox.sqlite3")
    backends = Backends(store, registry, outbox, "sourcing")

    def make(dataset=TOY, **options):
        fetcher = Fetcher(HttpSettings(api_base_url=server.url, max_retries=0))
        return Pipeline(dataset, fetcher=fetcher, backends=backends,
                        options=RunOptions(**options), lease_seconds=60,
                        now=lambda: datetime(2025, 12, 5, 12, 0, 7, tzinfo=UTC))

    make.backends = backends
    return make


def read_envelope(store, key):
    return json.loads(gzip.decompress(store.get(key)))


def test_new_snapshot_is_stored_under_the_slot_key_registered_and_announced(env):
    """One fetch: object at the templated key, registry entry, one outbox notification."""
    pipeline = env()
    assert pipeline.collect(SLOT) == KEY
    backends = env.backends
    assert read_envelope(backends.store, KEY)["payload"] == {"value": 1}
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    assert backends.registry.lookup(name).key == KEY
    assert backends.outbox.pending() == 1
    assert pipeline.report.as_dict()["collected"] == 1


def test_identical_snapshot_is_skipped_as_duplicate(env):
    """The same payload again stores nothing, whatever the slot or collection time."""
    env().collect(SLOT)
    later = env()
    assert later.collect(Slot(datetime(2025, 12, 5, 12, 5, tzinfo=UTC), SLOT.params)) is None
    assert later.report.skipped_duplicate == 1 and later.report.collected == 0


def test_the_same_body_for_other_parameter_values_is_another_snapshot(env):
    """Deduplication is per parameter values: one body for two zones is stored for each."""
    env().collect(SLOT)
    west = env()
    stored = west.collect(Slot(SLOT.at, {"zone": "WEST"}))
    assert stored == KEY.replace("_east", "_west") and west.report.collected == 1
    again = env()
    assert again.collect(Slot(SLOT.at, {"zone": "WEST"})) is None
    assert again.report.skipped_duplicate == 1


def test_force_stores_a_duplicate_again(env):
    """--force bypasses the duplicate check and rewrites the object."""
    env().collect(SLOT)
    forced = env(force=True)
    assert forced.collect(SLOT) == KEY and forced.report.collected == 1


def test_skip_hash_check_neither_checks_nor_registers(env):
    """--skip-hash-check stores every fetch and leaves the registry untouched."""
    pipeline = env(skip_hash_check=True)
    pipeline.collect(SLOT)
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    assert env.backends.registry.lookup(name) is None


def test_invalid_payload_fails_with_the_rule_and_is_neither_stored_nor_registered(env, server):
    """A validation failure names its rule; nothing is written anywhere."""
    server.set(PATH, Reply(body={"value": "high"}))
    pipeline = env()
    assert pipeline.collect(SLOT) is None
    report = pipeline.report.as_dict()
    assert report["failed"] == 1 and "value must be an integer" in report["errors"][0]["error"]
    assert env.backends.store.get(KEY) is None and env.backends.outbox.pending() == 0
    name = registry_key("dev", "toy_feed", sha256_of({"value": "high"}), SLOT.params)
    assert isinstance(env.backends.registry.claim(name, key="k", lease_seconds=1,
                                                  ttl_seconds=9), Claimed)


def test_store_failure_releases_the_claim_so_a_retry_can_store(env):
    """A failed write is not registered, and the next attempt stores it."""
    env.backends.store.broken = True
    first = env()
    assert first.collect(SLOT) is None and "disk on fire" in first.report.errors[0]["error"]
    env.backends.store.broken = False
    assert env().collect(SLOT) == KEY


def test_different_content_in_the_same_slot_gets_its_own_key(env, server):
    """A second, different snapshot for one slot never overwrites the first."""
    env().collect(SLOT)
    server.set(PATH, Reply(body={"value": 2}))
    assert env().collect(SLOT) == KEY.replace(".json.gz", "_2.json.gz")
    assert read_envelope(env.backends.store, KEY)["payload"] == {"value": 1}


def test_abandoned_claim_adopts_the_object_it_already_wrote(env):
    """Crash after store, before register: the next run registers the object, not a copy."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    pipeline = env()
    pipeline.collect(SLOT)
    # Turn the entry back into a claim whose lease has run out, as a dead worker leaves it.
    db = env.backends.registry._db
    db.execute("UPDATE digests SET state='claimed', token='dead', lease_until=0 WHERE name=?",
               (name,))
    later = env()
    assert later.collect(Slot(datetime(2025, 12, 5, 13, 0, tzinfo=UTC), SLOT.params)) == KEY
    assert env.backends.registry.lookup(name).key == KEY
    assert not list((env.backends.store.root / "sourcing/toy_feed/2025/12").glob("*1300*"))


def test_no_data_status_stores_the_placeholder(env, server):
    """A declared no-data answer stores the dataset's placeholder payload."""
    server.set(PATH, Reply(status=404))
    assert env().collect(SLOT) == KEY
    assert read_envelope(env.backends.store, KEY)["payload"] == {"no_data": True, "zone": "EAST"}


def test_no_data_without_placeholder_is_a_failure(env, server):
    """Datasets without a placeholder report the missing data as a failure."""
    server.set(PATH, Reply(status=404))
    pipeline = env(NO_PLACEHOLDER)
    assert pipeline.collect(SLOT) is None
    assert "HTTP 404" in pipeline.report.errors[0]["error"]


def test_notification_carries_what_consumers_need(env):
    """The message names the object, its URN, size, source and content hash."""
    env().collect(SLOT)
    rows = env.backends.outbox._db.execute("SELECT body FROM outbox").fetchall()
    message = json.loads(rows[0][0])
    assert message["urn"] == f"urn:gridcollect:dev:{KEY}"
    assert message["location"].endswith(KEY)
    assert message["metadata"]["content_hash"] == "sha256:" + sha256_of({"value": 1})
    assert message["metadata"]["source_url"].endswith(PATH)
    assert message["metadata"]["dataset_metadata"]["slot"] == SLOT.at.isoformat()


def test_claim_of_a_dead_local_worker_is_taken_over_at_once(env):
    """A claim left by a killed process on this host does not wait for its lease."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    env.backends.registry.claim(name, key=KEY, lease_seconds=3600, ttl_seconds=7200,
                                owner=owner_of(dead.pid))
    pipeline = env()
    assert pipeline.collect(SLOT) == KEY and pipeline.report.collected == 1


@pytest.mark.scenario("Another live worker holds the claim on the same snapshot",
                      outcome="nothing stored twice: reported as a duplicate")
def test_claim_of_a_live_worker_is_left_alone(env):
    """While the holder lives (and its lease runs), the snapshot is not stored twice."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    env.backends.registry.claim(name, key=KEY, lease_seconds=3600, ttl_seconds=7200,
                                owner=owner_of(os.getppid()))
    pipeline = env()
    assert pipeline.collect(SLOT) is None and pipeline.report.skipped_duplicate == 1


def test_recovery_drops_the_claim_of_a_dead_worker_whose_object_was_never_written(env):
    """A provably dead worker's claim with no object is released, so the snapshot can be
    stored under a new key at once."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 9}))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    env.backends.registry.claim(name, key="sourcing/toy_feed/none.json.gz", lease_seconds=600,
                                ttl_seconds=600, owner=owner_of(dead.pid))
    pipeline = env()
    assert pipeline.recover_abandoned() == 0
    assert env.backends.registry.pending_claims("hash:dev:toy_feed:") == []
    assert env.backends.outbox.pending() == 0


def test_recovery_keeps_an_expired_claim_of_a_worker_not_known_dead(env):
    """A claim on another host whose lease just ran out may still be storing: it is kept
    (expired, with its key), not released."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 9}))
    env.backends.registry.claim(name, key="sourcing/toy_feed/none.json.gz", lease_seconds=-1,
                                ttl_seconds=600, owner="elsewhere:1")
    assert env().recover_abandoned() == 0
    [pending] = env.backends.registry.pending_claims("hash:dev:toy_feed:")
    assert (pending.owner, pending.key, pending.expired) == (
        "elsewhere:1", "sourcing/toy_feed/none.json.gz", True)


def test_recovery_drops_a_claim_expired_for_longer_than_any_store_takes(env):
    """After ABANDONED_AFTER_SECONDS without an object, a claim from anywhere is released."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 9}))
    env.backends.registry.claim(name, key="sourcing/toy_feed/none.json.gz",
                                lease_seconds=-ABANDONED_AFTER_SECONDS - 60,
                                ttl_seconds=600, owner="elsewhere:1")
    assert env().recover_abandoned() == 0
    assert env.backends.registry.pending_claims("hash:dev:toy_feed:") == []


def test_recovery_leaves_the_claim_of_a_live_worker_alone(env):
    """A claim still inside its lease, held by someone alive, is not touched."""
    name = registry_key("dev", "toy_feed", sha256_of({"value": 9}))
    env.backends.registry.claim(name, key=KEY, lease_seconds=600, ttl_seconds=600,
                                owner="elsewhere:1")
    assert env().recover_abandoned() == 0
    [pending] = env.backends.registry.pending_claims("hash:dev:toy_feed:")
    assert pending.owner == "elsewhere:1" and not pending.expired


def test_recovery_registers_and_announces_an_orphaned_object(env, server):
    """An object stored under an expired claim is registered and announced as recovered."""
    env().collect(SLOT)
    name = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)
    db = env.backends.registry._db
    db.execute("UPDATE digests SET state='claimed', token='dead', lease_until=0 WHERE name=?",
               (name,))
    env.backends.outbox._db.execute("DELETE FROM outbox")
    server.set(PATH, Reply(body={"value": 2}))
    pipeline = env()
    assert pipeline.recover_abandoned() == 1 and pipeline.report.recovered == 1
    assert env.backends.registry.lookup(name).key == KEY
    [body] = [row[0] for row in env.backends.outbox._db.execute("SELECT body FROM outbox")]
    message = json.loads(body)
    assert message["urn"].endswith(KEY) and message["metadata"]["recovered"] is True


class SettlingStore(LocalStore):
    """A store whose first create-only write finds its key taken by a write of the same
    snapshot that reads back only after two tries (an S3 write still settling)."""

    def __init__(self, root):
        super().__init__(root)
        self.hidden_reads = 2
        self.raced = False

    def put(self, key, body, *, sha256, overwrite):
        if not self.raced:
            self.raced = True
            super().put(key, body, sha256=sha256, overwrite=overwrite)  # the write in flight
            raise KeyConflict(f"{key} already exists")
        return super().put(key, body, sha256=sha256, overwrite=overwrite)

    def get(self, key):
        if self.hidden_reads:
            self.hidden_reads -= 1
            return None
        return super().get(key)


def test_a_taken_key_that_reads_back_late_is_adopted_not_stored_again(tmp_path, server):
    """'Exists but not readable yet' is waited for, never taken for another snapshot."""
    store = SettlingStore(tmp_path / "data")
    backends = Backends(store, SqliteRegistry(tmp_path / "registry.sqlite3"),
                        Outbox(tmp_path / "outbox.sqlite3"), "sourcing")
    pipeline = Pipeline(TOY, fetcher=Fetcher(HttpSettings(api_base_url=server.url)),
                        backends=backends, options=RunOptions(), lease_seconds=60,
                        now=lambda: datetime(2025, 12, 5, 12, 0, 7, tzinfo=UTC))
    assert pipeline.collect(SLOT) == KEY
    assert store.get(KEY.replace(".json.gz", "_2.json.gz")) is None
    assert pipeline.report.collected == 1 and backends.outbox.pending() == 1

def test_a_recovered_notification_carries_the_as_of_instant_of_the_stored_payload(env, server):
    """Recovery reads the as-of instant back from the stored payload and announces it."""
    dataset = dataclasses.replace(
        TOY, as_of=lambda payload: datetime.fromisoformat(payload["at"]))
    payload = {"value": 1, "at": "2025-12-05T11:55:00+00:00"}
    server.set(PATH, Reply(body=payload))
    key = env(dataset).collect(SLOT)
    assert key == "sourcing/toy_feed/2025/12/toy_20251205_115500_east.json.gz"
    name = registry_key("dev", "toy_feed", sha256_of(payload), SLOT.params)
    env.backends.registry._db.execute(
        "UPDATE digests SET state='claimed', token='dead', lease_until=0 WHERE name=?", (name,))
    env.backends.outbox._db.execute("DELETE FROM outbox")
    assert env(dataset).recover_abandoned() == 1
    [body] = [row[0] for row in env.backends.outbox._db.execute("SELECT body FROM outbox")]
    times = json.loads(body)["metadata"]["dataset_metadata"]
    assert (times["as_of"], times["as_of_source"]) == ("2025-12-05T11:55:00+00:00", "payload")
