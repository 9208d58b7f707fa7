"""Recovery never lets a claim go while its owner may still be storing (SQLite and Redis)."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime

import pytest

from gridcollect.http import Fetcher
from gridcollect.model import Slot
from gridcollect.notifiers.outbox import Outbox
from gridcollect.pipeline import Backends, Pipeline
from gridcollect.registries.redis import RedisRegistry
from gridcollect.registries.sqlite import SqliteRegistry
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import HttpSettings, RunOptions
from gridcollect.stores.local import LocalStore

from .support.toy import TOY

PATH = "/Toy/Feed"
FIRST = Slot(datetime(2025, 12, 5, 12, 0, tzinfo=UTC), {"zone": "EAST"})
LATER = Slot(datetime(2025, 12, 5, 12, 5, tzinfo=UTC), {"zone": "EAST"})
LEASE = 0.3


class HeldStore(LocalStore):
    """A local store whose writes wait until the test lets them through."""

    def __init__(self, root):
        super().__init__(root)
        self.writing = threading.Event()
        self.proceed = threading.Event()

    def put(self, key, body, *, sha256, overwrite):
        self.writing.set()
        assert self.proceed.wait(30)
        return super().put(key, body, sha256=sha256, overwrite=overwrite)


@pytest.fixture(params=["sqlite", "redis"])
def open_registry(request, tmp_path):
    """Opens a registry connection (one per thread for SQLite); all share one registry."""
    opened = []

    def open_one(*, close_at_teardown=True):
        if request.param == "sqlite":
            registry = SqliteRegistry(tmp_path / "state" / "registry.sqlite3")
        else:
            registry = RedisRegistry.from_url(request.getfixturevalue("redis_db").url)
        if close_at_teardown:
            opened.append(registry)
        return registry

    if request.param == "redis":
        request.getfixturevalue("redis_db")
    yield open_one
    for registry in opened:
        registry.close()


# The toy payload states no time; pin its as-of instant so that every worker's key is the
# same whatever the wall clock says.
PINNED = dataclasses.replace(TOY, as_of=lambda payload: FIRST.at)


def pipeline(server, store, registry, tmp_path, name):
    backends = Backends(store, registry, Outbox(tmp_path / f"{name}-outbox.sqlite3"), "sourcing")
    return Pipeline(PINNED, fetcher=Fetcher(HttpSettings(api_base_url=server.url, max_retries=0)),
                    backends=backends, options=RunOptions(), lease_seconds=LEASE)


def test_a_slow_writer_whose_lease_ran_out_keeps_its_snapshot_single(tmp_path, open_registry):
    """Worker A's write outlasts its lease; a recovery run finds no object yet and must
    not release A's claim, so worker C, fetching the same snapshot under a later slot,
    writes to A's key: A's late write meets C's object and adopts it. One object."""
    root = tmp_path / "data"
    held = HeldStore(root)
    results = {}
    with ReplayServer({PATH: Reply(body={"value": 1})}) as server:
        def worker_a():
            registry = open_registry(close_at_teardown=False)  # SQLite: this thread's own
            # A cannot renew its lease (a paused process, a partition from the registry):
            # the lease runs out while A is alive and still writing.
            registry.renew = lambda *args, **kwargs: False
            try:
                results["a"] = pipeline(server, held, registry, tmp_path, "a").collect(FIRST)
            finally:
                registry.close()

        thread = threading.Thread(target=worker_a)
        thread.start()
        try:
            assert held.writing.wait(30)
            time.sleep(LEASE + 0.3)  # A is alive and still writing; its lease has run out
            registry = open_registry()
            recovery = pipeline(server, LocalStore(root), registry, tmp_path, "r")
            assert recovery.recover_abandoned() == 0
            [pending] = registry.pending_claims("hash:dev:toy_feed:")
            assert pending.expired, "the claim is kept, as it was"

            worker_c = pipeline(server, LocalStore(root), registry, tmp_path, "c")
            results["c"] = worker_c.collect(LATER)
        finally:
            held.proceed.set()
            thread.join(30)
    stored = sorted(str(p.relative_to(root)) for p in root.rglob("*.json.gz"))
    assert stored == [results["a"]] == [results["c"]], stored
