"""A claim's lease is renewed while its object is stored, on real SQLite and redis-server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from gridcollect.digest import registry_key, sha256_of
from gridcollect.errors import BackendUnavailable
from gridcollect.http import Fetcher
from gridcollect.model import Slot
from gridcollect.notifiers.outbox import Outbox
from gridcollect.pipeline import Backends, Pipeline
from gridcollect.registries import Busy, Claimed
from gridcollect.registries.lease import LeaseKeeper
from gridcollect.registries.redis import RedisRegistry
from gridcollect.registries.sqlite import SqliteRegistry
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import HttpSettings, RunOptions
from gridcollect.stores.local import LocalStore

from ..support.toy import TOY

LEASE = 0.6
STORE_SECONDS = 2.0  # more than three leases
SLOT = Slot(datetime(2025, 12, 5, 12, 0, tzinfo=UTC), {"zone": "EAST"})
NAME = registry_key("dev", "toy_feed", sha256_of({"value": 1}), SLOT.params)


class SlowStore(LocalStore):
    """A local store whose writes take ``STORE_SECONDS``, as a retried S3 PUT may."""

    def __init__(self, root, started: threading.Event) -> None:
        super().__init__(root)
        self.started = started

    def put(self, key, body, *, sha256, overwrite):
        self.started.set()
        time.sleep(STORE_SECONDS)
        return super().put(key, body, sha256=sha256, overwrite=overwrite)


@pytest.fixture(params=["sqlite", "redis"])
def open_registry(request, tmp_path):
    """A factory of connections to one registry, each as a separate worker would hold."""
    opened = []

    def make(*, close_after: bool = True):
        if request.param == "sqlite":
            registry = SqliteRegistry(tmp_path / "registry.sqlite3")
        else:
            redis = request.getfixturevalue("redis_db")
            registry = RedisRegistry.from_url(redis.url)
        if close_after:
            opened.append(registry)
        return registry

    yield make
    for registry in opened:
        registry.close()


def test_a_store_slower_than_the_lease_keeps_its_claim_and_stores_once(tmp_path,
                                                                       open_registry):
    """Another worker asking mid-store, well past the first lease, is told 'busy'."""
    started = threading.Event()
    with ReplayServer({"/Toy/Feed": Reply(body={"value": 1})}) as server:
        fetcher = Fetcher(HttpSettings(api_base_url=server.url, max_retries=0))
        outcome: dict[str, object] = {}

        def worker() -> None:
            registry = open_registry(close_after=False)  # SQLite: closed by its own thread
            backends = Backends(SlowStore(tmp_path / "data", started), registry,
                                Outbox(tmp_path / "outbox.sqlite3"), "sourcing")
            pipeline = Pipeline(TOY, fetcher=fetcher, backends=backends,
                                options=RunOptions(), lease_seconds=LEASE)
            try:
                outcome["key"] = pipeline.collect(SLOT)
                outcome["report"] = pipeline.report
            finally:
                registry.close()
                backends.outbox.close()

        thread = threading.Thread(target=worker)
        thread.start()
        assert started.wait(10)
        time.sleep(LEASE * 2)  # the first lease is long gone
        other = open_registry().claim(NAME, key="elsewhere", lease_seconds=LEASE,
                                      ttl_seconds=3600)
        thread.join(30)
    assert isinstance(other, Busy), other
    assert outcome["key"] is not None and outcome["report"].collected == 1
    assert open_registry().lookup(NAME).key == outcome["key"]


class Flaky:
    """A registry whose renewals fail once, then succeed."""

    def __init__(self) -> None:
        self.calls = 0

    def renew(self, name, *, token, lease_seconds):
        self.calls += 1
        if self.calls == 1:
            raise BackendUnavailable("redis blinked")
        return True


def test_a_failed_renewal_is_tried_again_a_third_of_a_lease_later():
    """One outage of the registry does not end the renewals."""
    registry = Flaky()
    with LeaseKeeper(registry, "h", "token", 0.15) as keeper:  # type: ignore[arg-type]
        time.sleep(0.4)
    assert registry.calls >= 2 and keeper.renewals >= 1


def test_without_a_claim_nothing_is_renewed():
    """--force and --skip-hash-check hold no claim: no timer runs."""
    registry = Flaky()
    with LeaseKeeper(registry, "h", None, 0.05):  # type: ignore[arg-type]
        time.sleep(0.2)
    assert registry.calls == 0


def test_renewals_stop_once_the_claim_is_taken_over(tmp_path):
    """A lost claim is not fought for: the keeper stops renewing."""
    registry = SqliteRegistry(tmp_path / "r.db")
    claim = registry.claim("h", key="k", lease_seconds=0.1, ttl_seconds=60)
    assert isinstance(claim, Claimed)
    time.sleep(0.15)
    assert isinstance(registry.claim("h", key="k", lease_seconds=60, ttl_seconds=60), Claimed)
    with LeaseKeeper(registry, "h", claim.token, 0.09) as keeper:
        time.sleep(0.3)
    assert keeper.renewals == 0
